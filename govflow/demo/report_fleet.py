"""A made-up fleet's evidence, as the report reads it from MLflow: N models with a gate run and a night of
monitoring for each of D days. For trying the pages at a scale no demo seeds (500 models, a year of nights),
and for the edge cases a page must survive: no runs yet, a run whose evidence is missing, no owner."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from govflow.checks.fleet_view import ModelFacts
from govflow.checks.register import RunRecord
from govflow.reports.pages import FleetEvidence, LatestRun

TIERS = ("high", "medium", "low")
_DUE = {"critical": 7, "major": 30}


def _result(check_id: str, status: str, value: float, limit: float, group: str | None = None,
            ci: tuple[float, float] | None = None) -> dict:
    return {"check_id": check_id, "status": status, "value": value, "limit": limit, "ci": list(ci) if ci else None,
            "n": 5000, "message": f"{check_id} = {value:.3f} against {limit}", "group": group, "column": None,
            "period": None, "hint": None}


def synthetic_fleet(models: int, days: int, seed: int = 7, start: datetime | None = None) -> FleetEvidence:
    """`models` models, each gated on day 0 and monitored every night for `days` days; some drift into
    failing drift and fairness checks for a while and recover, and every fourth drifts for good in its last
third. Model 0 has no owner, model 1 has no runs,
    and model 2's last night lost its evidence files."""
    rng = random.Random(seed)
    start = start or datetime(2025, 11, 1, 2, tzinfo=UTC)
    facts, runs, latest = [], [], {}
    for m in range(models):
        name = f"model_{m:03d}"
        tier = TIERS[m % 3]
        owner = None if m == 0 else f"owner{m % 17}@bank.example"
        facts.append(ModelFacts(name, owner=owner, use_case="credit limit decisions", tier=tier,
                                tags={"governance.label": "default"},
                                versions={"1": ("APPROVED" if m % 5 else "REJECTED", None, ("champion",))}))
        if m == 1:
            continue
        phase, wobble = rng.uniform(0, 6.28), rng.uniform(0.02, 0.12)
        gate = RunRecord(run_id=f"{name}-gate", model=name, version="1", flow="gate", started=start, verdict="APPROVED",
                         tier=tier, judged={"performance.auc": "PASS", "fairness.demographic_parity_ratio": "PASS"},
                         metrics={"performance.auc": 0.82, "fairness.demographic_parity_ratio.sex": 0.93},
                         review_due=(start + timedelta(days=180)).date().isoformat())
        runs.append(gate)
        for d in range(1, days + 1):
            when = start + timedelta(days=d)
            share = max(0.0, 0.15 + wobble * math.sin(phase + d / 20) + rng.gauss(0, 0.02))
            if m % 4 == 3 and d > days * 2 // 3:  # a lasting shift: findings that stay open and fall overdue
                share += 0.25
            ratio = min(1.0, 0.88 + 0.08 * math.cos(phase + d / 30) + rng.gauss(0, 0.01))
            auc = 0.80 + 0.03 * math.sin(phase + d / 45) + rng.gauss(0, 0.005)
            status = {"drift.share": "FAIL" if share > 0.3 else "PASS",
                      "fairness.demographic_parity_ratio": "FAIL" if ratio < 0.8 else "PASS", "performance.auc": "PASS"}
            findings = tuple({"check_id": c, "severity": "critical", "owner": owner, "status": "FAIL",
                              "due": (when + timedelta(days=_DUE["critical"])).date().isoformat(),
                              "message": f"{c} outside its limit"} for c, s in status.items() if s == "FAIL")
            lost = m == 2 and d == days
            runs.append(RunRecord(
                run_id=f"{name}-n{d}", model=name, version="1", flow="monitor", started=when,
                verdict="REJECTED" if findings else "APPROVED", tier=tier,
                judged={} if lost else status, findings=() if lost else findings,
                metrics={} if lost else {"drift.share": share, "fairness.demographic_parity_ratio.sex": ratio,
                                         "performance.auc": auc},
                missing=("evidence/verdict.json", "evidence/findings.json") if lost else ()))
            if d == days:
                latest[name] = {"gate": LatestRun(gate, (
                    _result("performance.auc", "PASS", 0.82, 0.7, ci=(0.8, 0.84)),
                    _result("fairness.demographic_parity_ratio", "PASS", 0.93, 0.8, group="sex", ci=(0.9, 0.96)),
                    _result("governance.risk_assessment", "PASS", 3.0, 2.0))),
                    "monitor": LatestRun(runs[-1], () if lost else (
                        _result("drift.share", status["drift.share"], share, 0.3),
                        _result("fairness.demographic_parity_ratio", status["fairness.demographic_parity_ratio"],
                                ratio, 0.8, group="sex", ci=(ratio - 0.03, min(1.0, ratio + 0.03)))))}
    return FleetEvidence(models=facts, runs=runs, latest=latest, tracking="synthetic", code_version="synthetic")

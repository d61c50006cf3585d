"""Evidence documents built from results: one JSON per check family, the verdict, key metrics."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from govflow.checks.decision import Decision
from govflow.checks.manifest import canonical_json
from govflow.checks.periods import ALL_PERIODS
from govflow.checks.results import STATUS_ORDER, CheckResult

# MLflow metric keys allow letters, digits, _ - . / and spaces; group names may hold anything.
_METRIC_UNSAFE = re.compile(r"[^\w\-./ ]")


def family_documents(results: Iterable[CheckResult], context: Mapping[str, Any]) -> dict[str, bytes]:
    """`evidence/<family>.json` for every check family that produced results."""
    by_family: dict[str, list[CheckResult]] = defaultdict(list)
    for result in results:
        by_family[result.family].append(result)
    return {
        f"evidence/{family}.json": canonical_json({
            **context, "family": family, "results": [r.model_dump(mode="json") for r in rows],
        })
        for family, rows in sorted(by_family.items())
    }


def verdict_document(decision: Decision, context: Mapping[str, Any]) -> bytes:
    """`evidence/verdict.json`: the verdict, its reasons and every result it rests on."""
    return canonical_json({
        **context, "verdict": decision.verdict.value, "because": decision.because, "reasons": list(decision.reasons),
        "results": [r.model_dump(mode="json") for r in decision.results],
    })


# The tier a run was judged at, on the run (a version's own `governance.risk_tier` is the tier it declares).
RUN_TIER_TAG = "governance.risk_tier"


def verdict_tags(decision: Decision, tier: str) -> dict[str, str]:
    """The run tags a verdict sets: the verdict, the tier it was judged at, and the one-line reason as the run's
    description (MLflow shows `mlflow.note.content` at the top of the run's page)."""
    return {"governance.verdict": decision.verdict.value, RUN_TIER_TAG: tier,
            "mlflow.note.content": decision.because}


def column_summary(results: Iterable[CheckResult]) -> dict[str, dict[str, Any]]:
    """Per column: the worst status, and each check that did not pass with the periods it did not pass in."""
    summary: dict[str, dict[str, Any]] = {}
    for r in results:
        if r.column is None:
            continue
        entry = summary.setdefault(r.column, {"worst": "PASS", "not_passed": {}})
        if STATUS_ORDER.index(r.status.value) > STATUS_ORDER.index(entry["worst"]):
            entry["worst"] = r.status.value
        if r.status.value not in ("PASS", "WAIVED"):
            entry["not_passed"].setdefault(r.check_id, []).append(r.period or ALL_PERIODS)
    return dict(sorted(summary.items()))


def key_metrics(results: Iterable[CheckResult]) -> dict[str, float]:
    """Model- and group-level numeric results as MLflow metrics (`performance.auc`,
    `fairness.demographic_parity_ratio.race_sex`), so trends show in MLflow; per-column ones stay in the JSON."""
    metrics = {}
    for r in results:
        if r.column is None and r.period is None and isinstance(r.value, float):
            key = r.check_id if r.group is None else f"{r.check_id}.{_METRIC_UNSAFE.sub('_', r.group)}"
            metrics[key] = r.value
            if r.ci is not None:
                metrics[f"{key}.ci_low"], metrics[f"{key}.ci_high"] = r.ci
    return metrics


def period_metrics(results: Iterable[CheckResult]) -> list[tuple[str, float, int]]:
    """(key, value, timestamp in ms of the period's start) for per-period results: a trend per check."""
    history = []
    for r in results:
        if r.period is None or r.column is not None or not isinstance(r.value, float):
            continue
        try:
            # Period labels are "2026-10-01" (day), "2026-09-28/2026-10-04" (week) or "2026-10" (month).
            start = pd.Timestamp(r.period.split("/")[0], tz="UTC")
        except ValueError:
            continue
        key = r.check_id if r.group is None else f"{r.check_id}.{_METRIC_UNSAFE.sub('_', r.group)}"
        history.append((key, r.value, int(start.timestamp() * 1000)))
    return history

"""Ad-hoc audits of a data file: no MLflow, no Prefect; the `govflow audit` commands call these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from govflow.checks.decision import Decision, decide
from govflow.checks.drift import drift_report
from govflow.checks.fairness import fairness_audit
from govflow.checks.policy import Policy
from govflow.checks.results import CheckResult


class AuditInputError(ValueError):
    """The file or a column cannot be used; the message names which."""


@dataclass(frozen=True)
class AuditReport:
    verdict: str
    results: list[CheckResult]
    groups: list[dict[str, Any]] | None = None
    features: list[dict[str, Any]] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.verdict, "results": [r.model_dump(mode="json") for r in self.results]}
        if self.groups is not None:
            out["groups"] = self.groups
        if self.features is not None:
            out["features"] = self.features
        return out


def _require(frame: pd.DataFrame, columns: list[str], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AuditInputError(f"{source}: no column {', '.join(repr(c) for c in missing)} "
                              f"(columns: {', '.join(map(str, frame.columns))})")


def _tier(policy: Policy, tier: str | None):
    name = tier or policy.unassessed_tier
    if name not in policy.tiers:
        raise AuditInputError(f"unknown tier '{name}' (policy tiers: {', '.join(policy.tiers)})")
    return name, policy.tier(name)


def audit_drift(
    reference: pd.DataFrame, current: pd.DataFrame, *, policy: Policy, columns: list[str] | None = None,
    tier: str | None = None, sources: tuple[str, str] = ("reference", "current"),
) -> AuditReport:
    """Drift of `current` from `reference` per column (all shared columns by default), by one tier's policy."""
    tier_name, tier_policy = _tier(policy, tier)
    if tier_policy.drift is None:
        raise AuditInputError(f"tier '{tier_name}' runs no drift checks in the policy")
    for source, frame in zip(sources, (reference, current)):
        if frame.empty:
            raise AuditInputError(f"{source}: the data has no rows")
    chosen = columns or [c for c in reference.columns if c in current.columns]
    if not chosen:
        raise AuditInputError(f"{sources[0]} and {sources[1]} share no column")
    _require(reference, chosen, sources[0])
    _require(current, chosen, sources[1])
    report = drift_report(reference, current, chosen, tier_policy.drift)
    decision = decide(report.results, tier_policy, families=("drift",))
    return AuditReport(decision.verdict.value, list(decision.results), features=report.features)


def audit_fairness(
    frame: pd.DataFrame, *, label: str, prediction: str, sensitive: list[str], policy: Policy,
    tier: str | None = None, score: str | None = None, source: str = "data",
) -> AuditReport:
    """Group fairness of recorded predictions, judged by one tier's fairness policy."""
    tier_name, tier_policy = _tier(policy, tier)
    rules = tier_policy.fairness
    if rules is None:
        raise AuditInputError(f"tier '{tier_name}' runs no fairness checks in the policy")
    if not sensitive:
        raise AuditInputError("name at least one sensitive column")
    _require(frame, [label, prediction, *sensitive, *([score] if score else [])], source)
    audit = fairness_audit(
        frame[label].to_numpy(), frame[prediction].to_numpy(), frame[sensitive], rules, policy.confidence,
        score=None if score is None else frame[score].to_numpy(), label_column=label, prediction_column=prediction,
    )
    decision: Decision = decide(audit.results, tier_policy, families=("fairness",))
    return AuditReport(decision.verdict.value, list(decision.results), groups=audit.groups)

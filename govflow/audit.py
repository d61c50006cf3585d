"""Ad-hoc audits of a data file: no MLflow, no Prefect; the `govflow audit` commands call these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from checks.decision import Decision, decide
from checks.fairness import fairness_audit
from checks.policy import Policy
from checks.results import CheckResult


class AuditInputError(ValueError):
    """The file or a column cannot be used; the message names which."""


@dataclass(frozen=True)
class AuditReport:
    verdict: str
    results: list[CheckResult]
    groups: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "results": [r.model_dump(mode="json") for r in self.results],
                "groups": self.groups}


def _require(frame: pd.DataFrame, columns: list[str], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AuditInputError(f"{source}: no column {', '.join(repr(c) for c in missing)} "
                              f"(columns: {', '.join(map(str, frame.columns))})")


def audit_fairness(
    frame: pd.DataFrame, *, label: str, prediction: str, sensitive: list[str], policy: Policy,
    tier: str | None = None, score: str | None = None, source: str = "data",
) -> AuditReport:
    """Group fairness of recorded predictions, judged by one tier's fairness policy."""
    tier_name = tier or policy.unassessed_tier
    if tier_name not in policy.tiers:
        raise AuditInputError(f"unknown tier '{tier_name}' (policy tiers: {', '.join(policy.tiers)})")
    rules = policy.tier(tier_name).fairness
    if rules is None:
        raise AuditInputError(f"tier '{tier_name}' runs no fairness checks in the policy")
    if not sensitive:
        raise AuditInputError("name at least one sensitive column")
    _require(frame, [label, prediction, *sensitive, *([score] if score else [])], source)
    audit = fairness_audit(
        frame[label].to_numpy(), frame[prediction].to_numpy(), frame[sensitive], rules, policy.confidence,
        score=None if score is None else frame[score].to_numpy(), label_column=label, prediction_column=prediction,
    )
    decision: Decision = decide(audit.results, policy.tier(tier_name), families=("fairness",))
    return AuditReport(decision.verdict.value, list(decision.results), audit.groups)

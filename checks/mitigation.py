"""Bias-mitigation evaluation: reweighing weights, and the before/after comparison of candidates."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from govflow.checks.check_registry import Stage, not_expected_at
from govflow.checks.decision import decide
from govflow.checks.model_task import ModelTask
from govflow.checks.policy import TierPolicy
from govflow.checks.results import CheckResult

MITIGATIONS = ("threshold_optimizer", "exponentiated_gradient", "reweighing")


def inapplicable_to(task: ModelTask) -> str | None:
    """Why the mitigations compared here do not apply to a model of `task`, or None when they do: Fairlearn's
    ThresholdOptimizer moves a binary classifier's thresholds per group, ExponentiatedGradient constrains its
    selection rates, and reweighing balances group and binary outcome."""
    if task is ModelTask.BINARY:
        return None
    return (f"a {task.value} model: the mitigations compared here ({', '.join(MITIGATIONS)}) reduce a binary "
            f"classifier's selection-rate and error-rate gaps, and none of them applies to a {task.value}'s "
            "decisions; review the fairness findings with the model's owner instead")


def reweighing_weights(y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Kamiran & Calders (2012) weights P(group) P(label) / P(group, label): each group and label
    combination weighs as much as it would if label and group were independent."""
    frame = pd.DataFrame({"g": groups, "y": y})
    n = len(frame)
    p_g = frame["g"].map(frame["g"].value_counts() / n)
    p_y = frame["y"].map(frame["y"].value_counts() / n)
    p_gy = frame.groupby(["g", "y"])["y"].transform("size") / n
    return (p_g * p_y / p_gy).to_numpy(dtype=float)


def comparison_table(candidates: Mapping[str, list[CheckResult]]) -> list[dict]:
    """One row per (check, subject) with each candidate's value, interval and status side by side."""
    rows: dict[tuple[str, str | None], dict] = {}
    for name, results in candidates.items():
        for r in results:
            row = rows.setdefault((r.check_id, r.group), {"check_id": r.check_id, "group": r.group, "limit": r.limit})
            row[name] = {"value": r.value, "ci": list(r.ci) if r.ci else None, "status": r.status.value}
    return list(rows.values())


def recommend(candidates: Mapping[str, list[CheckResult]], tier: TierPolicy, eligible: set[str]) -> str | None:
    """Among `eligible` candidates that the tier's fairness and performance policy approves,
    the one with the highest accuracy; None when none is approved."""
    best, best_accuracy = None, -1.0
    for name, results in candidates.items():
        if name not in eligible:
            continue
        decision = decide(results, tier, families=("performance", "fairness"), not_judged=not_expected_at(Stage.GATE, tier))
        if decision.verdict.value not in ("APPROVED", "APPROVED_WITH_WAIVERS"):
            continue
        accuracy = next((r.value for r in results if r.check_id == "performance.accuracy"), None)
        if isinstance(accuracy, float) and accuracy > best_accuracy:
            best, best_accuracy = name, accuracy
    return best

"""Group fairness: per-group rates from confusion counts, disparities between groups, and a
verdict on each disparity's bootstrap interval rather than its point estimate alone.

Rates follow Fairlearn's definitions (`selection_rate`, `true_positive_rate`, ...) except where
a rate is undefined (no positives for TPR, say): Fairlearn reports 0, which can fabricate a
disparity; here it is NaN, the group is marked INCONCLUSIVE for that rate and left out of the
comparison, so a group too small to judge is never the sole cause of a FAIL.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from govflow.checks.group_counts import GroupCounts, Level, bootstrap_fine_counts, count_groups
from govflow.checks.limits import Straddle
from govflow.checks.performance import binary_labels
from govflow.checks.policy import FairnessChecks
from govflow.checks.results import CheckResult, Status, not_run

_HINTS = {
    Status.FAIL: "compare mitigations (ThresholdOptimizer, ExponentiatedGradient, reweighing) before retraining",
    Status.INCONCLUSIVE: "the interval straddles the limit: evaluate on more rows for the groups compared",
    Status.WARN: "the interval straddles the limit: evaluate on more rows for the groups compared",
}

RATES = ("selection_rate", "tpr", "fpr", "fnr", "ppv", "accuracy")
SCORE_FIGURES = ("auc", "brier", "ece")

# Disparity check -> the per-group figures it compares and how; equalized odds takes the worst of two.
DISPARITIES: dict[str, tuple[tuple[str, ...], Literal["difference", "ratio"]]] = {
    "demographic_parity_difference": (("selection_rate",), "difference"),
    "demographic_parity_ratio": (("selection_rate",), "ratio"),
    "equalized_odds_difference": (("tpr", "fpr"), "difference"),
    "equalized_odds_ratio": (("tpr", "fpr"), "ratio"),
    "equal_opportunity_difference": (("tpr",), "difference"),
    "predictive_parity_difference": (("ppv",), "difference"),
    "calibration_gap": (("ece",), "difference"),
}


def rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Per-group rates from (..., groups, 4) counts of tp, fp, fn, tn; NaN where undefined."""
    tp, fp, fn, tn = (counts[..., i].astype(float) for i in range(4))
    n, pos, neg, pp = tp + fp + fn + tn, tp + fn, fp + tn, tp + fp
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"selection_rate": pp / n, "tpr": tp / pos, "fpr": fp / neg, "fnr": fn / pos,
                "ppv": tp / pp, "accuracy": (tp + tn) / n}


def _support(counts: np.ndarray) -> dict[str, tuple[np.ndarray, str]]:
    """What each figure divides by, named, so a reason can say which count was too small."""
    tp, fp, fn, tn = (counts[:, i] for i in range(4))
    n, pos, neg = tp + fp + fn + tn, tp + fn, fp + tn
    return {"selection_rate": (n, "rows"), "accuracy": (n, "rows"), "brier": (n, "rows"), "ece": (n, "rows"),
            "tpr": (pos, "positives"), "fnr": (pos, "positives"), "fpr": (neg, "negatives"),
            "ppv": (tp + fp, "predicted positives"), "auc": (np.minimum(pos, neg), "rows of the rarer class")}


# Figures that need no outcome labels: monitoring can judge them before labels arrive.
LABEL_FREE = frozenset({"selection_rate"})
NO_LABELS = "no labels have arrived"


def _reasons(level: Level, rules: FairnessChecks, labelled: bool) -> dict[str, list[str | None]]:
    """Per figure, per group: why the group cannot be judged on it, or None when it can."""
    n = level.counts.sum(axis=1)
    out = {}
    for figure, (support, what) in _support(level.counts).items():
        reasons: list[str | None] = []
        for size, count in zip(n, support):
            if not labelled and figure not in LABEL_FREE:
                reasons.append(NO_LABELS)
            elif size < rules.min_group_size:
                reasons.append(f"{size} rows, fewer than min_group_size {rules.min_group_size}")
            elif what != "rows" and count < rules.min_class_count:
                reasons.append(f"{count} {what}, fewer than min_class_count {rules.min_class_count}")
            else:
                reasons.append(None)
        out[figure] = reasons
    return out


def _figures(level: Level, counts: np.ndarray) -> dict[str, np.ndarray]:
    figures = rates(counts)
    for name in SCORE_FIGURES:
        value = getattr(level, name)
        if value is not None:
            figures[name] = np.broadcast_to(value, figures["selection_rate"].shape)
    return figures


def _compare(values: dict[str, np.ndarray], eligible: dict[str, np.ndarray], metric: str,
             ref: int | None) -> tuple[np.ndarray, list[int]]:
    """Disparity over the last axis for one check; with `ref`, one column per group against it."""
    names, kind = DISPARITIES[metric]
    per_metric = []
    for name in names:
        v = np.where(eligible[name], values[name], np.nan)
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: no comparable group
            if ref is None:
                hi, lo = np.nanmax(v, axis=-1, keepdims=True), np.nanmin(v, axis=-1, keepdims=True)
                gap = hi - lo if kind == "difference" else lo / hi
                # One group compared with itself is no comparison: a gap of 0 would pass by silence.
                per_metric.append(np.where(np.isfinite(v).sum(axis=-1, keepdims=True) >= 2, gap, np.nan))
            else:
                r = v[..., ref : ref + 1]
                per_metric.append(np.abs(v - r) if kind == "difference" else np.minimum(v / r, r / v))
    stacked = np.stack(per_metric)
    # Equalized odds is the worse of TPR and FPR: when either is undefined the aggregate is undefined, never
    # judged on the other alone (all labels 0 leaves TPR undefined while FPR could pass).
    worst = np.max(stacked, axis=0) if kind == "difference" else np.min(stacked, axis=0)
    columns = [0] if ref is None else [g for g in range(stacked.shape[-1]) if g != ref]
    return worst, columns



@dataclass(frozen=True)
class FairnessAudit:
    """The fairness family's results and the per-group table behind them."""

    results: list[CheckResult]
    groups: list[dict[str, Any]]


def _interval(samples: np.ndarray, estimate: float, confidence: float) -> tuple[float, float] | None:
    """Percentile interval of the bootstrap, widened where needed to hold the estimate itself.

    Max-minus-min and min-over-max statistics are biased in resampling, most when groups are
    nearly equal, so plain percentiles can exclude the estimate; widening keeps a disparity whose
    own estimate is within the limit from ever being judged FAIL.
    """
    finite = samples[np.isfinite(samples)]
    if len(finite) < 2 or not np.isfinite(estimate):
        return None
    alpha = 1 - confidence
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return float(min(low, estimate)), float(max(high, estimate))


def _number(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _level_results(level: Level, boot: np.ndarray, rules: FairnessChecks, confidence: float,
                   labelled: bool) -> tuple[list[CheckResult], list[dict]]:
    figures = _figures(level, level.counts)
    boot_figures = _figures(level, np.einsum("bkc,gk->bgc", boot, level.membership))
    reasons = _reasons(level, rules, labelled)
    if not labelled:
        for table in (figures, boot_figures):
            for name in table:
                if name not in LABEL_FREE:
                    table[name] = np.full_like(table[name], np.nan, dtype=float)
    eligible = {name: np.array([r is None for r in reasons[name]]) for name in figures}
    n = level.counts.sum(axis=1)
    straddle = Straddle(rules.on_straddle)

    table = []
    for g, group in enumerate(level.groups):
        row: dict[str, Any] = {"feature": level.feature, "group": group, "n": int(n[g]),
                               "positives": int(level.counts[g, 0] + level.counts[g, 2]) if labelled else None,
                               "predicted_positives": int(level.counts[g, 0] + level.counts[g, 1])}
        row |= {name: _number(figures[name][g]) for name in figures}
        row["ci"] = {name: _interval(boot_figures[name][:, g], figures[name][g], confidence) for name in RATES}
        row["inconclusive"] = {name: reasons[name][g] for name in figures if reasons[name][g]}
        table.append(row)

    results = []
    ref = None
    if rules.compare == "to_reference":
        wanted = rules.reference_groups.get(level.feature)
        ref = level.groups.index(wanted) if wanted in level.groups else int(np.argmax(n))
    for metric, (names, _) in DISPARITIES.items():
        rule = getattr(rules, metric)
        if rule is None or any(name not in figures for name in names):
            continue
        point, columns = _compare(figures, eligible, metric, ref)
        sampled, _ = _compare(boot_figures, eligible, metric, ref)
        left_out = sorted({f"{level.groups[g]} ({reasons[name][g]})" for name in names
                           for g in range(len(level.groups)) if reasons[name][g] not in (None, NO_LABELS)})
        for column in columns:
            value = float(point[column])
            ci = None if metric == "calibration_gap" else _interval(sampled[:, column], value, confidence)
            status = rule.limit().judge(value, ci, straddle)
            subject = level.feature if ref is None else f"{level.feature}={level.groups[column]}"
            versus = "" if ref is None else f" against {level.groups[ref]}"
            limit = rule.limit().bound
            if np.isfinite(value):
                message = f"{metric.replace('_', ' ')} {value:.4f}{versus}"
            elif not labelled and not set(names) <= LABEL_FREE:
                message = f"{metric.replace('_', ' ')} needs outcome labels: {NO_LABELS}"
            else:
                message = f"{metric.replace('_', ' ')} undefined: fewer than two groups can be compared"
            message += f", {rule.limit().describe()} allowed"
            if ci is None and np.isfinite(value):
                message += " (judged on the point estimate: no interval for this metric)"
            if left_out:
                message += f"; left out: {', '.join(left_out)}"
            results.append(CheckResult(
                check_id=f"fairness.{metric}", status=status, value=_number(value), limit=limit, ci=ci,
                n=int(n[eligible[names[0]]].sum()), group=subject, message=message,
                hint=_HINTS.get(status),
            ))
    return results, table


def fairness_audit(
    y_true: np.ndarray | None, y_pred: np.ndarray, sensitive: pd.DataFrame, rules: FairnessChecks, confidence: float,
    score: np.ndarray | None = None, label_column: str = "label", prediction_column: str = "prediction",
) -> FairnessAudit:
    """Every enabled fairness check for every sensitive feature and intersection, with the group table.

    With `y_true` None (outcomes not yet known) only selection-rate checks are judged; the rest
    are INCONCLUSIVE saying labels have not arrived.
    """
    enabled = [f"fairness.{m}" for m in DISPARITIES if getattr(rules, m) is not None]
    if sensitive.shape[1] == 0:
        return FairnessAudit(not_run(enabled, "no sensitive features are declared (governance.sensitive_features)"), [])
    if len(y_pred) == 0:
        return FairnessAudit(not_run(enabled, "the data has no rows"), [])
    try:
        y = np.zeros(len(y_pred), dtype=np.int8) if y_true is None else binary_labels(y_true)
    except ValueError as exc:
        return FairnessAudit(not_run(enabled, f"label column '{label_column}': {exc}"), [])
    try:
        pred = binary_labels(y_pred)
    except ValueError as exc:
        return FairnessAudit(not_run(enabled, f"prediction column '{prediction_column}': {exc}"), [])
    if score is not None:
        score = np.asarray(score, dtype=float)
        if not np.all(np.isfinite(score)) or score.min() < 0 or score.max() > 1:
            return FairnessAudit(not_run(enabled, "scores must be probabilities in [0, 1] with no nulls"), [])
    for column in sensitive.columns:
        distinct = sensitive[column].nunique(dropna=False)
        if distinct > rules.max_groups:
            return FairnessAudit(not_run(enabled, (
                f"sensitive column '{column}' has {distinct} distinct values, more than max_groups {rules.max_groups} "
                "(fairness.max_groups in the policy): an identifier or a continuous value cannot be compared group "
                "by group; bin it first")), [])
    counted: GroupCounts = count_groups(y, pred, sensitive, score, rules.ece_bins)
    boot = bootstrap_fine_counts(counted.fine_counts, rules.resamples, rules.seed)
    results, groups = [], []
    for level in counted.levels:
        level_results, table = _level_results(level, boot, rules, confidence, labelled=y_true is not None)
        results += level_results
        groups += table
    return FairnessAudit(results, groups)

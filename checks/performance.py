"""Classification performance on labelled data: AUC and accuracy with confidence intervals.

AUC is the Mann-Whitney statistic with DeLong's variance; accuracy carries a Wilson
score interval. Both are judged against the tier's minimum by their point estimate;
the interval is reported so a validator sees how sure the number is.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from checks.policy import MinimumRule, PerformanceChecks
from checks.results import CheckResult, Status, not_run


def _enabled(rules: PerformanceChecks) -> list[str]:
    return [f"performance.{name}" for name in type(rules).model_fields if getattr(rules, name) is not None]


def binary_labels(values: np.ndarray) -> np.ndarray:
    """Labels as a 0/1 integer array; raise ValueError naming the stray values otherwise."""
    arr = np.asarray(values)
    if arr.dtype == bool:
        return arr.astype(np.int8)
    try:
        numeric = arr.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"labels must be 0/1 or boolean, found {sorted(set(map(str, arr)))[:5]}") from None
    stray = sorted(set(np.unique(numeric[~np.isnan(numeric)]).tolist()) - {0.0, 1.0})
    if stray or np.isnan(numeric).any():
        shown = stray[:5] if stray else ["null"]
        raise ValueError(f"labels must be 0/1 or boolean, found {shown}")
    return numeric.astype(np.int8)


def auc_delong(y_true: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """ROC AUC (ties count one half) and DeLong's variance of it; needs both classes present."""
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(score, dtype=float)
    pos, neg = s[y], s[~y]
    n1, n0 = len(pos), len(neg)
    if n1 == 0 or n0 == 0:
        raise ValueError("AUC needs both classes")
    all_ranks = stats.rankdata(np.concatenate([pos, neg]))
    pos_in_all, neg_in_all = all_ranks[:n1], all_ranks[n1:]
    auc = (pos_in_all.sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    # DeLong's structural components via midranks (Sun & Xu, 2014).
    v10 = (pos_in_all - stats.rankdata(pos)) / n0
    v01 = 1.0 - (neg_in_all - stats.rankdata(neg)) / n1
    var = (np.var(v10, ddof=1) / n1 if n1 > 1 else 0.0) + (np.var(v01, ddof=1) / n0 if n0 > 1 else 0.0)
    return float(auc), float(var)


def wilson_interval(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion at the two-sided `confidence` level."""
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return float(centre - half), float(centre + half)


def _judge(check_id: str, value: float, ci: tuple[float, float] | None, n: int, rule: MinimumRule, what: str) -> CheckResult:
    passed = value >= rule.min
    return CheckResult(
        check_id=check_id, status=Status.PASS if passed else Status.FAIL, value=value, limit=rule.min,
        ci=ci, n=n,
        message=f"{what} {value:.4f} {'>=' if passed else '<'} minimum {rule.min}",
        hint=None if passed else "retrain or recalibrate; compare against the validation baseline",
    )


def _too_few(check_id: str, n: int, rule: MinimumRule, why: str) -> CheckResult:
    return CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, n=n, limit=rule.min, message=why)


def performance_results(
    y_true: np.ndarray, y_pred: np.ndarray, score: np.ndarray | None,
    rules: PerformanceChecks, confidence: float, label_column: str = "label",
) -> list[CheckResult]:
    """AUC (needs `score`) and accuracy judged against the tier's minimums.

    Fewer rows than a rule's `min_samples`, or a single class for AUC, is INCONCLUSIVE;
    labels or predictions that are not binary are an ERROR naming the column.
    """
    try:
        y = binary_labels(y_true)
    except ValueError as exc:
        return not_run(_enabled(rules), f"label column '{label_column}': {exc}")
    try:
        pred = binary_labels(y_pred)
    except ValueError as exc:
        return not_run(_enabled(rules), f"model predictions: {exc}")
    n = len(y)
    out = []
    if rules.auc is not None:
        rule = rules.auc
        n1 = int(y.sum())
        if score is None:
            out.append(CheckResult(check_id="performance.auc", status=Status.ERROR, n=n, limit=rule.min,
                                   message="no score column and the model gives no probabilities",
                                   hint="set governance.score or log the model with predict_proba"))
        elif n < rule.min_samples:
            out.append(_too_few("performance.auc", n, rule, f"{n} rows, fewer than min_samples {rule.min_samples}"))
        elif n1 in (0, n):
            out.append(_too_few("performance.auc", n, rule, "labels hold a single class; AUC is undefined"))
        else:
            auc, var = auc_delong(y, score)
            half = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(var)
            ci = (max(0.0, auc - half), min(1.0, auc + half))
            out.append(_judge("performance.auc", auc, ci, n, rule, "AUC"))
    if rules.accuracy is not None:
        rule = rules.accuracy
        if n < rule.min_samples:
            out.append(_too_few("performance.accuracy", n, rule, f"{n} rows, fewer than min_samples {rule.min_samples}"))
        else:
            correct = int((y == pred).sum())
            out.append(_judge("performance.accuracy", correct / n, wilson_interval(correct, n, confidence), n,
                              rule, "accuracy"))
    return out

"""Classification performance on labelled data, each metric with a confidence interval.

AUC is the Mann-Whitney statistic with DeLong's variance; accuracy, precision and recall carry
Wilson score intervals; log loss and the Brier score are means of per-row losses with a normal
interval. Each is judged against the tier's limit by its point estimate; the interval is
reported so a validator sees how sure the number is.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from govflow.checks.limits import Straddle
from govflow.checks.policy import LossRule, MinimumRule, PerformanceChecks
from govflow.checks.results import CheckResult, Status, not_run

METRICS = ("auc", "accuracy", "precision", "recall", "log_loss", "brier")
HIGHER_IS_BETTER = {"auc": True, "accuracy": True, "precision": True, "recall": True,
                    "log_loss": False, "brier": False}
NEEDS_SCORE = frozenset({"auc", "log_loss", "brier"})
LABELS = {"auc": "AUC", "accuracy": "accuracy", "precision": "precision", "recall": "recall",
          "log_loss": "log loss", "brier": "Brier score"}


def _enabled(rules: PerformanceChecks) -> list[str]:
    return [f"performance.{name}" for name in METRICS if getattr(rules, name) is not None]


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


class Undefined(ValueError):
    """The metric has no value on these rows: a single class, or no predicted positives."""


def z_value(confidence: float) -> float:
    """The two-sided normal quantile of a confidence level (1.96 at 0.95)."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def mean_interval(losses: np.ndarray, confidence: float, upper: float) -> tuple[float, tuple[float, float]]:
    """The mean of per-row losses and its normal interval, held within [0, `upper`]."""
    mean = float(losses.mean())
    half = z_value(confidence) * float(losses.std(ddof=1)) / np.sqrt(len(losses)) if len(losses) > 1 else 0.0
    return mean, (max(0.0, mean - half), min(upper, mean + half))


def measure(metric: str, y: np.ndarray, pred: np.ndarray, score: np.ndarray | None,
            confidence: float) -> tuple[float, tuple[float, float], int]:
    """(value, interval, rows it rests on) of one metric on 0/1 labels, 0/1 predictions and scores.

    Raises `Undefined` when the rows cannot define it, ValueError for scores outside [0, 1].
    """
    if metric in NEEDS_SCORE and not np.isfinite(np.asarray(score, dtype=float)).all():
        raise ValueError(f"scores hold {int((~np.isfinite(np.asarray(score, dtype=float))).sum())} "
                         "null or infinite values")
    if metric == "auc":
        if y.min() == y.max():
            raise Undefined("labels hold a single class; AUC is undefined")
        auc, var = auc_delong(y, np.asarray(score, dtype=float))
        half = z_value(confidence) * np.sqrt(var)
        return auc, (max(0.0, auc - half), min(1.0, auc + half)), len(y)
    if metric in ("accuracy", "precision", "recall"):
        hits = {"accuracy": y == pred, "precision": y[pred == 1] == 1, "recall": pred[y == 1] == 1}[metric]
        if not len(hits):
            raise Undefined("no predicted positives; precision is undefined" if metric == "precision"
                            else "no positive labels; recall is undefined")
        successes = int(hits.sum())
        return successes / len(hits), wilson_interval(successes, len(hits), confidence), len(hits)
    p = np.asarray(score, dtype=float)
    if p.min() < 0 or p.max() > 1:
        raise ValueError("scores must be probabilities in [0, 1]")
    if metric == "log_loss":
        # The clip sklearn applies, so a confident wrong score costs a large, finite loss.
        eps = np.finfo(p.dtype).eps
        p = np.clip(p, eps, 1 - eps)
        value, ci = mean_interval(-(y * np.log(p) + (1 - y) * np.log1p(-p)), confidence, np.inf)
        return value, ci, len(y)
    if metric == "brier":
        value, ci = mean_interval((p - y) ** 2, confidence, 1.0)
        return value, ci, len(y)
    raise ValueError(f"unknown performance metric '{metric}' (known: {', '.join(METRICS)})")


def _judge(metric: str, value: float, ci: tuple[float, float], n: int, rule: MinimumRule | LossRule,
           straddle: Straddle) -> CheckResult:
    limit = rule.limit()
    status = limit.judge(value, ci, straddle)
    return CheckResult(
        check_id=f"performance.{metric}", status=status, value=value, limit=limit.bound, ci=ci, n=n,
        message=f"{LABELS[metric]} {value:.4f}, {limit.describe()} allowed",
        hint=None if status is Status.PASS else "retrain or recalibrate; compare against the validation baseline",
    )


def performance_results(
    y_true: np.ndarray, y_pred: np.ndarray, score: np.ndarray | None,
    rules: PerformanceChecks, confidence: float, label_column: str = "label",
) -> list[CheckResult]:
    """Every metric the tier sets a limit for (AUC, log loss and Brier need `score`).

    Fewer rows than a rule's `min_samples`, or rows that leave a metric undefined, is INCONCLUSIVE;
    labels, predictions or scores of the wrong kind are an ERROR naming the column.
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
    for metric in METRICS:
        rule = getattr(rules, metric)
        if rule is None:
            continue
        check_id, limit = f"performance.{metric}", rule.limit().bound
        if metric in NEEDS_SCORE and score is None:
            out.append(CheckResult(check_id=check_id, status=Status.ERROR, n=n, limit=limit,
                                   message="no score column and the model gives no probabilities",
                                   hint="log the model so its predict returns probabilities (mlflow.sklearn.log_model"
                                        "(..., pyfunc_predict_fn=\"predict_proba\")): see docs/register-a-model.md; "
                                        "in monitoring, name the logged score column in governance.score"))
        elif n < rule.min_samples:
            out.append(CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, n=n, limit=limit,
                                   message=f"{n} rows, fewer than min_samples {rule.min_samples}"))
        else:
            try:
                value, ci, used = measure(metric, y, pred, score, confidence)
            except Undefined as exc:
                out.append(CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, n=n, limit=limit,
                                       message=str(exc)))
            except ValueError as exc:
                out.append(CheckResult(check_id=check_id, status=Status.ERROR, n=n, limit=limit,
                                       message=f"score column: {exc}"))
            else:
                out.append(_judge(metric, value, ci, used, rule, rules.on_straddle))
    return out

"""Global explanation of a model through its predictions alone: permutation importance with intervals over
repeats, partial dependence of the top features, and how far the importance ranking has moved since approval.

The model comes in as a `Predict` callable (rows in, classes and positive-class scores out), so these
functions work on any registered model and never touch MLflow. The permutations follow scikit-learn's
`permutation_importance` scheme exactly, so its figures can be reproduced with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from govflow.checks.model_task import ModelTask
from govflow.checks.performance import auc_delong, binary_labels
from govflow.checks.policy import ExplainabilityChecks, StabilityRule
from govflow.checks.regression import continuous_values
from govflow.checks.results import CheckResult, Status
from govflow.checks.sampling import seeded_sample

# Rows in, (predicted classes or a regression's numbers, positive-class scores or None) out.
Predict = Callable[[pd.DataFrame], tuple[np.ndarray, np.ndarray | None]]


def _metric(y: np.ndarray, pred: np.ndarray, score: np.ndarray | None,
            task: ModelTask = ModelTask.BINARY) -> tuple[str, Callable]:
    """The task's loss as a score where higher is better (so importance is the drop): a regression's negated
    MAE (scikit-learn's `neg_mean_absolute_error`), a multiclass model's accuracy; a binary classifier's ROC AUC
    where it gives scores and both classes are present, else its accuracy."""
    if task is ModelTask.REGRESSION:
        return "neg_mae", lambda p, s: -float(np.mean(np.abs(np.asarray(p, dtype=float) - y)))
    if task is ModelTask.MULTICLASS:
        return "accuracy", lambda p, s: float(np.mean(np.asarray(p, dtype=str) == y))
    if score is not None and 0 < y.sum() < len(y):
        return "auc", lambda p, s: auc_delong(y, s)[0]
    return "accuracy", lambda p, s: float(np.mean(p == y))


def _stacked(frame: pd.DataFrame, column: str, values: Sequence[np.ndarray]) -> pd.DataFrame:
    """`len(values)` copies of `frame`, copy i with `column` set to values[i]: one model call for all."""
    out = pd.concat([frame] * len(values), ignore_index=True)
    out[column] = np.concatenate(values)
    return out


@dataclass(frozen=True)
class Importance:
    """How much the metric drops when one feature's values are shuffled, over `repeats` shuffles."""

    feature: str
    mean: float
    std: float
    ci: tuple[float, float]
    drops: tuple[float, ...]


def _outcomes(y: np.ndarray, task: ModelTask) -> np.ndarray:
    """The outcomes as the task's metric reads them; ValueError naming stray values (a cast would turn NaN into
    a number)."""
    if task is ModelTask.REGRESSION:
        return continuous_values(y, "the outcomes")
    if task is ModelTask.MULTICLASS:
        if pd.isna(pd.Series(y)).any():
            raise ValueError("the outcomes hold empty values")
        return np.asarray(y, dtype=str)
    return binary_labels(np.asarray(y))


def permutation_importance(predict: Predict, frame: pd.DataFrame, y: np.ndarray, features: Sequence[str],
                           repeats: int, seed: int, confidence: float,
                           task: ModelTask = ModelTask.BINARY) -> tuple[str, float, list[Importance]]:
    """Metric name, its value on the intact rows, and each feature's importance (the drop in the metric when
    the feature is shuffled; 0 means the model does not use it) with a t interval over the repeats.

    Every feature is shuffled from the same `seed`, each repeat reshuffling the previous order, as
    scikit-learn's `permutation_importance` does given `random_state.randint(2**31)` == `seed`.
    """
    y = _outcomes(y, task)
    pred, score = predict(frame)
    name, measure = _metric(y, pred, score, task)
    baseline = measure(pred, score)
    n = len(frame)
    t = stats.t.ppf(0.5 + confidence / 2, repeats - 1)
    out = []
    for feature in features:
        rng = np.random.RandomState(seed)
        order, column, shuffled = np.arange(n), frame[feature].to_numpy(), []
        for _ in range(repeats):
            rng.shuffle(order)
            column = column[order]
            shuffled.append(column)
        p_all, s_all = predict(_stacked(frame, feature, shuffled))
        drops = np.array([baseline - measure(p_all[i * n:(i + 1) * n], None if s_all is None else s_all[i * n:(i + 1) * n])
                          for i in range(repeats)])
        std = float(drops.std(ddof=1))
        half = float(t * std / np.sqrt(repeats))
        out.append(Importance(feature, float(drops.mean()), std, (float(drops.mean()) - half, float(drops.mean()) + half),
                              tuple(float(d) for d in drops)))
    return name, float(baseline), out


def ranked(importances: Sequence[Importance]) -> list[Importance]:
    """Most important first; ties keep the input order."""
    return sorted(importances, key=lambda i: -i.mean)


def grid(values: pd.Series, points: int) -> list:
    """Values to evaluate partial dependence at: the categories (most frequent first) or, for a numeric
    feature with more distinct values than `points`, evenly spaced between its 5th and 95th percentiles."""
    present = values.dropna()
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        distinct = np.unique(present.to_numpy())
        if len(distinct) <= points:
            return [float(v) for v in distinct]
        low, high = np.percentile(present.to_numpy(dtype=float), [5, 95])
        return [float(v) for v in np.linspace(low, high, points)]
    return list(present.value_counts().index[:points])


def partial_dependence(predict: Predict, frame: pd.DataFrame, feature: str, at: Sequence) -> list[float]:
    """The model's mean score (its mean prediction if it gives no scores) with `feature` set to each value
    of `at` on every row."""
    if not len(at):
        return []
    column = frame[feature]
    dtype: Any = column.dtype if column.dtype != object else object
    filled = [np.full(len(frame), v, dtype=dtype) for v in at]
    pred, score = predict(_stacked(frame, feature, filled))
    out = np.asarray(score if score is not None else pred, dtype=float).reshape(len(at), len(frame))
    return [float(v) for v in out.mean(axis=1)]


def importance_result(metric: str, baseline: float, importances: Sequence[Importance], n: int) -> CheckResult:
    """PASS once importance was measured: the evidence is the table, the check that it exists."""
    top = ranked(importances)
    if not top:
        return CheckResult(check_id="explainability.importance", status=Status.ERROR, n=n,
                           message="the model has no input features to explain")
    lead = ", ".join(f"{i.feature} {i.mean:+.4f}" for i in top[:3])
    return CheckResult(check_id="explainability.importance", status=Status.PASS, value=top[0].feature, n=n,
                       message=f"permutation importance ({metric} {baseline:.4f} on {n} rows); most important: {lead}")


def explain(predict: Predict, frame: pd.DataFrame, y: np.ndarray, features: Sequence[str],
            rules: ExplainabilityChecks, confidence: float,
            task: ModelTask = ModelTask.BINARY) -> tuple[CheckResult, dict]:
    """Importance of every feature (by the task's loss) and partial dependence of the top ones on a seeded
    sample; the result and the evidence document. A multiclass model gives no one score per row to average, so
    its partial dependence is not drawn (the document says so)."""
    sample = seeded_sample(frame.assign(__y=np.asarray(y)), rules.sample_rows, rules.seed)
    labels = sample.pop("__y").to_numpy()
    metric, baseline, importances = permutation_importance(predict, sample, labels, features, rules.repeats,
                                                           rules.seed, confidence, task)
    top = [i.feature for i in ranked(importances)[:rules.top_features]] if task is not ModelTask.MULTICLASS else []
    dependence = []
    for feature in top:
        at = grid(sample[feature], rules.grid_points)
        dependence.append({"feature": feature, "values": [_plain(v) for v in at],
                           "mean_score": partial_dependence(predict, sample, feature, at)})
    document = {
        "metric": metric, "baseline": baseline, "rows": len(sample), "of_rows": len(frame), "seed": rules.seed,
        "repeats": rules.repeats, "confidence": confidence,
        "importance": [{"feature": i.feature, "rank": r + 1, "mean": i.mean, "std": i.std, "ci": list(i.ci),
                        "drops": list(i.drops)} for r, i in enumerate(ranked(importances))],
        "partial_dependence": dependence,
    }
    if task is ModelTask.MULTICLASS:
        document["partial_dependence_note"] = ("not drawn: a multiclass model gives one probability per class, "
                                               "not one score per row to average")
    return importance_result(metric, baseline, importances, len(sample)), document


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def rank_correlation(before: dict[str, float], after: dict[str, float]) -> tuple[float | None, list[str]]:
    """Spearman's rank correlation of two importance tables over the features both have (average ranks for
    ties), and those features; None when it is undefined (fewer than 2 shared, or one table constant)."""
    shared = [f for f in before if f in after]
    if len(shared) < 2:
        return None, shared
    a = stats.rankdata([before[f] for f in shared])
    b = stats.rankdata([after[f] for f in shared])
    if a.std() == 0 or b.std() == 0:
        return None, shared
    # Rounded so a correlation that is exactly at a limit (0.8 from ranks) is not lost to floating point.
    return round(float(np.corrcoef(a, b)[0, 1]), 12), shared


def stability_result(before: dict[str, float] | None, after: dict[str, float], n: int,
                     rule: StabilityRule, period: str | None = None) -> CheckResult:
    """FAIL when the ranking on recent labelled rows correlates with the approval ranking less than the
    policy's `min_rank_correlation`; INCONCLUSIVE without an approval ranking or enough rows."""
    common = {"check_id": "explainability.stability", "limit": rule.min_rank_correlation, "n": n, "period": period}
    if before is None:
        return CheckResult(**common, status=Status.INCONCLUSIVE,
                           message="no importance ranking was recorded at approval (the gate's evidence lacks it)",
                           hint="gate the version again to record its importance")
    if n < rule.min_samples:
        return CheckResult(**common, status=Status.INCONCLUSIVE,
                           message=f"{n} labelled rows, fewer than the {rule.min_samples} needed")
    rho, shared = rank_correlation(before, after)
    if rho is None:
        return CheckResult(**common, status=Status.INCONCLUSIVE,
                           message=f"rank correlation undefined over {len(shared)} shared feature(s)")
    moved = sorted(shared, key=lambda f: -abs(_rank(before, f) - _rank(after, f)))[:3]
    detail = ", ".join(f"{f} rank {_rank(before, f)}->{_rank(after, f)}" for f in moved)
    if rho >= rule.min_rank_correlation:
        return CheckResult(**common, status=Status.PASS, value=rho,
                           message=f"importance ranking still agrees with approval (Spearman {rho:.3f})")
    return CheckResult(**common, status=Status.FAIL, value=rho,
                       message=f"importance ranking moved since approval (Spearman {rho:.3f}); most moved: {detail}",
                       hint="the model now leans on different inputs: revalidate before it keeps serving")


def _rank(table: dict[str, float], feature: str) -> int:
    return sorted(table, key=lambda f: -table[f]).index(feature) + 1

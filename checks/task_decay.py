"""Decay of a regression's or a multiclass model's metrics over the rolling window of labelled production periods
against the figures its gate measured (issue 30, item 2's "decay twins"): the same judgement as a binary
classifier's (checks/decay.py `judge_worsening`), on each task's own metrics and intervals.

A regression's worsening in MAE or RMSE is limited as a share of the reference outcomes' mean absolute value,
like every regression limit, so one tier fits a premium in euros and a loss rate in [0, 1]; R² by its drop."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from govflow.checks.decay import judge_worsening, window_label
from govflow.checks.multiclass import classes_of, confusion, macro_f1
from govflow.checks.performance import wilson_interval
from govflow.checks.policy import MulticlassDecayRule, RegressionDecayRule
from govflow.checks.regression import (
    LABELS as REGRESSION_LABELS,
)
from govflow.checks.regression import (
    bootstrap_metrics,
    continuous_values,
    percentile_interval,
    point_metrics,
)
from govflow.checks.results import CheckResult, Status, not_run

_HIGHER_IS_BETTER = {"mae": False, "rmse": False, "r2": True, "accuracy": True, "macro_f1": True}
_MULTICLASS_LABELS = {"accuracy": "accuracy", "macro_f1": "macro F1"}


def _unjudgeable(check_id: str, metric: str, label: str, baseline: Mapping[str, float], n: int, min_samples: int,
                 periods: str, limit: float) -> CheckResult | None:
    """INCONCLUSIVE when the gate measured no baseline for the metric or the window holds too few rows."""
    if metric not in baseline:
        return CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, n=n, limit=limit, message=(
            f"no validation baseline for {label}: the gate has not measured performance.{metric} for this version"),
            hint="run the registration gate with this metric in the tier's policy")
    if n < min_samples:
        return CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, n=n, limit=limit, message=(
            f"{n} labelled rows in {periods}, fewer than min_samples {min_samples}"))
    return None


def regression_decay_results(y_true: np.ndarray, y_pred: np.ndarray, baseline: Mapping[str, float],
                             rule: RegressionDecayRule, scale: float | None, why: str, confidence: float,
                             resamples: int, seed: int, window: Sequence[str],
                             label_column: str = "label") -> list[CheckResult]:
    """`performance.decay.<mae|rmse|r2>` on the pooled window rows, each metric's interval a seeded bootstrap.
    A limit on an error's rise needs the reference outcomes' `scale` (else an ERROR saying `why`)."""
    ids = [f"performance.decay.{m}" for m in rule.max_worsening]
    try:
        y = continuous_values(y_true, f"label column '{label_column}'")
        pred = continuous_values(y_pred, "model predictions")
    except ValueError as exc:
        return not_run(ids, f"the window's rows: {exc}")
    periods, n, out = window_label(window), len(y), []
    points = point_metrics(y, pred) if n else {}
    boot = bootstrap_metrics(y, pred, resamples, seed) if n >= rule.min_samples else {}
    for metric, allowed in rule.max_worsening.items():
        check_id, label = f"performance.decay.{metric}", REGRESSION_LABELS[metric]
        if metric != "r2" and scale is None:
            out += not_run([check_id], f"a limit relative to the outcomes: {why}")
            continue
        limit = allowed if metric == "r2" else allowed * scale  # type: ignore[operator]
        if (stop := _unjudgeable(check_id, metric, label, baseline, n, rule.min_samples, periods, limit)) is not None:
            out.append(stop)
            continue
        ci = percentile_interval(boot[metric], confidence)
        if ci is None or not np.isfinite(points[metric]):
            out.append(CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, n=n, limit=limit,
                                   message=f"{label} over {periods} is undefined: the outcomes do not vary"))
            continue
        out.append(judge_worsening(check_id, label, points[metric], ci, baseline[metric], _HIGHER_IS_BETTER[metric],
                                   limit, n, periods))
    return out


def multiclass_decay_results(y_true: np.ndarray, y_pred: np.ndarray, baseline: Mapping[str, float],
                             rule: MulticlassDecayRule, confidence: float, resamples: int, seed: int,
                             window: Sequence[str], label_column: str = "label") -> list[CheckResult]:
    """`performance.decay.<accuracy|macro_f1>` on the pooled window rows: accuracy on its Wilson interval, macro
    F1 on a seeded multinomial bootstrap of the confusion matrix, as the gate measures them."""
    ids = [f"performance.decay.{m}" for m in rule.max_worsening]
    y, pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    if (empty := int(pd.isna(y).sum())):
        return not_run(ids, f"label column '{label_column}' holds {empty} empty value(s) in the window")
    periods, n, out = window_label(window), len(y), []
    classes = classes_of(y, pred)
    conf = confusion(y, pred, classes) if n else np.zeros((len(classes), len(classes)), dtype=int)
    for metric, limit in rule.max_worsening.items():
        check_id, label = f"performance.decay.{metric}", _MULTICLASS_LABELS[metric]
        if (stop := _unjudgeable(check_id, metric, label, baseline, n, rule.min_samples, periods, limit)) is not None:
            out.append(stop)
            continue
        if metric == "accuracy":
            value, ci = float(np.trace(conf) / n), wilson_interval(int(np.trace(conf)), n, confidence)
        else:
            value = float(macro_f1(conf))
            draws = np.random.default_rng(seed).multinomial(n, conf.ravel() / n, size=resamples)
            ci = percentile_interval(macro_f1(draws.reshape(resamples, len(classes), len(classes))), confidence)
            ci = ci if ci is not None else (value, value)
        out.append(judge_worsening(check_id, label, value, ci, baseline[metric], _HIGHER_IS_BETTER[metric], limit, n,
                                   periods))
    return out

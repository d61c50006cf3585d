"""Regression models judged on labelled data (issue 30): how far off the predictions are (MAE, RMSE, R²), whether
they are off on average (the mean residual, calibration in the large), and whether groups are treated alike
(the between-group difference of MAE, the lowest group's mean prediction over the highest's, the
between-group difference of mean residuals).

Every figure carries an interval: the mean residual a t interval; the others percentile intervals from a
seeded bootstrap (rows resampled; for group gaps, rows resampled within each group so each group keeps its
size). A figure is judged against its limit by the same `Limit` rule as every other family: PASS only when the
whole interval is within it.

The points equal scikit-learn's metrics and Fairlearn's `MetricFrame(...).difference()` / `.ratio()` on the
same rows (tests/checks/test_regression.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from govflow.checks.limits import Judged, Straddle, judge_figure, not_judged_figure, too_few_rows
from govflow.checks.results import CheckResult, Status, not_run

METRICS = ("mae", "rmse", "r2")
LABELS = {"mae": "MAE", "rmse": "RMSE", "r2": "R²", "mean_residual": "mean residual (prediction − outcome)",
          "mae_difference": "MAE difference between groups",
          "mean_prediction_ratio": "mean prediction ratio (lowest group over highest)",
          "mean_residual_difference": "mean residual difference between groups"}
GAPS = ("mae_difference", "mean_prediction_ratio", "mean_residual_difference")
_CHUNK_CELLS = 4_000_000  # resamples x rows drawn at once: bounds the bootstrap's memory to ~32 MB of indices


def continuous_values(values: np.ndarray | pd.Series, what: str) -> np.ndarray:
    """`values` as finite floats; ValueError naming what is wrong (text, nulls, infinities) otherwise."""
    raw = pd.Series(np.asarray(values, dtype=object))
    numeric = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    text = raw[pd.isna(numeric) & raw.notna()]
    if len(text):
        shown = sorted({str(v) for v in text})[:5]
        raise ValueError(f"{what} must be numbers; {len(text)} value(s) are not, e.g. {shown}")
    if (missing := int(np.isnan(numeric).sum())):
        raise ValueError(f"{what} holds {missing} empty value(s)")
    if (infinite := int(np.isinf(numeric).sum())):
        raise ValueError(f"{what} holds {infinite} infinite value(s)")
    return numeric


def point_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """MAE, RMSE and R² of `pred` against `y`; R² is NaN when the outcomes do not vary."""
    residual = pred - y
    sse, spread = float(np.sum(residual ** 2)), float(np.sum((y - y.mean()) ** 2))
    return {"mae": float(np.mean(np.abs(residual))), "rmse": float(np.sqrt(sse / len(y))),
            "r2": 1.0 - sse / spread if spread > 0 else float("nan")}


def _resampled(n: int, resamples: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Bootstrap row indices, (chunk, n) at a time, `resamples` rows of them in all."""
    per_chunk = max(1, _CHUNK_CELLS // max(n, 1))
    return [rng.integers(0, n, size=(min(per_chunk, resamples - done), n)) for done in range(0, resamples, per_chunk)]


def bootstrap_metrics(y: np.ndarray, pred: np.ndarray, resamples: int, seed: int) -> dict[str, np.ndarray]:
    """MAE, RMSE and R² on each of `resamples` bootstrap samples of the rows (seeded)."""
    rng = np.random.default_rng(seed)
    out: dict[str, list[np.ndarray]] = {m: [] for m in METRICS}
    for idx in _resampled(len(y), resamples, rng):
        yy, residual = y[idx], pred[idx] - y[idx]
        sse = np.sum(residual ** 2, axis=1)
        spread = np.sum((yy - yy.mean(axis=1, keepdims=True)) ** 2, axis=1)
        out["mae"].append(np.mean(np.abs(residual), axis=1))
        out["rmse"].append(np.sqrt(sse / len(y)))
        with np.errstate(divide="ignore", invalid="ignore"):
            out["r2"].append(np.where(spread > 0, 1.0 - sse / spread, np.nan))
    return {m: np.concatenate(parts) for m, parts in out.items()}


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float] | None:
    """The central `confidence` share of the finite bootstrap values; None when too few are finite to say."""
    finite = samples[np.isfinite(samples)]
    if len(finite) < 0.9 * len(samples) or not len(finite):
        return None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def mean_residual(y: np.ndarray, pred: np.ndarray, confidence: float) -> tuple[float, tuple[float, float]]:
    """The mean of prediction − outcome and its t interval: over zero, the model predicts too high on average."""
    residual = pred - y
    mean = float(residual.mean())
    if len(residual) < 2:
        return mean, (mean, mean)
    half = float(stats.t.ppf(0.5 + confidence / 2, len(residual) - 1) * residual.std(ddof=1) / np.sqrt(len(residual)))
    return mean, (mean - half, mean + half)


def absolute_interval(ci: tuple[float, float]) -> tuple[float, float]:
    """The interval of |x| from the interval of x: a limit on a size regardless of its sign."""
    low, high = ci
    if low <= 0 <= high:
        return 0.0, max(-low, high)
    return min(abs(low), abs(high)), max(abs(low), abs(high))


def regression_performance_results(y_true: np.ndarray, y_pred: np.ndarray, rules: Mapping[str, Judged],
                                   confidence: float, resamples: int, seed: int,
                                   straddle: Straddle = Straddle.POINT, label_column: str = "label") -> list[CheckResult]:
    """`performance.<metric>` for each of `rules` (mae, rmse, r2, mean_residual) with its interval. Outcomes or
    predictions that are not numbers are an ERROR naming the column; too few rows, or outcomes that do not
    vary (R² undefined), INCONCLUSIVE."""
    ids = [f"performance.{m}" for m in rules]
    try:
        y = continuous_values(y_true, f"label column '{label_column}'")
        pred = continuous_values(y_pred, "model predictions")
    except ValueError as exc:
        return not_run(ids, str(exc))
    n, out = len(y), []
    points = point_metrics(y, pred) if n else {}
    boot = bootstrap_metrics(y, pred, resamples, seed) if n and set(rules) & set(METRICS) else {}
    for metric, rule in rules.items():
        check_id = f"performance.{metric}"
        if (short := too_few_rows(check_id, n, rule)) is not None:
            out.append(short)
        elif metric == "mean_residual":
            value, ci = mean_residual(y, pred, confidence)
            out.append(judge_figure(check_id, abs(value), absolute_interval(ci), n, rule, straddle,
                               f"{LABELS[metric]} {value:+.4g}, CI [{ci[0]:.4g}, {ci[1]:.4g}]; its size"))
        elif not np.isfinite(points[metric]):
            out.append(CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, n=n, limit=rule.limit.bound,
                                   message=f"{LABELS[metric]} is undefined: the outcomes do not vary"))
        else:
            out.append(judge_figure(check_id, points[metric], percentile_interval(boot[metric], confidence), n, rule,
                               straddle, f"{LABELS[metric]} {points[metric]:.4g}"))
    return out


# --- fairness for continuous outcomes and decisions --------------------------------------------------------------


def _group_stats(y: np.ndarray | None, pred: np.ndarray) -> dict[str, float]:
    stats_ = {"n": float(len(pred)), "mean_prediction": float(pred.mean())}
    if y is not None:
        stats_ |= {"mae": float(np.mean(np.abs(pred - y))), "mean_residual": float(np.mean(pred - y))}
    return stats_


def _gap(metric: str, per_group: Mapping[str, float]) -> float:
    """One gap over the groups' figures: a difference is highest − lowest (Fairlearn's `between_groups`), a
    ratio lowest / highest."""
    values = np.array(list(per_group.values()), dtype=float)
    if metric == "mean_prediction_ratio":
        return float(values.min() / values.max()) if values.max() > 0 else float("nan")
    return float(values.max() - values.min())


GAP_FIGURE = {"mae_difference": "mae", "mean_prediction_ratio": "mean_prediction",
              "mean_residual_difference": "mean_residual"}


def _bootstrap_gaps(y: np.ndarray | None, pred: np.ndarray, codes: np.ndarray, groups: Sequence[int],
                    metrics: Sequence[str], resamples: int, seed: int) -> dict[str, np.ndarray]:
    """Each gap on `resamples` bootstrap samples drawn within each group (each group keeps its size)."""
    rng = np.random.default_rng(seed)
    figures: dict[str, list[np.ndarray]] = {GAP_FIGURE[m]: [] for m in metrics}
    for g in groups:
        rows = np.flatnonzero(codes == g)
        drawn = rows[np.concatenate(_resampled(len(rows), resamples, rng))]
        p = pred[drawn]
        for figure, per in figures.items():
            if figure == "mean_prediction":
                per.append(p.mean(axis=1))
            elif y is not None:
                residual = p - y[drawn]
                per.append(np.abs(residual).mean(axis=1) if figure == "mae" else residual.mean(axis=1))
    out = {}
    for metric in metrics:
        per_group = np.vstack(figures[GAP_FIGURE[metric]])  # (groups, resamples)
        if metric == "mean_prediction_ratio":
            with np.errstate(divide="ignore", invalid="ignore"):
                top = per_group.max(axis=0)
                out[metric] = np.where(top > 0, per_group.min(axis=0) / top, np.nan)
        else:
            out[metric] = per_group.max(axis=0) - per_group.min(axis=0)
    return out


@dataclass(frozen=True)
class GroupRow:
    """One group's figures, for the evidence and the pages."""

    feature: str
    group: str
    n: int
    mean_prediction: float
    mae: float | None = None
    mean_residual: float | None = None
    left_out: str | None = None  # why the group is not compared (too few rows)


def regression_fairness_results(y_true: np.ndarray | None, y_pred: np.ndarray, sensitive: pd.DataFrame,
                                rules: Mapping[str, Judged], min_group_size: int, confidence: float,
                                resamples: int, seed: int, straddle: Straddle = Straddle.POINT,
                                label_column: str = "label") -> tuple[list[CheckResult], list[GroupRow]]:
    """`fairness.<gap>` per sensitive column for each of `rules` (mae_difference, mean_prediction_ratio,
    mean_residual_difference), with a group-stratified bootstrap interval, and the per-group table. Without
    outcomes (`y_true` None: decisions only, such as offered limits or premiums) only the mean-prediction
    ratio can be judged; the other gaps are INCONCLUSIVE saying so. Groups under `min_group_size` rows are
    reported and left out; fewer than two compared groups is INCONCLUSIVE."""
    ids = [f"fairness.{m}" for m in rules]
    try:
        pred = continuous_values(y_pred, "model predictions")
        y = continuous_values(y_true, f"label column '{label_column}'") if y_true is not None else None
    except ValueError as exc:
        return not_run(ids, str(exc)), []
    results: list[CheckResult] = []
    table: list[GroupRow] = []
    for feature in sensitive.columns:
        labels = sensitive[feature].astype(str).where(sensitive[feature].notna(), "(missing)").to_numpy()
        names, codes = np.unique(labels, return_inverse=True)
        sizes = np.bincount(codes, minlength=len(names))
        compared = [g for g in range(len(names)) if sizes[g] >= min_group_size]
        per = {str(names[g]): _group_stats(y[codes == g] if y is not None else None, pred[codes == g])
               for g in range(len(names))}
        table += [GroupRow(feature, name, int(s["n"]), s["mean_prediction"], s.get("mae"), s.get("mean_residual"),
                           None if s["n"] >= min_group_size else f"fewer than min_group_size {min_group_size}")
                  for name, s in per.items()]
        judged = [m for m in rules if y is not None or m == "mean_prediction_ratio"]
        for metric in rules:
            if metric not in judged:
                results.append(_inconclusive(metric, feature, len(pred), rules[metric],
                                             "needs outcomes; these rows hold decisions only"))
            elif len(compared) < 2:
                results.append(_inconclusive(metric, feature, len(pred), rules[metric],
                                             f"{len(compared)} group(s) of at least {min_group_size} rows; two are "
                                             "needed to compare"))
        judged = [m for m in judged if len(compared) >= 2]
        if not judged:
            continue
        boot = _bootstrap_gaps(y, pred, codes, compared, judged, resamples, seed)
        for metric in judged:
            figures = {str(names[g]): per[str(names[g])][GAP_FIGURE[metric]] for g in compared}
            value = _gap(metric, figures)
            if not np.isfinite(value):
                results.append(_inconclusive(metric, feature, len(pred), rules[metric],
                                             "the groups' mean predictions are not all positive: no ratio"))
                continue
            low, high = min(figures, key=figures.__getitem__), max(figures, key=figures.__getitem__)
            results.append(judge_figure(
                f"fairness.{metric}", value, percentile_interval(boot[metric], confidence), len(pred), rules[metric],
                straddle, f"{LABELS[metric]} {value:.4g} ({low} {figures[low]:.4g}, {high} {figures[high]:.4g})",
                group=feature))
    return results, table


def _inconclusive(metric: str, feature: str, n: int, rule: Judged, why: str) -> CheckResult:
    return not_judged_figure(f"fairness.{metric}", n, rule, f"{LABELS[metric]}: {why}", group=feature)

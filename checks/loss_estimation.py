"""A regression model's error before its outcomes arrive (issue 30, item 2): direct loss estimation, as NannyML's
DLE does it. On the labelled reference a gradient-boosted model learns each row's absolute error (for MAE) and
squared error (for RMSE) from the inputs and the prediction; on production rows the mean of what it predicts is
the estimated MAE (and the root of it the estimated RMSE). The band is the estimate plus and minus the sampling
error a period of that many rows would show on the reference (the spread of the reference's own losses over the
square root of the period's rows), as NannyML's sampling-error band.

scikit-learn's HistGradientBoostingRegressor stands in for LightGBM with LightGBM's default shape (31 leaves,
100 rounds at 0.1, leaves of at least 20 rows); the estimates agree with NannyML's per chunk on its car-price
data (tests/checks/test_loss_estimation.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from govflow.checks.limits import Direction, Limit, Straddle
from govflow.checks.policy import (
    RegressionEstimatedFairnessRule,
    RegressionEstimatedRule,
    RegressionEstimationErrorRule,
    RegressionFairness,
    RegressionPerformance,
)
from govflow.checks.regression import LABELS, continuous_values, point_metrics
from govflow.checks.results import CheckResult, Status, not_run
from govflow.checks.task_judging import outcome_scale

LOSSES = ("mae", "rmse")
Periods = list[tuple[str, pd.DataFrame]]


def _design(frame: pd.DataFrame, inputs: Sequence[str], prediction: np.ndarray,
            categories: dict[str, list]) -> pd.DataFrame:
    """The inputs (categories coded by their reference order, unseen ones missing) and the prediction."""
    design = frame[list(inputs)].copy()
    for column, known in categories.items():
        codes = pd.Categorical(design[column].astype(str), categories=known).codes.astype(float)
        design[column] = np.where(codes < 0, np.nan, codes)
    design["__prediction__"] = np.asarray(prediction, dtype=float)
    return design


@dataclass(frozen=True)
class LossEstimate:
    """An estimated loss on some rows and its sampling band."""

    loss: str
    value: float
    band: tuple[float, float]
    n: int


@dataclass(frozen=True)
class LossModel:
    """Models of each row's absolute and squared error, fitted on the labelled reference."""

    inputs: tuple[str, ...]
    categories: dict[str, list]
    learners: dict[str, Any]
    reference_spread: dict[str, float]  # sd of the reference's per-row absolute and squared errors

    def row_losses(self, frame: pd.DataFrame, prediction: np.ndarray) -> np.ndarray:
        """Each row's absolute error as the loss model predicts it."""
        return self.learners["mae"].predict(_design(frame, self.inputs, prediction, self.categories))

    def estimate(self, frame: pd.DataFrame, prediction: np.ndarray, z: float = 3.0) -> list[LossEstimate]:
        """Estimated MAE and RMSE on these rows, each with the estimate ± z x its sampling error."""
        design = _design(frame, self.inputs, prediction, self.categories)
        n = len(design)
        out = []
        for loss in LOSSES:
            mean_loss = float(np.mean(self.learners[loss].predict(design)))
            half = z * self.reference_spread[loss] / np.sqrt(max(n, 1))
            low, high = max(0.0, mean_loss - half), mean_loss + half
            if loss == "rmse":
                value, band = float(np.sqrt(max(mean_loss, 0.0))), (float(np.sqrt(low)), float(np.sqrt(high)))
            else:
                value, band = mean_loss, (low, high)
            out.append(LossEstimate(loss, value, band, n))
        return out


def fit_loss_model(reference: pd.DataFrame, inputs: Sequence[str], outcome: np.ndarray, prediction: np.ndarray,
                   seed: int = 0) -> LossModel:
    """Learn each row's absolute and squared error on the labelled reference; ValueError naming the column when
    the outcomes or predictions are not numbers, or there are too few rows to learn from."""
    y, pred = np.asarray(outcome, dtype=float), np.asarray(prediction, dtype=float)
    if not (np.isfinite(y).all() and np.isfinite(pred).all()):
        raise ValueError("reference outcomes and predictions must be finite numbers to learn the error from")
    if len(y) < 100:
        raise ValueError(f"{len(y)} labelled reference rows; at least 100 are needed to learn the error from")
    from sklearn.ensemble import HistGradientBoostingRegressor

    categories = {c: sorted(reference[c].dropna().astype(str).unique()) for c in inputs
                  if not pd.api.types.is_numeric_dtype(reference[c])}
    design = _design(reference, inputs, pred, categories)
    # scikit-learn annotates these options as strings only; a column mask and False are documented values too.
    shape: dict[str, Any] = {"max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20,
                             "categorical_features": [c in categories for c in design.columns],
                             "early_stopping": False, "random_state": seed}
    targets = {"mae": np.abs(y - pred), "rmse": (y - pred) ** 2}
    learners = {loss: HistGradientBoostingRegressor(**shape).fit(design, target) for loss, target in targets.items()}
    return LossModel(tuple(inputs), categories, learners, {k: float(np.std(v)) for k, v in targets.items()})


def estimated_loss_results(estimates: Sequence[LossEstimate], baseline: Mapping[str, float],
                           rule: RegressionEstimatedRule, scale: float | None, why: str,
                           period: str) -> list[CheckResult]:
    """`performance.estimated.<mae|rmse>` for a period awaiting outcomes, judged like its realised twin
    (`performance.decay.<metric>`): at most the gate's figure plus the allowed worsening (a share of the
    reference outcomes' mean absolute value `scale`; without one, an ERROR saying `why`)."""
    ids = [f"performance.estimated.{m}" for m in rule.max_worsening]
    if scale is None:
        return not_run(ids, f"a limit relative to the outcomes: {why}")
    found = {e.loss: e for e in estimates}
    out = []
    for metric, allowed in rule.max_worsening.items():
        estimate, common = found[metric], {"check_id": f"performance.estimated.{metric}", "n": found[metric].n}
        if estimate.n < rule.min_samples:
            out.append(CheckResult(status=Status.INCONCLUSIVE, **common, message=(
                f"estimate: {estimate.n} rows awaiting outcomes in {period}, fewer than min_samples "
                f"{rule.min_samples}")))
            continue
        if metric not in baseline:
            out.append(CheckResult(status=Status.INCONCLUSIVE, **common, message=(
                f"estimate: no validation baseline for {LABELS[metric]} (the gate's performance.{metric})")))
            continue
        ceiling = baseline[metric] + allowed * scale
        status = Limit(ceiling, Direction.AT_MOST).judge(estimate.value, estimate.band, rule.on_straddle)
        out.append(CheckResult(
            status=status, value=estimate.value, ci=estimate.band, limit=ceiling, **common,
            message=(f"estimated (no outcomes yet) {LABELS[metric]} {estimate.value:.4g} [{estimate.band[0]:.4g}, "
                     f"{estimate.band[1]:.4g}] against the validation baseline {baseline[metric]:.4g}: at most "
                     f"{ceiling:.4g} allowed ({allowed:g} x the reference outcomes' mean absolute value "
                     f"{scale:.4g} above it)"),
            hint=None if status is Status.PASS else (
                "the model's error is expected to have grown before outcomes confirm it: look at drift, plan a "
                "retrain")))
    return out


def loss_estimation_error_results(y_true: np.ndarray, y_pred: np.ndarray, estimates: Sequence[LossEstimate],
                                  rule: RegressionEstimationErrorRule, scale: float | None, why: str, period: str,
                                  label_column: str = "label") -> list[CheckResult]:
    """`performance.estimation_error.<mae|rmse>`: once a period's outcomes arrive, its realised error against
    the loss estimated for the same rows; a miss beyond `max_error` x `scale` says the learned error no longer
    holds."""
    ids = [f"performance.estimation_error.{m}" for m in rule.max_error]
    if scale is None:
        return not_run(ids, f"a limit relative to the outcomes: {why}")
    try:
        realised = point_metrics(continuous_values(y_true, f"label column '{label_column}'"),
                                 continuous_values(y_pred, "model predictions"))
    except ValueError as exc:
        return not_run(ids, f"the rows of {period}: {exc}")
    found = {e.loss: e for e in estimates}
    out = []
    for metric, share in rule.max_error.items():
        estimate, limit = found[metric], share * scale
        miss = realised[metric] - estimate.value
        failed = abs(miss) > limit
        out.append(CheckResult(
            check_id=f"performance.estimation_error.{metric}", status=Status.FAIL if failed else Status.PASS,
            value=miss, limit=limit, n=estimate.n,
            message=(f"{LABELS[metric]} realised {realised[metric]:.4g}, estimated {estimate.value:.4g} "
                     f"[{estimate.band[0]:.4g}, {estimate.band[1]:.4g}] before outcomes: a miss of {miss:+.4g}, "
                     f"at most {limit:.4g} allowed"),
            hint=("the estimate missed: the error given the inputs has changed (concept drift); loss estimates "
                  "for this model cannot be trusted until the estimator is refitted on newer labelled data")
            if failed else None))
    return out


@dataclass(frozen=True)
class LossEstimateRun:
    """One night's loss estimates: results per period, and what the evidence file says of them."""

    results: list[tuple[str, list[CheckResult]]]
    document: dict


def judge_loss_estimates(model: LossModel, waiting: Periods, compared: Periods, performance: RegressionPerformance,
                         baseline: Mapping[str, float], reference_y: np.ndarray | None, label: str,
                         prediction: str, fairness: RegressionFairness | None = None,
                         sensitive: Sequence[str] = ()) -> LossEstimateRun:
    """The periods awaiting outcomes estimated and judged (their errors, and the error gaps between groups where
    the fairness section estimates them); the labelled ones the tier compares, the estimate for their rows
    against what their outcomes realise. Limits are shares of the reference outcomes' mean absolute value, as
    every regression limit."""
    scale, why = outcome_scale(reference_y)
    # Comparing only (no `estimated` rule): the band is drawn as the rule's default would draw it.
    sigmas = (performance.estimated.band_sigmas if performance.estimated
              else RegressionEstimatedRule.model_fields["band_sigmas"].default)
    out: list[tuple[str, list[CheckResult]]] = []
    rows_out, groups_out = [], []
    for period, rows in waiting:
        found = model.estimate(rows, rows[prediction].to_numpy(dtype=float), z=sigmas)
        rows_out += [{"period": period, "loss": e.loss, "estimate": e.value, "band": list(e.band), "n": e.n}
                     for e in found]
        if performance.estimated is not None:
            out.append((period, estimated_loss_results(found, baseline, performance.estimated, scale, why, period)))
        if fairness is not None and fairness.estimated is not None:
            gaps, table = estimated_gap_results(model, rows, rows[prediction].to_numpy(dtype=float), sensitive,
                                                fairness, fairness.estimated, scale, why)
            out.append((period, gaps))
            groups_out += [{**g, "period": period} for g in table]
    for period, rows in compared:
        if performance.estimation_error is None:
            continue
        found = model.estimate(rows, rows[prediction].to_numpy(dtype=float), z=sigmas)
        out.append((period, loss_estimation_error_results(rows[label].to_numpy(), rows[prediction].to_numpy(),
                                                          found, performance.estimation_error, scale, why, period,
                                                          label)))
    document = {"method": "direct loss estimation: gradient-boosted models of each row's absolute and squared error "
                          "learned on the labelled reference from the inputs and the prediction (as NannyML's DLE)",
                "inputs": list(model.inputs), "band": f"estimate ± {sigmas:g} x the reference losses' spread / √n",
                "estimates": rows_out, "groups": groups_out, "periods_compared": [p for p, _ in compared]}
    return LossEstimateRun(out, document)


def estimated_gap_results(model: LossModel, rows: pd.DataFrame, prediction: np.ndarray, sensitive: Sequence[str],
                          fairness: RegressionFairness, rule: RegressionEstimatedFairnessRule, scale: float | None,
                          why: str) -> tuple[list[CheckResult], list[dict]]:
    """`fairness.estimated.mae_difference` per sensitive column for rows awaiting outcomes: each group's MAE
    estimated as the mean of the errors the loss model predicts for its rows, the largest difference between
    groups of at least `min_group_size` rows held to the realised twin's limit (a share of `scale`); and the
    per-group table."""
    twin = fairness.mae_difference
    ids = [f"fairness.estimated.{g}" for g in rule.gaps]
    if twin is None:
        return not_run(ids, "the tier sets no fairness.mae_difference limit for the estimate to be held to"), []
    if scale is None:
        return not_run(ids, f"a limit relative to the outcomes: {why}"), []
    if missing := [c for c in sensitive if c not in rows.columns]:
        return not_run(ids, f"the rows lack sensitive column(s) {missing}"), []
    losses, spread = model.row_losses(rows, prediction), model.reference_spread["mae"]
    limit = twin.limit_at(scale)
    results, table = [], []
    for column in sensitive:
        labels = rows[column].astype(str).where(rows[column].notna(), "(missing)").to_numpy()
        groups = {g: losses[labels == g] for g in np.unique(labels)}
        table += [{"feature": column, "group": str(g), "n": len(v), "estimated_mae": float(v.mean()),
                   "left_out": None if len(v) >= fairness.min_group_size else
                   f"fewer than {fairness.min_group_size} rows"} for g, v in groups.items()]
        compared = {g: v for g, v in groups.items() if len(v) >= fairness.min_group_size}
        common = {"check_id": "fairness.estimated.mae_difference", "group": column, "n": len(rows),
                  "limit": limit.bound}
        if len(compared) < 2:
            results.append(CheckResult(status=Status.INCONCLUSIVE, **common, message=(
                f"estimate: {len(compared)} group(s) of at least {fairness.min_group_size} rows; two are needed")))
            continue
        means = {g: float(v.mean()) for g, v in compared.items()}
        low, high = min(means, key=means.__getitem__), max(means, key=means.__getitem__)
        gap = means[high] - means[low]
        half = rule.band_sigmas * spread * float(np.sqrt(1 / len(compared[low]) + 1 / len(compared[high])))
        band = (max(0.0, gap - half), gap + half)
        status = limit.judge(gap, band, Straddle(fairness.on_straddle))
        results.append(CheckResult(status=status, value=gap, ci=band, **common, message=(
            f"estimated (no outcomes yet) MAE difference between groups {gap:.4g} [{band[0]:.4g}, {band[1]:.4g}] "
            f"({low} {means[low]:.4g}, {high} {means[high]:.4g}), {limit.describe()} allowed"),
            hint=None if status is Status.PASS else (
                "the model is expected to err more for one group before outcomes confirm it: review now")))
    return results, table

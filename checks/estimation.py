"""Performance and fairness estimated before outcomes arrive: confidence-based performance estimation (CBPE).

A calibrated score is the probability that a row's outcome is positive, so summed over rows the scores give
the expected confusion matrix, and from it the expected accuracy, precision, recall and ROC curve, overall
and per group. Scores are calibrated on the labelled reference data (isotonic), and only when that lowers
the calibration error in cross-validation (as NannyML does), within each group for the per-group figures.

The estimate rests on one assumption: the chance of a positive outcome given the score is what it was in the
reference data (no concept drift). Covariate shift is what it is for. When the outcomes arrive the realised
figure is set beside the estimate and the miss is judged: a large miss says the assumption broke.

Each estimate carries a band: the spread of the value the outcomes would realise if each row's outcome were
drawn from its calibrated probability (simulated from the expected counts; DeLong-style for AUC). It is a
sampling band; it does not cover an error in the calibration itself, which the realised-against-estimated
check watches.

Checked against NannyML's own CBPE on NannyML's shipped data (tests/checks/test_estimation.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedShuffleSplit

from govflow.checks.limits import Direction, Limit, Straddle
from govflow.checks.performance import LABELS, binary_labels, measure, z_value
from govflow.checks.policy import EstimatedFairnessRule, EstimatedRule, EstimationErrorRule, FairnessChecks
from govflow.checks.results import CheckResult, Status, not_run

GAP_LABELS = {"equal_opportunity_difference": "equal-opportunity gap (TPR)",
              "equalized_odds_difference": "equalized-odds gap (larger of TPR and FPR)"}


def calibration_error(y: np.ndarray, p: np.ndarray, bins: int) -> float:
    """Expected calibration error over equal-count bins of the sorted scores (NannyML's definition)."""
    order = np.argsort(p, kind="stable")
    y, p = np.asarray(y, dtype=float)[order], np.asarray(p, dtype=float)[order]
    bins = min(bins, len(p) // 2) or 1
    edges = np.linspace(0, len(p), bins + 1).astype(int)
    return float(sum((hi - lo) / len(p) * abs(p[lo:hi].mean() - y[lo:hi].mean())
                     for lo, hi in pairwise(edges) if hi > lo))


@dataclass(frozen=True)
class Calibrator:
    """An isotonic map from score to probability, or the identity when calibrating did not help."""

    knots: tuple[tuple[float, ...], tuple[float, ...]] | None
    error_before: float
    error_after: float

    @property
    def applied(self) -> bool:
        return self.knots is not None

    def describe(self) -> dict[str, object]:
        """For the evidence: whether calibration was applied, and the held-out calibration errors."""
        def finite(x: float) -> float | None:
            return x if np.isfinite(x) else None

        return {"applied": self.applied, "calibration_error_before": finite(self.error_before),
                "calibration_error_after": finite(self.error_after)}

    def __call__(self, score: np.ndarray) -> np.ndarray:
        s = np.asarray(score, dtype=float)
        if self.knots is None:
            return np.clip(s, 0.0, 1.0)
        # IsotonicRegression predicts by linear interpolation between its knots, clipped at the ends.
        return np.interp(s, np.asarray(self.knots[0]), np.asarray(self.knots[1]))


def _isotonic(score: np.ndarray, y: np.ndarray) -> IsotonicRegression:
    return IsotonicRegression(out_of_bounds="clip", increasing=True, y_min=0.0, y_max=1.0).fit(score, y)


IDENTITY = Calibrator(None, float("nan"), float("nan"))


def fit_calibrator(y: np.ndarray, score: np.ndarray, bins: int = 10, splits: int = 10, seed: int = 42) -> Calibrator:
    """Calibrate on the reference when the cross-validated calibration error falls by doing so.

    Ten stratified 90/10 splits: each fold's held-out scores before and after an isotonic fit on the rest,
    pooled, compared by `calibration_error`. A single class or a near-perfect ranking is left as it is.
    """
    y, score = np.asarray(y, dtype=float), np.asarray(score, dtype=float)
    if len(np.unique(y)) < 2 or len(y) < 4 * bins:
        return IDENTITY
    held_y, before, after = [], [], []
    for train, test in StratifiedShuffleSplit(n_splits=splits, test_size=0.1, random_state=seed).split(score, y):
        held_y.append(y[test])
        before.append(score[test])
        after.append(_isotonic(score[train], y[train]).predict(score[test]))
    truth = np.concatenate(held_y)
    error_before = calibration_error(truth, np.concatenate(before), bins)
    error_after = calibration_error(truth, np.concatenate(after), bins)
    if error_after >= error_before:
        return Calibrator(None, error_before, error_after)
    fitted = _isotonic(score, y)
    knots = (tuple(fitted.X_thresholds_.tolist()), tuple(fitted.y_thresholds_.tolist()))
    return Calibrator(knots, error_before, error_after)


def expected_auc(p: np.ndarray, score: np.ndarray) -> float:
    """The ROC AUC the outcomes are expected to give: the expected ROC curve (cumulative expected positives
    and negatives down the raw score, tied scores taken together) integrated by the trapezoid rule."""
    order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
    s, q = np.asarray(score, dtype=float)[order], np.asarray(p, dtype=float)[order]
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    tp = np.r_[0.0, np.cumsum(q)[last_of_tie]]
    fp = np.r_[0.0, np.cumsum(1.0 - q)[last_of_tie]]
    if tp[-1] <= 0 or fp[-1] <= 0:
        return float("nan")
    return float(np.trapezoid(tp / tp[-1], fp / fp[-1]))


def _auc_band(auc: float, positives: float, negatives: float, z: float) -> tuple[float, float]:
    """Hanley and McNeil's standard error of an AUC for the expected numbers of positives and negatives."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) / (
        positives * negatives)
    half = z * float(np.sqrt(max(var, 0.0)))
    return max(0.0, auc - half), min(1.0, auc + half)


def _count_draws(p: np.ndarray, pred: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of the confusion counts (TP, FP, FN, TN) the outcomes could realise, each row's outcome a
    Bernoulli of its probability. On each side of the decision the positives are a normal with the
    Poisson-binomial mean and variance, and the negatives the rest of that side's rows."""
    sides = []
    for chosen in (1, 0):
        q = p[pred == chosen]
        positives = np.clip(rng.normal(q.sum(), np.sqrt((q * (1 - q)).sum()), draws), 0.0, len(q))
        sides.append((positives, len(q) - positives))
    (tp, fp), (fn, tn) = sides
    return np.stack([tp, fp, fn, tn], axis=1)


def _rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    tp, fp, fn, tn = (counts[..., i] for i in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"accuracy": (tp + tn) / (tp + fp + fn + tn), "precision": tp / (tp + fp), "recall": tp / (tp + fn),
                "tpr": tp / (tp + fn), "fpr": fp / (fp + tn)}


@dataclass(frozen=True)
class Estimate:
    """One estimated figure with its sampling band, and the rows it rests on."""

    metric: str
    value: float
    band: tuple[float, float]
    n: int


def estimate_performance(p: np.ndarray, pred: np.ndarray, score: np.ndarray, confidence: float, draws: int,
                         seed: int) -> dict[str, Estimate]:
    """Expected AUC, accuracy, precision and recall of 0/1 predictions, from calibrated probabilities `p`
    (the raw `score` orders the rows for AUC), each with its band at `confidence`."""
    p, pred = np.asarray(p, dtype=float), np.asarray(pred)
    z = z_value(confidence)
    expected = np.array([(p * (pred == 1)).sum(), ((1 - p) * (pred == 1)).sum(), (p * (pred == 0)).sum(),
                         ((1 - p) * (pred == 0)).sum()])
    point, spread = _rates(expected), _rates(_count_draws(p, pred, draws, np.random.default_rng(seed)))
    tail = (1 - confidence) / 2
    out = {}
    for metric in ("accuracy", "precision", "recall"):
        value = float(point[metric])
        values = spread[metric][np.isfinite(spread[metric])]
        band = (float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail))) if len(values) else (value, value)
        out[metric] = Estimate(metric, value, band, len(p))
    auc = expected_auc(p, score)
    band = _auc_band(auc, expected[0] + expected[2], expected[1] + expected[3], z) if np.isfinite(auc) else (auc, auc)
    out["auc"] = Estimate("auc", auc, band, len(p))
    return out


def estimated_performance_results(
    p: np.ndarray, pred: np.ndarray, score: np.ndarray, baseline: Mapping[str, float], rule: EstimatedRule,
    confidence: float, period: str,
) -> list[CheckResult]:
    """`performance.estimated.<metric>`: the estimate for a period awaiting outcomes, judged like its realised
    twin (`performance.decay.<metric>`): at least the validation baseline less the allowed worsening."""
    ids = [f"performance.estimated.{m}" for m in rule.max_worsening]
    try:
        pred = binary_labels(pred)
    except ValueError as exc:
        return not_run(ids, f"model predictions: {exc}")
    if len(pred) < rule.min_samples:
        return [CheckResult(check_id=c, status=Status.INCONCLUSIVE, n=len(pred), message=(
            f"estimate: {len(pred)} rows awaiting outcomes in {period}, fewer than min_samples {rule.min_samples}"))
            for c in ids]
    estimates = estimate_performance(p, pred, score, confidence, rule.draws, rule.seed)
    out = []
    for metric, worsening in rule.max_worsening.items():
        common = {"check_id": f"performance.estimated.{metric}", "n": len(pred)}
        if metric not in baseline:
            out.append(CheckResult(status=Status.INCONCLUSIVE, **common, message=(
                f"estimate: no validation baseline for {LABELS[metric]} (the gate's performance.{metric})")))
            continue
        found = estimates[metric]
        if not np.isfinite(found.value):
            out.append(CheckResult(status=Status.INCONCLUSIVE, **common, message=(
                f"estimate: {LABELS[metric]} is undefined on {period} (no expected positives or negatives)")))
            continue
        out.append(judge_estimate(f"performance.estimated.{metric}", LABELS[metric], found, baseline[metric],
                                  worsening, rule.on_straddle))
    return out


def judge_estimate(check_id: str, label: str, found: Estimate, baseline: float, worsening: float,
                   straddle: Straddle) -> CheckResult:
    """An estimate for a period awaiting outcomes, judged like its realised twin (`performance.decay.<metric>`):
    at least the validation baseline less the allowed worsening, on the estimate's band."""
    floor = baseline - worsening
    status = Limit(floor, Direction.AT_LEAST).judge(found.value, found.band, straddle)
    return CheckResult(
        check_id=check_id, status=status, value=found.value, ci=found.band, limit=floor, n=found.n,
        message=(f"estimated (no outcomes yet) {label} {found.value:.4f} [{found.band[0]:.4f}, "
                 f"{found.band[1]:.4f}] against the validation baseline {baseline:.4f}: at least "
                 f"{floor:.4f} allowed"),
        hint=None if status is Status.PASS else (
            "the model is expected to have decayed before outcomes confirm it: look at drift, plan a retrain"))


def estimation_error_results(realised: Mapping[str, float], estimated: Mapping[str, Estimate],
                             max_error: Mapping[str, float], period: str,
                             labels: Mapping[str, str] = LABELS) -> list[CheckResult]:
    """`performance.estimation_error.<metric>`: once outcomes arrive, the realised figure against what was
    estimated for the same rows; a miss beyond `max_error` says the no-concept-drift assumption broke."""
    out = []
    for metric, limit in max_error.items():
        check_id = f"performance.estimation_error.{metric}"
        if metric not in realised or metric not in estimated or not np.isfinite(estimated[metric].value):
            out.append(CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, limit=limit, message=(
                f"{labels[metric]} of {period} could not be both measured and estimated")))
            continue
        est, real = estimated[metric], realised[metric]
        miss = real - est.value
        failed = abs(miss) > limit
        out.append(CheckResult(
            check_id=check_id, status=Status.FAIL if failed else Status.PASS, value=miss, limit=limit, n=est.n,
            message=(f"{labels[metric]} realised {real:.4f}, estimated {est.value:.4f} [{est.band[0]:.4f}, "
                     f"{est.band[1]:.4f}] before outcomes: a miss of {miss:+.4f}, at most {limit} allowed"),
            hint=("the estimate missed: the chance of an outcome given the score has changed (concept drift); "
                  "estimates for this model cannot be trusted until it is recalibrated") if failed else None))
    return out


# --- per group -----------------------------------------------------------------------------------------


def group_labels(sensitive: pd.DataFrame) -> np.ndarray:
    """Each row's group across the sensitive columns (`race=A&sex=F`)."""
    parts = [sensitive[c].astype(str).radd(f"{c}=") for c in sensitive.columns]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "&" + part
    return joined.to_numpy()


@dataclass(frozen=True)
class GroupCalibrators:
    """A calibrator per group, fitted on that group's reference rows; groups too small to fit use the
    calibrator fitted on all reference rows."""

    by_group: Mapping[str, Calibrator]
    overall: Calibrator

    def __call__(self, score: np.ndarray, groups: np.ndarray) -> np.ndarray:
        p = self.overall(score)
        for group, calibrator in self.by_group.items():
            chosen = groups == group
            if chosen.any():
                p[chosen] = calibrator(np.asarray(score, dtype=float)[chosen])
        return p


def fit_group_calibrators(y: np.ndarray, score: np.ndarray, groups: np.ndarray, min_rows: int,
                          calibrate: bool = True) -> GroupCalibrators:
    """Calibrate within each group of the reference that has `min_rows` rows and both outcomes (with
    `calibrate` False, every group takes its scores as they are)."""
    if not calibrate:
        return GroupCalibrators({}, IDENTITY)
    y, score = np.asarray(y, dtype=float), np.asarray(score, dtype=float)
    by_group = {}
    for group in np.unique(groups):
        chosen = groups == group
        if chosen.sum() >= min_rows and 0 < y[chosen].sum() < chosen.sum():
            by_group[str(group)] = fit_calibrator(y[chosen], score[chosen])
    return GroupCalibrators(by_group, fit_calibrator(y, score))


@dataclass(frozen=True)
class GroupEstimate:
    group: str
    n: int
    expected_positives: float
    expected_negatives: float
    tpr: float
    fpr: float


def estimate_gaps(p: np.ndarray, pred: np.ndarray, groups: np.ndarray, rules: FairnessChecks,
                  confidence: float, draws: int, seed: int) -> tuple[list[GroupEstimate], dict[str, Estimate]]:
    """Per group the expected TPR and FPR; across groups large enough (`min_group_size` rows and
    `min_class_count` expected positives and negatives) the estimated gaps, each with a band from draws of
    every group's counts."""
    pred = np.asarray(pred)
    rng = np.random.default_rng(seed)
    rows, tpr_draws, fpr_draws = [], [], []
    for group in sorted(np.unique(groups), key=str):
        chosen = groups == group
        q, d = p[chosen], pred[chosen]
        positives, negatives = float(q.sum()), float((1 - q).sum())
        point = _rates(np.array([(q * d).sum(), ((1 - q) * d).sum(), (q * (1 - d)).sum(), ((1 - q) * (1 - d)).sum()]))
        rows.append(GroupEstimate(str(group), int(chosen.sum()), positives, negatives, float(point["tpr"]),
                                  float(point["fpr"])))
        if (chosen.sum() >= rules.min_group_size and positives >= rules.min_class_count
                and negatives >= rules.min_class_count):
            spread = _rates(_count_draws(q, d, draws, rng))
            tpr_draws.append((float(point["tpr"]), spread["tpr"]))
            fpr_draws.append((float(point["fpr"]), spread["fpr"]))
    gaps: dict[str, Estimate] = {}
    if len(tpr_draws) >= 2:
        n = sum(r.n for r in rows)
        tail = (1 - confidence) / 2

        def gap(points: Sequence[float], sims: Sequence[np.ndarray]) -> tuple[float, np.ndarray]:
            stacked = np.stack(sims)
            return max(points) - min(points), np.nanmax(stacked, axis=0) - np.nanmin(stacked, axis=0)

        eo, eo_draws = gap([t for t, _ in tpr_draws], [s for _, s in tpr_draws])
        fo, fo_draws = gap([f for f, _ in fpr_draws], [s for _, s in fpr_draws])
        for name, value, sims in (("equal_opportunity_difference", eo, eo_draws),
                                  ("equalized_odds_difference", max(eo, fo), np.maximum(eo_draws, fo_draws))):
            gaps[name] = Estimate(name, value, (float(np.quantile(sims, tail)), float(np.quantile(sims, 1 - tail))), n)
    return rows, gaps


def estimated_fairness_results(p: np.ndarray, pred: np.ndarray, sensitive: pd.DataFrame, rules: FairnessChecks,
                               rule: EstimatedFairnessRule, confidence: float,
                               period: str) -> tuple[list[CheckResult], list[dict]]:
    """`fairness.estimated.<gap>`: the gap estimated for a period awaiting outcomes, held to the limit of its
    realised twin (`fairness.<gap>`) by the tier's straddle rule."""
    ids = [f"fairness.estimated.{g}" for g in rule.gaps]
    try:
        pred = binary_labels(pred)
    except ValueError as exc:
        return not_run(ids, f"model predictions: {exc}"), []
    groups, gaps = estimate_gaps(p, pred, group_labels(sensitive), rules, confidence, rule.draws, rule.seed)
    table = [{"group": g.group, "n": g.n, "expected_positives": g.expected_positives,
              "expected_negatives": g.expected_negatives, "estimated_tpr": g.tpr, "estimated_fpr": g.fpr,
              "period": period} for g in groups]
    out = []
    for name in rule.gaps:
        limit = getattr(rules, name).limit()
        check_id = f"fairness.estimated.{name}"
        if name not in gaps:
            out.append(CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, limit=limit.bound, message=(
                f"estimate: fewer than two groups of {period} have {rules.min_group_size} rows and "
                f"{rules.min_class_count} expected positives and negatives")))
            continue
        found = gaps[name]
        status = limit.judge(found.value, found.band, Straddle(rules.on_straddle))
        out.append(CheckResult(
            check_id=check_id, status=status, value=found.value, ci=found.band, limit=limit.bound, n=found.n,
            message=(f"estimated (no outcomes yet) {GAP_LABELS[name]} {found.value:.4f} [{found.band[0]:.4f}, "
                     f"{found.band[1]:.4f}], {limit.describe()} allowed"),
            hint=None if status is Status.PASS else (
                "the model is expected to treat groups unequally before outcomes confirm it: review now")))
    return out, table


def realised_against_estimated(y_true: np.ndarray, p: np.ndarray, pred: np.ndarray, score: np.ndarray,
                               rule: EstimationErrorRule, confidence: float, period: str) -> list[CheckResult]:
    """The estimate for rows whose outcomes have now arrived, set against what those outcomes realise."""
    ids = [f"performance.estimation_error.{m}" for m in rule.max_error]
    try:
        y, pred = binary_labels(y_true), binary_labels(pred)
    except ValueError as exc:
        return not_run(ids, f"labels or predictions of {period}: {exc}")
    estimated = estimate_performance(p, pred, score, confidence, draws=200, seed=0)
    realised = {}
    for metric in rule.max_error:
        try:
            realised[metric] = measure(metric, y, pred, score, confidence)[0]
        except ValueError:  # undefined on these rows (one class): reported as not measured
            continue
    return estimation_error_results(realised, estimated, {str(m): v for m, v in rule.max_error.items()}, period)

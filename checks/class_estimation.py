"""A multiclass model's accuracy and macro F1 before its outcomes arrive (issue 30, item 3): per-class
confidence-based performance estimation, as NannyML's multiclass CBPE does it.

Each class's probability is calibrated one class against the rest on the labelled reference (isotonic, where that
lowers the held-out calibration error: checks/estimation.py `fit_calibrator`), and each row's calibrated
probabilities are renormalised to sum to one. Estimated accuracy is the mean calibrated probability of the class
predicted; estimated macro F1 averages each class's F1 from its expected true positives, false positives and
false negatives. Bands come from seeded simulations of the outcomes the calibrated probabilities imply.

The estimates agree with NannyML's multiclass CBPE per chunk on its shipped credit-card data
(tests/checks/test_class_estimation.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from govflow.checks.estimation import (
    IDENTITY,
    Calibrator,
    Estimate,
    estimation_error_results,
    fit_calibrator,
    judge_estimate,
)
from govflow.checks.multiclass import confusion, macro_f1
from govflow.checks.policy import MulticlassEstimatedRule, MulticlassPerformance
from govflow.checks.results import CheckResult, Status, not_run

LABELS = {"accuracy": "accuracy", "macro_f1": "macro F1"}
_DEFAULTS = MulticlassEstimatedRule.model_fields
_DRAWS_AT_ONCE = 50  # simulated outcome sets drawn together: bounds memory to ~50 x rows x classes floats


@dataclass(frozen=True)
class ClassCalibration:
    """One calibrator per class (one against the rest), in the order of the probability columns."""

    classes: tuple
    calibrators: tuple[Calibrator, ...]

    def __call__(self, proba: np.ndarray) -> np.ndarray:
        """Each column calibrated, then each row renormalised to sum to one (uniform where all are zero)."""
        calibrated = np.column_stack([c(proba[:, i]) for i, c in enumerate(self.calibrators)])
        total = calibrated.sum(axis=1, keepdims=True)
        uniform = np.full_like(calibrated, 1.0 / len(self.classes))
        return np.divide(calibrated, total, out=uniform, where=total != 0)

    def describe(self) -> list[dict[str, object]]:
        """For the evidence: per class, whether calibration was applied and the held-out calibration errors."""
        return [{"class": str(k), **c.describe()} for k, c in zip(self.classes, self.calibrators, strict=True)]


def fit_class_calibration(y: np.ndarray, proba: np.ndarray, classes: Sequence, isotonic: bool = True) -> ClassCalibration:
    """Calibrate each class's probability against whether the row is of that class; ValueError naming the
    problem when the outcomes are empty or hold a class the model does not know."""
    y = np.asarray(y, dtype=object)
    if pd.isna(y).any():
        raise ValueError(f"the reference outcomes hold {int(pd.isna(y).sum())} empty value(s)")
    known = {str(c) for c in classes}
    if unknown := sorted({str(v) for v in y} - known):
        raise ValueError(f"the reference outcomes hold class(es) {unknown[:5]} the model does not give "
                         f"probabilities for ({sorted(known)[:10]})")
    truth = np.asarray([str(v) for v in y])
    calibrators = tuple(fit_calibrator((truth == str(c)).astype(float), proba[:, i]) if isotonic else IDENTITY
                        for i, c in enumerate(classes))
    return ClassCalibration(tuple(classes), calibrators)


def _positions(pred: np.ndarray, classes: Sequence) -> np.ndarray:
    index = {str(c): i for i, c in enumerate(classes)}
    if unknown := sorted({str(v) for v in pred} - set(index)):
        raise ValueError(f"predicted class(es) {unknown[:5]} are not among the model's classes {list(index)[:10]}")
    return np.array([index[str(v)] for v in pred])


def _f1_per_class(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denominator = 2 * tp + fp + fn
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, 2 * tp / denominator, 0.0)


def estimate_classes(p: np.ndarray, pred: np.ndarray, classes: Sequence, confidence: float, draws: int,
                     seed: int) -> dict[str, Estimate]:
    """Expected accuracy and macro F1 of the predicted classes from calibrated class probabilities `p`, each
    with its band at `confidence`."""
    at = _positions(pred, classes)
    n, k = p.shape
    chosen = np.eye(k, dtype=bool)[at]
    accuracy = float(p[np.arange(n), at].mean())
    tp = (p * chosen).sum(axis=0)
    fp = ((1 - p) * chosen).sum(axis=0)
    fn = (p * ~chosen).sum(axis=0)
    f1 = float(_f1_per_class(tp, fp, fn).mean())
    rng, cumulative, sims = np.random.default_rng(seed), np.cumsum(p, axis=1), {"accuracy": [], "macro_f1": []}
    for done in range(0, draws, _DRAWS_AT_ONCE):
        u = rng.random((min(_DRAWS_AT_ONCE, draws - done), n, 1))
        outcome = np.minimum((u > cumulative[None]).sum(axis=2), k - 1)  # each row's class drawn from its p
        cells = outcome * k + at[None]
        conf = np.stack([np.bincount(row, minlength=k * k).reshape(k, k) for row in cells])
        sims["accuracy"].append(np.trace(conf, axis1=1, axis2=2) / n)
        sims["macro_f1"].append(macro_f1(conf))
    tail = (1 - confidence) / 2
    out = {}
    for metric, value in (("accuracy", accuracy), ("macro_f1", f1)):
        values = np.concatenate(sims[metric])
        out[metric] = Estimate(metric, value, (float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail))), n)
    return out


@dataclass(frozen=True)
class ClassEstimateRun:
    """One night's class estimates: results per period, and what the evidence file says of them."""

    results: list[tuple[str, list[CheckResult]]]
    document: dict


@dataclass(frozen=True)
class ScoredPeriod:
    """A period's rows as the estimate needs them: the model's class probabilities, its logged decisions, and
    the outcomes once they arrive."""

    period: str
    proba: np.ndarray
    pred: np.ndarray
    y: np.ndarray | None = None


def judge_class_estimates(calibration: ClassCalibration, waiting: Sequence[ScoredPeriod],
                          compared: Sequence[ScoredPeriod], performance: MulticlassPerformance,
                          baseline: Mapping[str, float], confidence: float) -> ClassEstimateRun:
    """The periods awaiting outcomes estimated and judged against the gate's figures less the allowed
    worsening; the labelled ones the tier compares, the estimate for their rows against what they realise."""
    rule, error = performance.estimated, performance.estimation_error
    # Comparing only (no `estimated` rule): the estimate is made as the rule's defaults would make it.
    draws, seed = (rule.draws, rule.seed) if rule else (_DEFAULTS["draws"].default, _DEFAULTS["seed"].default)
    out: list[tuple[str, list[CheckResult]]] = []
    rows_out = []
    for scored in waiting:
        if rule is None:
            continue
        ids = [f"performance.estimated.{m}" for m in rule.max_worsening]
        if len(scored.pred) < rule.min_samples:
            out.append((scored.period, [CheckResult(check_id=c, status=Status.INCONCLUSIVE, n=len(scored.pred), message=(
                f"estimate: {len(scored.pred)} rows awaiting outcomes in {scored.period}, fewer than min_samples "
                f"{rule.min_samples}")) for c in ids]))
            continue
        try:
            found = estimate_classes(calibration(scored.proba), scored.pred, calibration.classes, confidence, draws,
                                     seed)
        except ValueError as exc:
            out.append((scored.period, not_run(ids, f"estimate: {exc}")))
            continue
        rows_out += [{"period": scored.period, "metric": m, "estimate": e.value, "band": list(e.band), "n": e.n}
                     for m, e in found.items()]
        judged = []
        for metric, worsening in rule.max_worsening.items():
            if metric not in baseline:
                judged.append(CheckResult(check_id=f"performance.estimated.{metric}", status=Status.INCONCLUSIVE,
                                          n=len(scored.pred), message=(
                    f"estimate: no validation baseline for {LABELS[metric]} (the gate's performance.{metric})")))
                continue
            judged.append(judge_estimate(f"performance.estimated.{metric}", LABELS[metric], found[metric],
                                         baseline[metric], worsening, rule.on_straddle))
        out.append((scored.period, judged))
    for scored in compared:
        if error is None or scored.y is None:
            continue
        try:
            found = estimate_classes(calibration(scored.proba), scored.pred, calibration.classes, confidence, draws,
                                     seed)
            conf = confusion(np.asarray([str(v) for v in scored.y]), np.asarray([str(v) for v in scored.pred]),
                             [str(c) for c in calibration.classes])
        except (ValueError, KeyError) as exc:
            out.append((scored.period, not_run([f"performance.estimation_error.{m}" for m in error.max_error],
                                               f"the rows of {scored.period}: {exc}")))
            continue
        realised = {"accuracy": float(np.trace(conf) / conf.sum()), "macro_f1": float(macro_f1(conf))}
        out.append((scored.period, estimation_error_results(realised, found, {str(m): v for m, v in
                                                                               error.max_error.items()},
                                                            scored.period, LABELS)))
    document = {"method": "multiclass confidence-based performance estimation: each class's probability calibrated "
                          "one class against the rest on the labelled reference, rows renormalised, accuracy and "
                          "macro F1 from the expected confusion counts (as NannyML's multiclass CBPE)",
                "calibration": calibration.describe(), "estimates": rows_out,
                "periods_compared": [s.period for s in compared]}
    return ClassEstimateRun(out, document)

"""Performance decay: the model's metrics over a rolling window of labelled production periods
against the validation baseline the registration gate measured.

One period's metric is noisy; the last `window` labelled periods are pooled, so a finding rests on
enough outcomes, and the metric's interval decides whether a worsening beyond the limit is real.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from govflow.checks.performance import HIGHER_IS_BETTER, LABELS, NEEDS_SCORE, Undefined, binary_labels, measure
from govflow.checks.policy import DecayRule
from govflow.checks.results import CheckResult, Status, not_run


def validation_baseline(gate_metrics: Mapping[str, float]) -> dict[str, float]:
    """The gate's measured model-level figures (its MLflow metrics `performance.<metric>`, of whichever task) by
    metric name; intervals (`.ci_low`) and per-group figures are left out."""
    return {key.split(".", 1)[1]: float(value) for key, value in gate_metrics.items()
            if key.startswith("performance.") and key.count(".") == 1}


def decay_results(y_true: np.ndarray, y_pred: np.ndarray, score: np.ndarray | None, baseline: Mapping[str, float],
                  rule: DecayRule, confidence: float, window: Sequence[str]) -> list[CheckResult]:
    """One `performance.decay.<metric>` result per metric the rule names, on the pooled window rows.

    The value is the worsening from the baseline (a drop, or a rise for losses), with its interval.
    An interval wholly within `max_worsening` passes; a point within it whose interval reaches beyond warns;
    a point beyond it fails when the metric's interval excludes the baseline, else warns.
    """
    ids = [f"performance.decay.{m}" for m in rule.max_worsening]
    try:
        y, pred = binary_labels(y_true), binary_labels(y_pred)
    except ValueError as exc:
        return not_run(ids, f"labels or predictions of the window: {exc}")
    periods = window_label(window)
    out = []
    for metric, limit in rule.max_worsening.items():
        common = {"check_id": f"performance.decay.{metric}", "limit": limit, "n": len(y)}
        if metric not in baseline:
            out.append(CheckResult(status=Status.INCONCLUSIVE, **common, message=(
                f"no validation baseline for {LABELS[metric]}: the gate has not measured performance.{metric} "
                "for this version"), hint="run the registration gate with this metric in the tier's policy"))
            continue
        if metric in NEEDS_SCORE and score is None:
            out.append(CheckResult(status=Status.ERROR, **common,
                                   message=f"{LABELS[metric]} needs scores and the window has none"))
            continue
        if len(y) < rule.min_samples:
            out.append(CheckResult(status=Status.INCONCLUSIVE, **common, message=(
                f"{len(y)} labelled rows in {periods}, fewer than min_samples {rule.min_samples}")))
            continue
        try:
            value, (low, high), _ = measure(metric, y, pred, score, confidence)
        except ValueError as exc:
            status = Status.INCONCLUSIVE if isinstance(exc, Undefined) else Status.ERROR
            out.append(CheckResult(status=status, **common, message=f"{periods}: {exc}"))
            continue
        out.append(judge_worsening(f"performance.decay.{metric}", LABELS[metric], value, (low, high),
                                   baseline[metric], HIGHER_IS_BETTER[metric], limit, len(y), periods))
    return out


def window_label(window: Sequence[str]) -> str:
    """The decay window's periods as a message names them."""
    return f"{window[0]} to {window[-1]}" if len(window) > 1 else (window[0] if window else "no period")


def judge_worsening(check_id: str, label: str, value: float, ci: tuple[float, float], base: float,
                    higher_is_better: bool, limit: float, n: int, periods: str) -> CheckResult:
    """A metric over the window (`value`, interval `ci`) against its validation baseline: the worsening (a drop,
    or a rise for an error) with its interval. An interval wholly within `limit` passes; a point within it whose
    interval reaches beyond warns; a point beyond it fails when the metric's interval excludes the baseline,
    else warns."""
    low, high = ci
    sign = 1.0 if higher_is_better else -1.0
    worsening = sign * (base - value)
    bounds = sorted((sign * (base - low), sign * (base - high)))
    if bounds[1] <= limit:
        status, verdict = Status.PASS, "within"
    elif worsening <= limit:
        status, verdict = Status.WARN, "within on the point, but the interval reaches beyond"
    elif bounds[0] > 0:
        status, verdict = Status.FAIL, "beyond"
    else:
        status, verdict = Status.WARN, "beyond (but the interval reaches the baseline)"
    return CheckResult(
        check_id=check_id, status=status, value=worsening, ci=(bounds[0], bounds[1]), limit=limit, n=n,
        message=(f"{label} {value:.4g} [{low:.4g}, {high:.4g}] over {periods} against the validation "
                 f"baseline {base:.4g}: worse by {worsening:.4g}, {verdict} the limit {limit:.4g}"),
        hint=None if status is Status.PASS else "the model has decayed since approval: investigate, retrain "
                                                "or recalibrate")

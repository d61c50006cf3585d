"""Robustness: whether small changes to an input change a decision, whether the model moves the way its
declared monotonic relationships say it must, and whether a missing value is met with a prediction or a
clear rejection rather than a crash.

The model comes in as a `Predict` callable. One that refuses an input on purpose (schema enforcement)
raises `Rejected`; anything else it raises is a crash.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from govflow.checks.explainability import Predict
from govflow.checks.limits import Straddle
from govflow.checks.performance import wilson_interval
from govflow.checks.policy import MonotonicRule, NoiseRule, RobustnessChecks
from govflow.checks.results import CheckResult, Status, brief
from govflow.checks.sampling import seeded_sample

MONOTONIC_TAG = "governance.monotonic"


class Rejected(Exception):
    """The model's input validation refused the rows, with a message saying why: a clear rejection."""


def _level(pred: np.ndarray, score: np.ndarray | None) -> np.ndarray | None:
    """What a change in an input moves: a classifier's score, a regression's numbers; None for decisions alone
    (classes, or 0/1)."""
    if score is not None:
        return score
    values = np.asarray(pred)
    numbers = np.issubdtype(values.dtype, np.floating) and not np.isin(values, (0.0, 1.0)).all()
    return values.astype(float) if numbers else None


def numeric_columns(frame: pd.DataFrame, features: Sequence[str]) -> list[str]:
    return [c for c in features if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]


def _shifted(values: pd.Series, delta: np.ndarray) -> np.ndarray:
    """`values` + `delta`, kept in the column's type: an integer column moves by whole units."""
    if pd.api.types.is_integer_dtype(values):
        dtype: Any = values.dtype
        return (values.to_numpy() + np.round(delta).astype(dtype)).astype(dtype)
    return (values.to_numpy(dtype=float) + delta).astype(values.dtype)


def noise_result(predict: Predict, frame: pd.DataFrame, features: Sequence[str], rule: NoiseRule, seed: int,
                 confidence: float, straddle: Straddle = Straddle.WARN) -> CheckResult:
    """`robustness.noise`: the share of decisions that flip when every numeric input gets Gaussian noise of
    `scale` x its standard deviation. Above `max` with the interval wholly above it FAILs; above `max` but
    the interval reaching it WARNs."""
    common = {"check_id": "robustness.noise", "limit": rule.max, "n": len(frame)}
    numeric = numeric_columns(frame, features)
    if not numeric:
        return CheckResult(**common, status=Status.SKIPPED, message="the model has no numeric inputs to perturb")
    rng = np.random.default_rng(seed)
    noisy = frame.copy()
    for column in numeric:
        std = float(np.nanstd(frame[column].to_numpy(dtype=float)))
        noisy[column] = _shifted(frame[column], rng.normal(0.0, rule.scale * std, len(frame)))
    before, _ = predict(frame)
    after, _ = predict(noisy)
    flips = int(np.sum(np.asarray(before) != np.asarray(after)))
    rate = flips / len(frame)
    ci = wilson_interval(flips, len(frame), confidence)
    status = rule.limit().judge(rate, ci, straddle)
    return CheckResult(**common, status=status, value=rate, ci=ci, message=(
        f"{flips} of {len(frame)} decisions ({rate:.2%}) flip under noise of {rule.scale} standard deviations on "
        f"{len(numeric)} numeric input(s); at most {rule.max:.2%} may"),
        hint=None if status is Status.PASS else "decisions sit close to the threshold: a small error in an input "
                                                 "changes them; review the threshold or the model's smoothness")


def parse_monotonic(text: str) -> dict[str, int]:
    """`income:+,debt_ratio:-` as {column: +1 or -1}; ValueError naming the tag and the bad item."""
    out: dict[str, int] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        column, sep, sign = item.rpartition(":")
        if not sep or not column.strip() or sign.strip() not in ("+", "-"):
            raise ValueError(f"tag {MONOTONIC_TAG}: '{item}' is not 'column:+' or 'column:-'")
        if column.strip() in out:
            raise ValueError(f"tag {MONOTONIC_TAG}: column '{column.strip()}' is declared twice")
        out[column.strip()] = 1 if sign.strip() == "+" else -1
    if not out:
        raise ValueError(f"tag {MONOTONIC_TAG} is set but declares no column")
    return out


def monotonic_results(predict: Predict, frame: pd.DataFrame, features: Sequence[str], declared: dict[str, int],
                      rule: MonotonicRule, confidence: float) -> list[CheckResult]:
    """`robustness.monotonic` per declared input: raise it by `step` x its standard deviation and count the
    rows whose score moves the other way by more than `tolerance`; more than `max_violations` FAILs. A
    declared column that is not a numeric model input is an ERROR naming it."""
    out = []
    base = _level(*predict(frame))
    for column, direction in declared.items():
        common = {"check_id": "robustness.monotonic", "column": column, "limit": rule.max_violations}
        if column not in features:
            out.append(CheckResult(**common, status=Status.ERROR, message=(
                f"tag {MONOTONIC_TAG} names '{column}', which is not an input of the model "
                f"(inputs: {', '.join(features)})"), hint=f"correct the tag {MONOTONIC_TAG}"))
            continue
        if column not in numeric_columns(frame, features):
            out.append(CheckResult(**common, status=Status.ERROR, message=(
                f"tag {MONOTONIC_TAG} names '{column}', which is not numeric ({frame[column].dtype})")))
            continue
        if base is None:
            out.append(CheckResult(**common, status=Status.INCONCLUSIVE, message=(
                "the model gives no scores (nor numbers), so the direction of a change cannot be seen")))
            continue
        values = frame[column]
        std = float(np.nanstd(values.to_numpy(dtype=float)))
        step = max(rule.step * std, 1.0) if pd.api.types.is_integer_dtype(values) else rule.step * std
        moved = frame.assign(**{column: _shifted(values, np.full(len(frame), step))})
        after = _level(*predict(moved))
        change = (np.asarray(after, dtype=float) - np.asarray(base, dtype=float)) * direction
        judged = values.notna().to_numpy()
        n = int(judged.sum())
        wrong = int(np.sum(change[judged] < -rule.tolerance))
        if n == 0 or std == 0:
            out.append(CheckResult(**common, status=Status.INCONCLUSIVE, n=n,
                                   message=f"'{column}' has no spread to shift on these rows"))
            continue
        share = wrong / n
        worst = float(-change[judged].min()) if wrong else 0.0
        status = Status.PASS if share <= rule.max_violations else Status.FAIL
        against, claim = ("down" if direction > 0 else "up"), f"'{column}:{'+' if direction > 0 else '-'}'"
        message = (f"raising '{column}' by {step:.4g} moves the score {against} on {wrong} of {n} rows ({share:.2%}; "
                   f"largest move {worst:.4f}), against the declared {claim}; at most {rule.max_violations:.2%} may"
                   if wrong else f"raising '{column}' by {step:.4g} never moves the score against the declared "
                                 f"{claim} ({n} rows)")
        out.append(CheckResult(**common, status=status, value=share, n=n, ci=wilson_interval(wrong, n, confidence),
                               message=message,
                               hint=None if status is Status.PASS else
                               f"the model contradicts the declared relationship of '{column}': constrain or retrain it"))
    return out


def missing_value_results(predict: Predict, frame: pd.DataFrame, features: Sequence[str]) -> list[CheckResult]:
    """`robustness.missing_value` per input: with the input missing on every row, the model must return a
    finite prediction or reject the rows clearly (`Rejected`); a crash or a NaN output FAILs."""
    out = []
    for column in features:
        common = {"check_id": "robustness.missing_value", "column": column, "n": len(frame)}
        blank = frame.assign(**{column: np.nan if column in numeric_columns(frame, features) else None})
        try:
            pred, score = predict(blank)
        except Rejected as exc:
            out.append(CheckResult(**common, status=Status.PASS, value="rejected",
                                   message=f"a missing '{column}' is rejected clearly: {brief(exc)}"))
            continue
        except Exception as exc:  # the finding itself: the model crashes on a missing input
            out.append(CheckResult(**common, status=Status.FAIL, value="crash", message=(
                f"a missing '{column}' crashes the model: {type(exc).__name__}: {brief(exc)}"),
                hint="validate inputs before the model (a signature, an imputer) so a missing value is "
                     "predicted or refused with a message"))
            continue
        outputs = pd.Series(np.asarray(score if score is not None else pred).reshape(-1))
        numeric = pd.to_numeric(outputs, errors="coerce") if pd.api.types.is_numeric_dtype(outputs) else None
        empty = int((~np.isfinite(numeric)).sum()) if numeric is not None else int(outputs.isna().sum())
        if empty:  # a regression's or a classifier's number that is not finite, or a class that is missing
            out.append(CheckResult(**common, status=Status.FAIL, value="nan", message=(
                f"a missing '{column}' gives {empty} non-finite or empty output(s)"),
                hint="a NaN decision is no decision: impute or reject missing values"))
            continue
        out.append(CheckResult(**common, status=Status.PASS, value="predicted",
                               message=f"a missing '{column}' still gets a prediction"))
    return out


def robustness_audit(predict: Predict, frame: pd.DataFrame, features: Sequence[str], monotonic_tag: str | None,
                     rules: RobustnessChecks, confidence: float,
                     judged: Collection[str] | None = None) -> tuple[list[CheckResult], dict]:
    """Every robustness check the tier runs (of `judged`, where given: those the registry has a method for the
    model's task), on a seeded sample of at most `sample_rows` rows; the monotonic check gives no result when
    nothing is declared and the policy does not require a declaration."""
    sample = seeded_sample(frame, rules.sample_rows, rules.seed)
    results: list[CheckResult] = []
    wanted = set(judged) if judged is not None else {f"robustness.{n}" for n in ("noise", "monotonic", "missing_value")}
    rules = rules.model_copy(update={n: None for n in ("noise", "monotonic", "missing_value")
                                     if f"robustness.{n}" not in wanted})
    if rules.noise is not None:
        results.append(noise_result(predict, sample, features, rules.noise, rules.seed, confidence,
                                       rules.on_straddle))
    if rules.monotonic is not None:
        if not monotonic_tag:
            if rules.monotonic.require_declaration:
                results.append(CheckResult(check_id="robustness.monotonic", status=Status.INCONCLUSIVE, message=(
                    f"no monotonic relationship is declared (tag {MONOTONIC_TAG}, e.g. 'income:+,debt_ratio:-'), "
                    f"and the policy requires one"), hint=f"declare the expected directions in {MONOTONIC_TAG}"))
        else:
            try:
                declared = parse_monotonic(monotonic_tag)
            except ValueError as exc:
                results.append(CheckResult(check_id="robustness.monotonic", status=Status.ERROR, message=str(exc)))
            else:
                results += monotonic_results(predict, sample, features, declared, rules.monotonic, confidence)
    if rules.missing_value is not None:
        results += missing_value_results(predict, sample, features)
    return results, {"rows": len(sample), "of_rows": len(frame), "seed": rules.seed, "features": list(features),
                     "declared_monotonic": monotonic_tag}

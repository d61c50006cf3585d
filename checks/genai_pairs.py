"""Paired statistics for generative-AI applications (issue 31): how far a judge agrees with people (Cohen's
kappa with the Fleiss-Cohen-Everitt large-sample interval), how an outcome moves when only a demographic term
of the input changes (a paired difference, with McNemar's exact test for a yes/no outcome), and whether a new
version is no worse than the serving one on the same inputs (a paired non-inferiority interval)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from govflow.checks.limits import Judged, judge_figure, too_few_rows
from govflow.checks.performance import z_value
from govflow.checks.policy.genai_rules import CounterfactualRule, GenaiChecks, NonInferiorityRule
from govflow.checks.results import CheckResult, Status

# Metrics where fewer answers doing it is better (leaks, refusals); for the others more is better.
LOWER_IS_BETTER = frozenset({"pii_leak_rate", "refusal_rate"})


def cohen_kappa(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[float, tuple[float, float]]:
    """Cohen's kappa of two raters' labels and its normal interval from the large-sample variance of Fleiss,
    Cohen and Everitt (1969), held within [-1, 1]."""
    labels = np.unique(np.concatenate([a, b]))
    table = np.array([[np.sum((a == r) & (b == c)) for c in labels] for r in labels], dtype=float)
    n = table.sum()
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    observed, expected = np.trace(p), float(rows @ cols)
    if expected >= 1.0:  # both raters gave one label throughout: agreement beyond chance is undefined
        return float("nan"), (float("nan"), float("nan"))
    kappa = (observed - expected) / (1 - expected)
    diag = np.diag(p) * (1 - (rows + cols) * (1 - kappa)) ** 2
    off = p * (cols[:, None] + rows[None, :]) ** 2
    np.fill_diagonal(off, 0.0)
    var = (diag.sum() + (1 - kappa) ** 2 * off.sum() - (kappa - expected * (1 - kappa)) ** 2) / (1 - expected) ** 2 / n
    half = z_value(confidence) * float(np.sqrt(max(var, 0.0)))
    return float(kappa), (float(max(-1.0, kappa - half)), float(min(1.0, kappa + half)))


def _mean_interval(d: np.ndarray, confidence: float) -> tuple[float, tuple[float, float]]:
    """Mean of paired differences with its normal interval (for 0/1 outcomes the Wald interval for paired
    proportions: variance (b + c - (b - c)^2 / n) / n^2)."""
    mean = float(d.mean())
    half = z_value(confidence) * float(d.std(ddof=0)) / np.sqrt(len(d))
    return mean, (mean - half, mean + half)


def _size_interval(ci: tuple[float, float]) -> tuple[float, float]:
    """The interval of |difference|: from 0 when the difference's interval holds 0."""
    lo, hi = ci
    return (0.0 if lo <= 0.0 <= hi else min(abs(lo), abs(hi)), max(abs(lo), abs(hi)))


def counterfactual_gap(frame: pd.DataFrame, outcome: pd.Series, pair_column: str, flag_column: str,
                       rule: CounterfactualRule, straddle, confidence: float) -> CheckResult:
    """`genai.counterfactual_gap`: each pair (rows sharing `pair_column`) is one original input and one with its
    demographic term swapped (`flag_column` true); the outcome's mean paired difference (swapped less
    original) and its interval, judged by size against the rule's limit."""
    check_id = "genai.counterfactual_gap"
    for column in (pair_column, flag_column):
        if column not in frame.columns:
            return CheckResult(check_id=check_id, status=Status.ERROR, column=column,
                               message=f"not run: the evaluation set has no column '{column}' pairing inputs that "
                                       "differ only in a demographic term",
                               hint=f"add '{pair_column}' (one id per pair) and '{flag_column}' (true on the "
                                    "swapped input)")
    flags = frame[flag_column].astype(str).str.strip().str.lower().isin(("true", "1", "yes"))
    pairs = pd.DataFrame({"pair": frame[pair_column], "swapped": flags, "y": pd.to_numeric(outcome, errors="coerce")})
    pairs = pairs[pairs["pair"].notna()]
    shape = pairs.groupby("pair")["swapped"].agg(["sum", "size"])
    bad = shape[(shape["size"] != 2) | (shape["sum"] != 1)].index.tolist()
    if bad:
        return CheckResult(check_id=check_id, status=Status.ERROR, column=pair_column,
                           message=f"not run: {len(bad)} pair(s) in '{pair_column}' are not one original and one "
                                   f"swapped input (first: {', '.join(map(str, bad[:3]))})")
    wide = pairs.pivot_table(index="pair", columns="swapped", values="y", aggfunc="first").dropna()
    judged = Judged(rule.limit(), rule.min_pairs)
    if (few := too_few_rows(check_id, len(wide), judged)) is not None:
        return few
    d = (wide[True] - wide[False]).to_numpy(dtype=float)
    mean, ci = _mean_interval(d, confidence)
    extra = ""
    if set(np.unique(wide.to_numpy())) <= {0.0, 1.0}:
        b, c = int(np.sum(d > 0)), int(np.sum(d < 0))
        p = stats.binomtest(b, b + c, 0.5).pvalue if b + c else 1.0
        extra = f"; {b} pair(s) only the swapped input, {c} only the original (McNemar exact p={p:.3g})"
    result = judge_figure(check_id, abs(mean), _size_interval(ci), len(d), judged, straddle,
                          f"{rule.outcome} moves by {mean:+.3f} on average when only the demographic term changes, "
                          f"over {len(d)} pairs{extra}")
    return result.model_copy(update={"column": rule.outcome})


def noninferiority(candidate: pd.DataFrame, serving: pd.DataFrame, rule: NonInferiorityRule, straddle,
                   confidence: float, serving_version: str) -> list[CheckResult]:
    """`genai.noninferiority.<metric>`: per metric the new version's answers (`candidate`, one row per input, a
    column per metric) against the serving version's on the same inputs (the index), the paired difference in
    the worse direction, judged against the margin: PASS only when its upper bound is within it. A metric this
    version's answers were not measured by gives no result."""
    out = []
    for metric in rule.metrics:
        check_id = f"genai.noninferiority.{metric}"
        if metric not in candidate.columns or candidate[metric].isna().all():
            continue  # not measured on this version's answers (no format declared, no references): nothing to compare
        old = serving[metric] if metric in serving.columns else pd.Series(np.nan, index=serving.index)
        both = pd.DataFrame({"new": candidate[metric], "old": old}).dropna()
        if len(both) < 2:
            out.append(CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, n=len(both), limit=rule.margin,
                                   message=f"{len(both)} inputs answered and scored by both this version and "
                                           f"version {serving_version}; a paired comparison needs at least 2"))
            continue
        worse = both["new"] - both["old"] if metric in LOWER_IS_BETTER else both["old"] - both["new"]
        mean, ci = _mean_interval(worse.to_numpy(dtype=float), confidence)
        out.append(judge_figure(check_id, mean, ci, len(both), Judged(rule.limit()), straddle,
                                f"{metric.replace('_', ' ')}: {both['new'].mean():.1%} against {both['old'].mean():.1%} "
                                f"for serving version {serving_version} on {len(both)} shared inputs, worse by "
                                f"{mean:+.3f}"))
    return out


def judge_pairs(frame: pd.DataFrame, table: pd.DataFrame, genai: GenaiChecks, confidence: float,
                pair_column: str = "pair_id", flag_column: str = "counterfactual") -> list[CheckResult]:
    """The counterfactual gap, when the tier limits it, on the refusal the scorers saw or a numeric column."""
    rule = genai.counterfactual_gap
    if rule is None:
        return []
    if rule.outcome == "refusal":
        outcome = table["refusal_rate"]
    elif rule.outcome in frame.columns:
        outcome = frame[rule.outcome]
    else:
        return [CheckResult(check_id="genai.counterfactual_gap", status=Status.ERROR, column=rule.outcome,
                            message=f"not run: the policy's counterfactual outcome '{rule.outcome}' is neither "
                                    "'refusal' nor a column of the evaluation set")]
    return [counterfactual_gap(frame, outcome, pair_column, flag_column, rule, genai.on_straddle, confidence)]

"""Multivariate drift: can a classifier tell the current rows from the reference rows?

Per-feature tests miss a shift in how features go together (the same incomes and the same debts, paired
differently). A domain classifier (gradient-boosted trees, which find interactions) is trained to tell
reference rows from current ones and cross-validated on a seeded, capped sample of each. Its out-of-fold AUC
is 0.5 when the two are indistinguishable. It is judged by its lower confidence bound (DeLong) against the
policy's `max_auc`, so a small sample cannot alarm on noise and a large one cannot alarm on a negligible
difference. The features that separate most are named: the AUC each one's shuffling costs on the first held-out
fold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from govflow.checks.data_validation import column_kind
from govflow.checks.limits import Direction, Limit
from govflow.checks.performance import auc_delong
from govflow.checks.policy import MultivariateRule
from govflow.checks.results import CheckResult, Status
from govflow.checks.sampling import seeded_sample

# The trees take at most 255 categories a feature (a limit of scikit-learn's histogram binning, not a policy).
MAX_LEVELS = 255


def _categories(both: pd.Series, reference_rows: int) -> tuple[np.ndarray, bool]:
    """(values, categorical) of a categorical column over both samples: codes over their levels while they fit
    the trees; beyond MAX_LEVELS, each value's share of the reference rows, a number the trees can split, so a
    level the reference never held (0) or held rarely separates the samples however many levels there are
    (codes of thousands of near-unique levels only let the trees memorise, and mislead out of fold)."""
    text = both.astype("string")
    if text.nunique(dropna=True) <= MAX_LEVELS:
        codes = pd.Categorical(text).codes.astype(float)
        codes[codes < 0] = np.nan
        return codes, True
    shares = text.iloc[:reference_rows].value_counts(normalize=True)
    return text.map(shares).fillna(0.0).where(text.notna()).to_numpy(dtype=float), False


def _encode(reference: pd.DataFrame, current: pd.DataFrame, features: Sequence[str]) -> tuple[np.ndarray, list[bool]]:
    """Both samples stacked as numbers: numeric columns as they are (nulls stay NaN, which the trees route),
    datetimes as numbers, categorical ones as codes over the categories of both (or, past the trees' limit of
    levels, as each level's share of the reference); a column
    whose type differs between the samples as categories of its text, so the type change itself separates them."""
    columns, categorical = [], []
    for column in features:
        both = pd.concat([reference[column], current[column]], ignore_index=True)
        kinds = {column_kind(reference[column]), column_kind(current[column])}
        if kinds in ({"numeric"}, {"datetime"}):
            if kinds == {"datetime"}:
                stamps = pd.to_datetime(both, errors="coerce", utc=True)
                values = stamps.astype("int64").to_numpy(dtype=float)
                values[stamps.isna().to_numpy()] = np.nan
            else:
                values = pd.to_numeric(both, errors="coerce").to_numpy(dtype=float)
                values[~np.isfinite(values)] = np.nan
            columns.append(values)
            categorical.append(False)
        else:
            values, is_category = _categories(both, len(reference))
            columns.append(values)
            categorical.append(is_category)
    return np.column_stack(columns), categorical


def _model(categorical: list[bool], seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier

    # scikit-learn's annotations name only the string forms; a boolean mask per column, and a boolean for early
    # stopping, are documented too.
    mask: Any = categorical
    stop_early: Any = True
    # Early stopping on a seeded tenth of the training rows: samples a classifier cannot tell apart stop after
    # about a dozen trees instead of a hundred (a fifth of the time), and drifted ones where more trees stop
    # helping, so the out-of-fold AUC is not bought with trees that only fit noise.
    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, categorical_features=mask,
                                          early_stopping=stop_early, random_state=seed)


def domain_classifier(reference: pd.DataFrame, current: pd.DataFrame, features: Sequence[str],
                      rule: MultivariateRule, confidence: float) -> tuple[CheckResult, dict]:
    """`drift.multivariate`: FAIL when the classifier's out-of-fold AUC is, at its lower confidence bound, above
    `max_auc`; INCONCLUSIVE below `min_samples` rows a side. Returns the result and the evidence document."""
    from sklearn.model_selection import StratifiedKFold

    common = {"check_id": "drift.multivariate", "limit": rule.max_auc}
    usable = [c for c in features if c in reference.columns and c in current.columns]
    if not usable:
        return CheckResult(status=Status.ERROR, **common, message="no feature in both datasets"), {}
    ref = seeded_sample(reference[usable], rule.sample_rows, rule.seed)
    cur = seeded_sample(current[usable], rule.sample_rows, rule.seed + 1)
    if min(len(ref), len(cur)) < rule.min_samples:
        return CheckResult(status=Status.INCONCLUSIVE, n=len(cur), **common, message=(
            f"{len(ref)} reference and {len(cur)} current rows; at least {rule.min_samples} each are needed")), {}
    x, categorical = _encode(ref, cur, usable)
    y = np.r_[np.zeros(len(ref), int), np.ones(len(cur), int)]
    out_of_fold = np.empty(len(y))
    cost = np.zeros(len(usable))
    rng = np.random.default_rng(rule.seed)
    for fold, (train, test) in enumerate(StratifiedKFold(rule.folds, shuffle=True, random_state=rule.seed).split(x, y)):
        model = _model(categorical, rule.seed).fit(x[train], y[train])
        out_of_fold[test] = model.predict_proba(x[test])[:, 1]
        if fold:  # naming the features needs one held-out fold, not every one
            continue
        held = auc_delong(y[test], out_of_fold[test])[0]
        for j in range(len(usable)):
            shuffled = x[test].copy()
            shuffled[:, j] = rng.permutation(shuffled[:, j])
            cost[j] = held - auc_delong(y[test], model.predict_proba(shuffled)[:, 1])[0]
    auc, variance = auc_delong(y, out_of_fold)
    lower = auc - float(stats.norm.ppf(confidence)) * float(np.sqrt(variance))
    ranked = sorted(zip(usable, cost.tolist()), key=lambda item: -item[1])
    named = [name for name, c in ranked[:3] if c > 0.005]
    upper = min(1.0, 2 * auc - lower)
    status = Limit(rule.max_auc, Direction.AT_MOST).judge(auc, (lower, upper), rule.on_straddle)
    drifted = status is Status.FAIL
    message = (f"a classifier tells current rows from reference rows with AUC {auc:.4f} (cross-validated, "
               f"{len(ref)} + {len(cur)} rows), at least {lower:.4f} at {confidence:.0%}; drift when that exceeds "
               f"{rule.max_auc}")
    if status is not Status.PASS and not drifted:
        message += f"; its interval reaches up to {upper:.4f}, so it is not shown within the limit either"
    if named:
        message += f"; separating most: {', '.join(named)}"
    result = CheckResult(
        status=status, value=auc, ci=(lower, upper),
        n=len(cur), **common, message=message,
        hint=("the rows differ jointly from the reference, even where no single feature does: look at how the "
              "named features combine") if drifted else None)
    document = {"auc": auc, "lower_bound": lower, "rows": {"reference": len(ref), "current": len(cur)},
                "folds": rule.folds, "features": [{"feature": n, "auc_cost": c} for n, c in ranked]}
    return result, document

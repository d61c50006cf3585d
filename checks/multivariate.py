"""Multivariate drift: can a classifier tell the current rows from the reference rows?

Per-feature tests miss a shift in how features go together (the same incomes and the same debts, paired
differently). A domain classifier (gradient-boosted trees, which find interactions) is trained to tell
reference rows from current ones on part of a seeded, capped sample of each and scored on the rest: the
classifier two-sample test (Lopez-Paz and Oquab, "Revisiting classifier two-sample tests", ICLR 2017). One fit
a period, not one a fold: its held-out AUC is 0.5 when the two are indistinguishable, and DeLong's interval on
rows the classifier never saw holds given the fitted classifier, which pooled out-of-fold scores from several
classifiers only approximate. Half held out of a sample twice the size scores as many rows as five folds did,
at about a third of the time (measured in the note of this change). It is judged by its lower confidence bound
against the policy's `max_auc`, so a small sample cannot alarm on noise and a large one cannot alarm on a
negligible difference. Where the rows are not shown alike, the features that separate most are named: the AUC
each one's shuffling costs on the held-out rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
    # helping, so the held-out AUC is not bought with trees that only fit noise.
    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, categorical_features=mask,
                                          early_stopping=stop_early, random_state=seed)


@dataclass(frozen=True)
class _HeldOut:
    """One classifier fitted on a stratified, seeded part of both samples, with the `held_out` rest it scores."""

    model: Any
    x: np.ndarray  # the held-out rows, encoded
    y: np.ndarray  # 1 for a current row, 0 for a reference row
    auc: float
    variance: float  # DeLong's

    @property
    def rows(self) -> dict[str, int]:
        return {"reference": int((self.y == 0).sum()), "current": int((self.y == 1).sum())}

    def shuffling_costs(self, seed: int) -> np.ndarray:
        """The AUC each feature's shuffling among the held-out rows costs."""
        rng = np.random.default_rng(seed)
        cost = np.zeros(self.x.shape[1])
        for j in range(self.x.shape[1]):
            shuffled = self.x.copy()
            shuffled[:, j] = rng.permutation(shuffled[:, j])
            cost[j] = self.auc - auc_delong(self.y, self.model.predict_proba(shuffled)[:, 1])[0]
        return cost


def _fit_held_out(ref: pd.DataFrame, cur: pd.DataFrame, usable: list[str], rule: MultivariateRule) -> _HeldOut:
    from sklearn.model_selection import train_test_split

    x, categorical = _encode(ref, cur, usable)
    y = np.r_[np.zeros(len(ref), int), np.ones(len(cur), int)]
    train, test = train_test_split(np.arange(len(y)), test_size=rule.held_out, stratify=y, random_state=rule.seed)
    model = _model(categorical, rule.seed).fit(x[train], y[train])
    auc, variance = auc_delong(y[test], model.predict_proba(x[test])[:, 1])
    return _HeldOut(model, x[test], y[test], auc, variance)


def domain_classifier(reference: pd.DataFrame, current: pd.DataFrame, features: Sequence[str],
                      rule: MultivariateRule, confidence: float) -> tuple[CheckResult, dict]:
    """`drift.multivariate`: FAIL when the classifier's held-out AUC is, at its lower confidence bound, above
    `max_auc`; INCONCLUSIVE below `min_samples` rows a side. Returns the result and the evidence document."""
    common = {"check_id": "drift.multivariate", "limit": rule.max_auc}
    usable = [c for c in features if c in reference.columns and c in current.columns]
    if not usable:
        return CheckResult(status=Status.ERROR, **common, message="no feature in both datasets"), {}
    ref = seeded_sample(reference[usable], rule.sample_rows, rule.seed)
    cur = seeded_sample(current[usable], rule.sample_rows, rule.seed + 1)
    if min(len(ref), len(cur)) < rule.min_samples:
        return CheckResult(status=Status.INCONCLUSIVE, n=len(cur), **common, message=(
            f"{len(ref)} reference and {len(cur)} current rows; at least {rule.min_samples} each are needed")), {}
    fit = _fit_held_out(ref, cur, usable, rule)
    auc, held = fit.auc, fit.rows
    lower = auc - float(stats.norm.ppf(confidence)) * float(np.sqrt(fit.variance))
    upper = min(1.0, 2 * auc - lower)
    status = Limit(rule.max_auc, Direction.AT_MOST).judge(auc, (lower, upper), rule.on_straddle)
    drifted = status is Status.FAIL
    message = (f"a classifier tells current rows from reference rows with AUC {auc:.4f} (on {held['reference']} + "
               f"{held['current']} rows it was not trained on, of {len(ref)} + {len(cur)} sampled), at least "
               f"{lower:.4f} at {confidence:.0%}; drift when that exceeds {rule.max_auc}")
    if status is not Status.PASS and not drifted:
        message += f"; its interval reaches up to {upper:.4f}, so it is not shown within the limit either"
    document = {"auc": auc, "lower_bound": lower, "rows": {"reference": len(ref), "current": len(cur)},
                "held_out": held}
    if status is Status.PASS:
        # Rows shown alike have no separating features to name: the shuffles (one prediction of every held-out
        # row per feature, as long as the fit on a night that found nothing) are left out.
        document["features"] = [{"feature": n, "auc_cost": None} for n in usable]
        document["auc_cost"] = "not computed: the classifier did not tell the rows apart"
    else:
        ranked = sorted(zip(usable, fit.shuffling_costs(rule.seed).tolist()), key=lambda item: -item[1])
        document["features"] = [{"feature": n, "auc_cost": c} for n, c in ranked]
        if named := [name for name, c in ranked[:3] if c > 0.005]:
            message += f"; separating most: {', '.join(named)}"
    result = CheckResult(
        status=status, value=auc, ci=(lower, upper),
        n=len(cur), **common, message=message,
        hint=("the rows differ jointly from the reference, even where no single feature does: look at how the "
              "named features combine") if drifted else None)
    return result, document

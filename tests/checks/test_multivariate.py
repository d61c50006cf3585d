"""drift.multivariate (checks/multivariate.py): a joint shift no single feature shows is caught; the same
population, however large, is not."""

import numpy as np
import pandas as pd
import pytest

from govflow.checks.drift import drift_report
from govflow.checks.multivariate import domain_classifier
from govflow.checks.policy import MultivariateRule
from govflow.checks.results import Status

RULE = MultivariateRule(max_auc=0.55, sample_rows=3000, min_samples=100, held_out=0.5, seed=1)


def _population(rng, n, correlation):
    """Income and debt standard normal each, correlated by `correlation`; a region column alongside."""
    income = rng.normal(size=n)
    debt = correlation * income + np.sqrt(1 - correlation**2) * rng.normal(size=n)
    return pd.DataFrame({"income": income, "debt": debt, "region": rng.choice(list("nsew"), n)})


@pytest.fixture(scope="module")
def joint_shift():
    rng = np.random.default_rng(0)
    return _population(rng, 5000, 0.8), _population(rng, 5000, -0.8)


def test_a_joint_shift_with_unchanged_marginals_is_caught_and_its_features_named(joint_shift):
    from tests.checks.test_drift import rules

    reference, current = joint_shift
    per_feature = drift_report(reference, current, ["income", "debt", "region"], rules())
    assert {r.status for r in per_feature.results if r.check_id == "drift.feature"} == {Status.PASS}
    result, document = domain_classifier(reference, current, ["income", "debt", "region"], RULE, 0.95)
    assert result.status is Status.FAIL and result.ci[0] > 0.55 and result.value > 0.7
    assert {f["feature"] for f in document["features"][:2]} == {"income", "debt"}
    assert "income" in result.message and "debt" in result.message


def test_the_same_population_in_a_large_sample_does_not_alarm():
    rng = np.random.default_rng(1)
    reference, current = _population(rng, 50_000, 0.5), _population(rng, 50_000, 0.5)
    result, document = domain_classifier(reference, current, ["income", "debt", "region"], RULE, 0.95)
    assert result.status is Status.PASS and abs(result.value - 0.5) < 0.05
    assert document["rows"] == {"reference": 3000, "current": 3000}  # capped
    # Nothing separates the rows, so no feature is named and no shuffle was spent on naming one.
    assert all(f["auc_cost"] is None for f in document["features"]) and "separating" not in result.message


def test_too_few_rows_is_inconclusive_and_no_shared_feature_an_error():
    rng = np.random.default_rng(2)
    small = _population(rng, 50, 0.5)
    assert domain_classifier(small, small, ["income"], RULE, 0.95)[0].status is Status.INCONCLUSIVE
    assert domain_classifier(small, small.rename(columns=str.upper), ["income"], RULE, 0.95)[0].status is Status.ERROR


def test_any_cardinality_and_any_column_type_the_per_feature_checks_accept():
    """Issue 27: a categorical with more than 255 levels, a numeric reference against a text current column and
    dates are encoded, not a crash in the classifier: identical samples stay PASS, moved ones FAIL."""
    from govflow.checks.multivariate import MAX_LEVELS, _encode

    rng = np.random.default_rng(3)
    n = 1500
    levels = pd.Series([f"r{i % 1602}" for i in range(n)])
    reference = pd.DataFrame({"shop": levels, "x": rng.normal(0, 1, n),
                              "when": pd.date_range("2025-01-01", periods=n, freq="h")})
    same = reference.sample(frac=1.0, random_state=1).reset_index(drop=True)
    x, categorical = _encode(reference, same, ["shop", "x", "when"])
    assert categorical == [False, False, False] and np.allclose(x[:, 0], 1 / n)  # each level once in the reference
    few, categorical = _encode(reference.head(MAX_LEVELS), reference.head(MAX_LEVELS), ["shop"])
    assert categorical == [True] and np.nanmax(few) <= MAX_LEVELS - 1
    rule = MultivariateRule(max_auc=0.6, sample_rows=1500, min_samples=100, held_out=0.5, seed=1)
    quiet, _ = domain_classifier(reference, same, ["shop", "x"], rule, 0.95)
    assert quiet.status is Status.PASS
    moved = reference.assign(shop=[f"r{800 + i % 1602}" for i in range(n)])
    retyped = reference.assign(x=[f"{v:,.2f}" for v in reference["x"] * 1000])
    for current in (moved, retyped):
        result, _ = domain_classifier(reference, current, ["shop", "x"], rule, 0.95)
        assert result.status is Status.FAIL


def test_the_auc_is_the_held_out_rows_auc_by_scikit_learn(joint_shift):
    """One classifier, fitted on the rows not held out and scored on the `held_out` rest: the check's AUC is
    scikit-learn's ROC AUC of those scores, its interval DeLong's around it, and no held-out row was trained on."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from govflow.checks.sampling import seeded_sample

    reference, current = (frame[["income", "debt"]] for frame in joint_shift)
    rule = RULE.model_copy(update={"held_out": 0.3})
    result, document = domain_classifier(reference, current, ["income", "debt"], rule, 0.95)
    ref, cur = seeded_sample(reference, 3000, 1), seeded_sample(current, 3000, 2)  # the rule's seed, and seed + 1
    x = np.r_[ref.to_numpy(), cur.to_numpy()]
    y = np.r_[np.zeros(3000, int), np.ones(3000, int)]
    train, test = train_test_split(np.arange(6000), test_size=0.3, stratify=y, random_state=1)
    fitted = HistGradientBoostingClassifier(max_iter=100, early_stopping=True, random_state=1).fit(x[train], y[train])
    assert result.value == pytest.approx(roc_auc_score(y[test], fitted.predict_proba(x[test])[:, 1]), abs=1e-12)
    assert document["held_out"] == {"reference": 900, "current": 900} and "900 + 900 rows" in result.message
    assert result.ci[0] < result.value < result.ci[1]

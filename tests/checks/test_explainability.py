"""Permutation importance, partial dependence and ranking stability against scikit-learn and SciPy on the
same data and seeds, plus hand-worked cases."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.inspection import partial_dependence as sk_partial_dependence
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from govflow.checks.explainability import (
    explain,
    grid,
    partial_dependence,
    permutation_importance,
    rank_correlation,
    stability_result,
)
from govflow.checks.policy import ExplainabilityChecks, Rule, StabilityRule
from govflow.checks.results import Status


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    n = 600
    frame = pd.DataFrame({"income": rng.normal(50, 10, n), "debt": rng.normal(0.3, 0.1, n),
                          "noise": rng.normal(0, 1, n), "region": rng.choice(["n", "s", "e"], n)})
    logit = 0.15 * (frame["income"] - 50) - 8 * (frame["debt"] - 0.3) + 0.8 * (frame["region"] == "n")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int).to_numpy()
    prep = ColumnTransformer([("num", StandardScaler(), ["income", "debt", "noise"]),
                              ("cat", OneHotEncoder(), ["region"])])
    model = make_pipeline(prep, LogisticRegression()).fit(frame, y)
    return model, frame, y


def _predict(model):
    return lambda rows: (model.predict(rows), model.predict_proba(rows)[:, 1])


def test_importance_equals_scikit_learn(fitted):
    model, frame, y = fitted
    state = 42
    seed = np.random.RandomState(state).randint(np.iinfo(np.int32).max + 1)  # what scikit-learn derives
    reference = sk_permutation_importance(model, frame, y, scoring="roc_auc", n_repeats=6, random_state=state)
    metric, baseline, ours = permutation_importance(_predict(model), frame, y, list(frame.columns), 6, int(seed), 0.95)
    assert metric == "auc"
    assert baseline == pytest.approx(roc_auc_score(y, model.predict_proba(frame)[:, 1]), abs=1e-12)
    for i, imp in enumerate(ours):
        np.testing.assert_allclose(imp.drops, reference.importances[i], atol=1e-12)
        np.testing.assert_allclose(imp.mean, reference.importances_mean[i], atol=1e-12)
        np.testing.assert_allclose(imp.std, np.std(reference.importances[i], ddof=1), atol=1e-12)
        half = stats.t.ppf(0.975, 5) * imp.std / np.sqrt(6)
        np.testing.assert_allclose(imp.ci, (imp.mean - half, imp.mean + half))


def test_accuracy_is_the_metric_without_scores(fitted):
    model, frame, y = fitted
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max + 1)
    reference = sk_permutation_importance(model, frame, y, scoring="accuracy", n_repeats=3, random_state=0)
    metric, _, ours = permutation_importance(lambda rows: (model.predict(rows), None), frame, y,
                                             list(frame.columns), 3, int(seed), 0.95)
    assert metric == "accuracy"
    np.testing.assert_allclose([i.mean for i in ours], reference.importances_mean, atol=1e-12)


def test_an_unused_feature_has_exactly_zero_importance():
    frame = pd.DataFrame({"used": np.arange(100.0), "unused": np.random.default_rng(0).normal(size=100)})
    y = (frame["used"] > 49).astype(int).to_numpy()
    predict = lambda rows: ((rows["used"] > 49).astype(int).to_numpy(), rows["used"].to_numpy() / 100)
    _, baseline, ours = permutation_importance(predict, frame, y, ["used", "unused"], 4, 1, 0.95)
    assert baseline == 1.0
    assert ours[1].mean == 0.0 and ours[1].ci == (0.0, 0.0)
    assert ours[0].mean > 0.3


def test_labels_that_are_not_binary_are_refused_not_cast(fitted):
    model, frame, y = fitted
    labels = y.astype(float)
    labels[0] = np.nan
    with pytest.raises(ValueError, match="labels must be 0/1"):
        permutation_importance(_predict(model), frame, labels, ["income"], 2, 1, 0.95)


def test_partial_dependence_equals_scikit_learn(fitted):
    model, frame, _ = fitted
    for feature in ("income", "region"):
        at = grid(frame[feature], 7)
        reference = sk_partial_dependence(model, frame, [feature], custom_values={feature: at}, kind="average")
        ours = partial_dependence(_predict(model), frame, feature, at)
        np.testing.assert_allclose(ours, reference["average"][0], atol=1e-12)


def test_grid_spans_the_5th_to_95th_percentile_or_lists_the_values():
    values = pd.Series(np.arange(101.0))
    assert grid(values, 5) == [5.0, 27.5, 50.0, 72.5, 95.0]
    assert grid(pd.Series([1.0, 2.0, 2.0, np.nan]), 5) == [1.0, 2.0]
    assert grid(pd.Series(["b", "a", "b", None]), 5) == ["b", "a"]


def test_explain_samples_seeded_and_documents_the_top_features(fitted):
    model, frame, y = fitted
    rules = ExplainabilityChecks(sample_rows=200, repeats=3, seed=5, top_features=2, grid_points=4,
                                 importance=Rule())
    result, doc = explain(_predict(model), frame, y, list(frame.columns), rules, 0.95)
    again = explain(_predict(model), frame, y, list(frame.columns), rules, 0.95)[1]
    assert doc == again and doc["rows"] == 200 and doc["of_rows"] == 600
    assert result.check_id == "explainability.importance"
    assert result.status is Status.PASS and result.value == doc["importance"][0]["feature"]
    assert [d["feature"] for d in doc["partial_dependence"]] == [r["feature"] for r in doc["importance"][:2]]
    assert {r["feature"] for r in doc["importance"][:2]} == {"income", "debt"}


@pytest.mark.parametrize("after", [
    {"a": 3.0, "b": 2.0, "c": 1.0, "d": 0.5}, {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4},
    {"a": 1.0, "b": 3.0, "c": 3.0, "d": 0.0},
])
def test_rank_correlation_equals_scipy(after):
    before = {"a": 0.9, "b": 0.5, "c": 0.2, "d": 0.1}
    rho, shared = rank_correlation(before, after)
    assert shared == list(before)
    assert rho == pytest.approx(stats.spearmanr(list(before.values()), list(after.values())).statistic, abs=1e-12)


# Four features, before ranked a>b>c>d; swapping the last two gives rho 0.8, reversing gives -1.
@pytest.mark.parametrize(("after", "limit", "status"), [
    ({"a": 4, "b": 3, "c": 1, "d": 2}, 0.79, Status.PASS),   # just inside
    ({"a": 4, "b": 3, "c": 1, "d": 2}, 0.80, Status.PASS),   # at the limit
    ({"a": 4, "b": 3, "c": 1, "d": 2}, 0.81, Status.FAIL),   # just outside
    ({"a": 1, "b": 2, "c": 3, "d": 4}, 0.0, Status.FAIL),
])
def test_stability_boundaries(after, limit, status):
    rule = StabilityRule(min_rank_correlation=limit, min_samples=10)
    result = stability_result({"a": 0.9, "b": 0.5, "c": 0.2, "d": 0.1}, after, 50, rule)
    assert result.check_id == "explainability.stability" and result.status is status
    if status is Status.FAIL:
        assert "most moved" in result.message


def test_stability_is_inconclusive_without_a_baseline_or_rows():
    rule = StabilityRule(min_rank_correlation=0.5, min_samples=100)
    assert stability_result(None, {"a": 1.0}, 500, rule).status is Status.INCONCLUSIVE
    assert stability_result({"a": 1, "b": 0}, {"a": 1, "b": 0}, 99, rule).status is Status.INCONCLUSIVE
    assert stability_result({"a": 1, "b": 1}, {"a": 1, "b": 0}, 500, rule).status is Status.INCONCLUSIVE



def test_a_regressions_importance_is_scikit_learns_by_mean_absolute_error():
    """explainability.importance for a regression: the rise in MAE when a feature is shuffled, equal to
    scikit-learn's permutation_importance with scoring='neg_mean_absolute_error' on the same seed."""
    from sklearn.linear_model import LinearRegression

    from govflow.checks.model_task import ModelTask

    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"value": rng.gamma(4, 5000, 500), "miles": rng.normal(9000, 2500, 500),
                          "noise": rng.normal(0, 1, 500)})
    y = 300 + 0.012 * frame["value"] + 0.02 * frame["miles"] + rng.normal(0, 40, 500)
    model = LinearRegression().fit(frame, y)
    reference = sk_permutation_importance(model, frame, y, scoring="neg_mean_absolute_error", n_repeats=4,
                                          random_state=7)
    seed = int(np.random.RandomState(7).randint(np.iinfo(np.int32).max + 1))  # what scikit-learn derives
    metric, baseline, ours = permutation_importance(lambda rows: (model.predict(rows), None), frame, y.to_numpy(),
                                                    list(frame.columns), 4, seed, 0.95, ModelTask.REGRESSION)
    assert metric == "neg_mae" and baseline == pytest.approx(-np.mean(np.abs(model.predict(frame) - y)))
    for i, imp in enumerate(ours):
        assert imp.mean == pytest.approx(reference.importances_mean[i], abs=1e-9)
    assert ours[0].mean > ours[1].mean > 0 and abs(ours[2].mean) < ours[1].mean


def test_a_multiclass_models_importance_is_scikit_learns_by_accuracy_and_draws_no_partial_dependence():
    from govflow.checks.model_task import ModelTask

    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"income": rng.normal(40, 10, 600), "age": rng.uniform(18, 80, 600),
                          "noise": rng.normal(0, 1, 600)})
    logits = np.column_stack([0.1 * frame["income"] - 4, 2.5 - 0.05 * frame["age"], np.zeros(600)])
    y = np.array(["savings", "loan", "card"])[(logits + rng.gumbel(size=(600, 3))).argmax(axis=1)]
    model = LogisticRegression(max_iter=1000).fit(frame, y)
    reference = sk_permutation_importance(model, frame, y, scoring="accuracy", n_repeats=3, random_state=2)
    seed = int(np.random.RandomState(2).randint(np.iinfo(np.int32).max + 1))  # what scikit-learn derives
    _, _, ours = permutation_importance(lambda rows: (model.predict(rows), None), frame, y, list(frame.columns), 3,
                                        seed, 0.95, ModelTask.MULTICLASS)
    assert [i.mean for i in ours] == pytest.approx(list(reference.importances_mean), abs=1e-12)
    rules = ExplainabilityChecks(importance=Rule(), sample_rows=600, repeats=3, seed=2, top_features=2,
                                 grid_points=5)
    result, document = explain(lambda rows: (model.predict(rows), None), frame, y, list(frame.columns), rules, 0.95,
                               ModelTask.MULTICLASS)
    assert result.status is Status.PASS and document["partial_dependence"] == []
    assert "one probability per class" in document["partial_dependence_note"]

"""Multiclass performance and one-against-the-rest fairness (checks/multiclass.py) against scikit-learn and
Fairlearn on the same rows."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from sklearn.metrics import accuracy_score, f1_score, log_loss, recall_score

from govflow.checks.limits import at_least, at_most
from govflow.checks.multiclass import macro_f1, multiclass_fairness_results, multiclass_performance_results
from govflow.checks.results import Status

CLASSES = ["card", "loan", "savings"]


def _recommendations(n: int = 4000, seed: int = 11):
    """A product recommender that offers loans to group B far more often than the outcome warrants."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B"], size=n)
    y = rng.choice(CLASSES, size=n, p=[0.4, 0.3, 0.3])
    logits = rng.normal(0, 1, size=(n, 3)) + 2.0 * (y[:, None] == np.array(CLASSES))
    logits[:, 1] += np.where(group == "B", 1.2, 0.0)
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = np.array(CLASSES)[proba.argmax(axis=1)]
    return y, pred, proba, pd.DataFrame({"group": group})


def test_accuracy_macro_f1_log_loss_and_recall_equal_scikit_learn():
    y, pred, proba, _ = _recommendations()
    rules = {"accuracy": at_least(0.0), "macro_f1": at_least(0.0), "log_loss": at_most(10.0),
             "class_recall": at_least(0.0)}
    results = multiclass_performance_results(y, pred, proba, CLASSES, rules, 0.95, 200, 1)
    one = {r.check_id: r for r in results if r.check_id != "performance.class_recall"}
    assert one["performance.accuracy"].value == pytest.approx(accuracy_score(y, pred), abs=1e-12)
    assert one["performance.macro_f1"].value == pytest.approx(f1_score(y, pred, average="macro"), abs=1e-12)
    assert one["performance.log_loss"].value == pytest.approx(log_loss(y, proba, labels=CLASSES), abs=1e-9)
    recalls = {r.group: r.value for r in results if r.check_id == "performance.class_recall"}
    expected = recall_score(y, pred, labels=CLASSES, average=None)
    assert [recalls[c] for c in CLASSES] == pytest.approx(list(expected), abs=1e-12)
    for r in results:
        assert r.ci is not None and r.ci[0] <= r.value <= r.ci[1], r.check_id  # type: ignore[operator]


def test_macro_f1_scores_an_absent_class_zero_as_scikit_learn_does():
    y = np.array(["a", "a", "b", "b"])
    pred = np.array(["a", "c", "b", "b"])  # class c predicted once, never true
    conf = np.array([[1, 0, 1], [0, 2, 0], [0, 0, 0]])
    assert float(macro_f1(conf)) == pytest.approx(f1_score(y, pred, average="macro", zero_division=0))


@pytest.mark.parametrize(("gap", "fairlearn_gap"), [
    ("demographic_parity_difference", demographic_parity_difference),
    ("equalized_odds_difference", equalized_odds_difference),
])
def test_the_largest_one_against_the_rest_gap_equals_fairlearn_per_class(gap, fairlearn_gap):
    y, pred, _, sensitive = _recommendations()
    [result] = multiclass_fairness_results(y, pred, sensitive, CLASSES, {gap: at_most(1.0)}, 30, 0.95, 200, 1)
    per_class = {c: fairlearn_gap(y == c, pred == c, sensitive_features=sensitive["group"]) for c in CLASSES}
    worst = max(per_class, key=per_class.__getitem__)
    assert result.value == pytest.approx(per_class[worst], abs=1e-12)
    assert f"class '{worst}'" in result.message and "A " in result.message and "B " in result.message
    assert worst == "loan"  # the class the recommender pushes on group B


def test_a_recommender_that_pushes_loans_on_one_group_fails_and_a_fair_one_passes():
    y, pred, proba, sensitive = _recommendations(n=6000)
    rules = {"demographic_parity_difference": at_most(0.05)}
    [biased] = multiclass_fairness_results(y, pred, sensitive, CLASSES, rules, 30, 0.95, 300, 2)
    assert biased.status is Status.FAIL
    fair = np.array(CLASSES)[(proba * np.where(sensitive[["group"]] == "B", [1, np.exp(-1.2), 1], 1)).argmax(axis=1)]
    [passed] = multiclass_fairness_results(y, fair, sensitive, CLASSES, rules, 30, 0.95, 300, 2)
    assert passed.status is Status.PASS and passed.ci is not None and passed.ci[1] <= 0.05


def test_decisions_only_judge_demographic_parity_and_say_why_not_equalized_odds():
    _, pred, _, sensitive = _recommendations()
    rules = {"demographic_parity_difference": at_most(1.0), "equalized_odds_difference": at_most(1.0)}
    results = {r.check_id: r for r in multiclass_fairness_results(None, pred, sensitive, CLASSES, rules, 30, 0.95,
                                                                   100, 1)}
    assert results["fairness.demographic_parity_difference"].status is Status.PASS
    assert results["fairness.equalized_odds_difference"].status is Status.INCONCLUSIVE
    assert "needs outcomes" in results["fairness.equalized_odds_difference"].message


def test_a_class_the_model_never_saw_is_an_error_naming_it():
    y, pred, proba, _ = _recommendations(n=300)
    y = y.astype(object)  # room for a longer class name
    y[:5] = "mortgage"
    results = multiclass_performance_results(y, pred, proba, CLASSES, {"accuracy": at_least(0.5)}, 0.95, 100, 1,
                                             label_column="product")
    assert [r.status for r in results] == [Status.ERROR]
    assert "'mortgage'" in results[0].message and "label column 'product'" in results[0].message


def test_log_loss_without_probabilities_is_an_error_not_a_pass():
    y, pred, _, _ = _recommendations(n=300)
    [result] = multiclass_performance_results(y, pred, None, None, {"log_loss": at_most(1.0)}, 0.95, 100, 1)
    assert result.status is Status.ERROR and "no class probabilities" in result.message


def test_a_class_outside_the_models_in_the_fairness_rows_is_an_error_not_a_crash():
    y, pred, _, sensitive = _recommendations(n=300)
    pred = pred.astype(object)
    pred[:3] = "mortgage"
    results = multiclass_fairness_results(y, pred, sensitive, CLASSES, {"demographic_parity_difference": at_most(0.1)},
                                          30, 0.95, 100, 1)
    assert [r.status for r in results] == [Status.ERROR]
    assert "'mortgage'" in results[0].message
    y = y.astype(object)
    y[0] = None
    [empty] = multiclass_fairness_results(y, pred, sensitive, CLASSES, {"equalized_odds_difference": at_most(0.1)},
                                          30, 0.95, 100, 1)
    assert empty.status is Status.ERROR and "empty" in empty.message

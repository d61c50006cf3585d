"""Decay of a regression's and a multiclass model's metrics over the window against the gate's figures: the
worsening equals scikit-learn's metrics on the same rows, and is judged against its limit on its interval."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, r2_score, root_mean_squared_error

from govflow.checks.model_task import ModelTask
from govflow.checks.policy import (
    MulticlassChecks,
    MulticlassDecayRule,
    MulticlassPerformance,
    RegressionChecks,
    RegressionDecayRule,
    RegressionPerformance,
    ScaledMaximumRule,
    TierPolicy,
)
from govflow.checks.results import Status
from govflow.checks.task_decay import multiclass_decay_results, regression_decay_results
from govflow.checks.task_judging import ScoredRows, period_performance, window_decay

RULE = RegressionDecayRule(window=3, min_samples=200, max_worsening={"mae": 0.05, "rmse": 0.08, "r2": 0.05})
WINDOW = ["2026-10-05/2026-10-11", "2026-10-12/2026-10-18"]


def _premiums(rng, n, noise):
    y = rng.normal(1000, 200, n)
    return y, y + rng.normal(0, noise, n)


@pytest.fixture(scope="module")
def gate():
    y, pred = _premiums(np.random.default_rng(1), 2000, 50)
    return {"mae": mean_absolute_error(y, pred), "rmse": root_mean_squared_error(y, pred), "r2": r2_score(y, pred)}


def test_regression_decay_is_scikit_learns_worsening_and_fails_beyond_the_limit(gate):
    """performance.decay.mae, performance.decay.rmse and performance.decay.r2 on a window whose errors tripled:
    MAE rose by about 80 on premiums of mean 1,000, beyond 0.05 x 1,000 = 50."""
    y, pred = _premiums(np.random.default_rng(2), 1500, 150)
    results = {r.check_id: r for r in regression_decay_results(y, pred, gate, RULE, 1000.0, "", 0.95, 500, 7, WINDOW)}
    assert results["performance.decay.mae"].value == pytest.approx(mean_absolute_error(y, pred) - gate["mae"], abs=1e-9)
    assert results["performance.decay.rmse"].value == pytest.approx(root_mean_squared_error(y, pred) - gate["rmse"],
                                                                    abs=1e-9)
    assert results["performance.decay.r2"].value == pytest.approx(gate["r2"] - r2_score(y, pred), abs=1e-9)
    assert results["performance.decay.mae"].limit == pytest.approx(50.0)
    assert results["performance.decay.r2"].limit == pytest.approx(0.05)  # a drop of R² as it stands
    assert {r.status for r in results.values()} == {Status.FAIL}
    low, high = results["performance.decay.mae"].ci
    assert 0 < low <= results["performance.decay.mae"].value <= high
    assert "2026-10-05/2026-10-11 to 2026-10-12/2026-10-18" in results["performance.decay.mae"].message


def test_regression_decay_passes_a_window_as_good_as_the_gate(gate):
    y, pred = _premiums(np.random.default_rng(3), 1500, 50)
    results = regression_decay_results(y, pred, gate, RULE, 1000.0, "", 0.95, 500, 7, WINDOW)
    assert [r.status for r in results] == [Status.PASS] * 3
    assert all(r.ci[1] <= r.limit for r in results)  # PASS only with the whole interval within the limit


def test_regression_decay_names_what_it_cannot_judge(gate):
    """performance.decay.mae without the reference's scale is an ERROR saying why; R² is still judged. Too few
    rows, or a metric the gate never measured, INCONCLUSIVE; text outcomes an ERROR naming the column."""
    y, pred = _premiums(np.random.default_rng(4), 1500, 50)
    results = {r.check_id: r for r in regression_decay_results(
        y, pred, gate, RULE, None, "the reference data's outcomes are all zero", 0.95, 500, 7, WINDOW)}
    assert results["performance.decay.mae"].status is Status.ERROR
    assert "outcomes are all zero" in results["performance.decay.mae"].message
    assert results["performance.decay.r2"].status is Status.PASS
    few = regression_decay_results(y[:100], pred[:100], {"mae": gate["mae"]}, RULE, 1000.0, "", 0.95, 500, 7, WINDOW)
    assert {r.status for r in few} == {Status.INCONCLUSIVE}
    assert any("no validation baseline for RMSE" in r.message for r in few)
    assert any("100 labelled rows" in r.message for r in few)
    text = regression_decay_results(np.array(["£12"] * 300, dtype=object), pred[:300], gate, RULE, 1000.0, "", 0.95,
                                    500, 7, WINDOW, label_column="premium")
    assert {r.status for r in text} == {Status.ERROR} and "label column 'premium'" in text[0].message


def test_multiclass_decay_is_scikit_learns_worsening():
    """performance.decay.accuracy and performance.decay.macro_f1 of a recommender that now errs on a third of its
    rows, against a gate that erred on a tenth."""
    rng = np.random.default_rng(5)
    classes = np.array(["card", "loan", "savings"])

    def rows(n, err):
        y = rng.choice(classes, n)
        pred = np.where(rng.random(n) < err, rng.choice(classes, n), y)
        return y, pred
    y0, p0 = rows(2000, 0.1)
    gate = {"accuracy": accuracy_score(y0, p0), "macro_f1": f1_score(y0, p0, average="macro")}
    rule = MulticlassDecayRule(window=3, min_samples=200, max_worsening={"accuracy": 0.05, "macro_f1": 0.05})
    y, pred = rows(1500, 0.45)
    results = {r.check_id: r for r in multiclass_decay_results(y, pred, gate, rule, 0.95, 500, 3, WINDOW)}
    assert results["performance.decay.accuracy"].value == pytest.approx(gate["accuracy"] - accuracy_score(y, pred))
    assert results["performance.decay.macro_f1"].value == pytest.approx(
        gate["macro_f1"] - f1_score(y, pred, average="macro"))
    assert {r.status for r in results.values()} == {Status.FAIL}
    y, pred = rows(1500, 0.1)
    same = multiclass_decay_results(y, pred, gate, rule, 0.95, 500, 3, WINDOW)
    assert {r.status for r in same} <= {Status.PASS, Status.WARN} and Status.PASS in {r.status for r in same}


def _tier(task: ModelTask) -> TierPolicy:
    return TierPolicy(
        regression=RegressionChecks(performance=RegressionPerformance(
            resamples=200, seed=1, mae=ScaledMaximumRule(max_relative=0.1, min_samples=100), decay=RULE)),
        multiclass=MulticlassChecks(performance=MulticlassPerformance(resamples=200, seed=1))).for_task(task)


def test_a_monitoring_period_is_judged_by_the_tasks_rules_and_its_window_by_the_tasks_decay(gate):
    """performance.mae per period, with its limit set from the reference outcomes as at the gate; the window's
    decay by the regression rule, not a classifier's."""
    rng = np.random.default_rng(6)
    y, pred = _premiums(rng, 600, 50)
    rows = ScoredRows(y, pred, None, pd.DataFrame(index=range(600)), raw=pred, reference_y=np.full(10, 1000.0),
                      probabilities_expected=False)
    tier = _tier(ModelTask.REGRESSION)
    judged = period_performance(rows, tier, 0.95)
    assert [r.check_id for r in judged] == ["performance.mae"]
    assert judged[0].value == pytest.approx(mean_absolute_error(y, pred)) and judged[0].limit == pytest.approx(100.0)
    decayed = window_decay(rows, gate, tier, 0.95, WINDOW)
    assert [r.check_id for r in decayed] == ["performance.decay.mae", "performance.decay.rmse", "performance.decay.r2"]
    assert window_decay(rows, gate, _tier(ModelTask.MULTICLASS), 0.95, WINDOW) == []  # the tier sets no decay


def test_a_multiclass_period_of_logged_decisions_leaves_log_loss_inconclusive_saying_why():
    """performance.log_loss needs class probabilities; a monitoring period's logged decisions never carry them,
    so it is INCONCLUSIVE naming that (at the gate, a model without them is an ERROR); accuracy is judged."""
    from govflow.checks.policy import LossRule, MinimumRule

    tier = TierPolicy(multiclass=MulticlassChecks(performance=MulticlassPerformance(
        resamples=200, seed=1, accuracy=MinimumRule(min=0.5, min_samples=50),
        log_loss=LossRule(max=1.0, min_samples=50)))).for_task(ModelTask.MULTICLASS)
    y = np.array(["card", "loan", "savings"] * 100)
    rows = ScoredRows(y, y, None, pd.DataFrame(index=range(300)), probabilities_expected=False)
    judged = {r.check_id: r for r in period_performance(rows, tier, 0.95)}
    assert judged["performance.log_loss"].status is Status.INCONCLUSIVE
    assert "class probabilities" in judged["performance.log_loss"].message
    assert judged["performance.accuracy"].status is Status.PASS
    at_gate = {r.check_id: r for r in period_performance(ScoredRows(y, y, None, pd.DataFrame(index=range(300))),
                                                         tier, 0.95)}
    assert at_gate["performance.log_loss"].status is Status.ERROR

"""Regression performance and fairness (checks/regression.py) against scikit-learn, Fairlearn's MetricFrame and
SciPy on the same rows, and the bootstrap intervals' coverage by simulation."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame
from scipy import stats
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

from govflow.checks.limits import Straddle, at_least, at_most
from govflow.checks.regression import (
    absolute_interval,
    bootstrap_metrics,
    mean_residual,
    percentile_interval,
    point_metrics,
    regression_fairness_results,
    regression_performance_results,
)
from govflow.checks.results import Status


def _claims(n: int = 3000, seed: int = 7) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Claim severities with a model that over-predicts for the young band and under-predicts for the old."""
    rng = np.random.default_rng(seed)
    band = rng.choice(["18-30", "31-50", "51+"], size=n, p=[0.3, 0.5, 0.2])
    region = rng.choice(["north", "south"], size=n)
    y = rng.gamma(2.0, 1500.0, size=n) + np.where(band == "51+", 800.0, 0.0)
    bias = np.select([band == "18-30", band == "51+"], [400.0, -300.0], 0.0)
    pred = y + bias + rng.normal(0, 600, size=n)
    return y, pred, pd.DataFrame({"age_band": band, "region": region})


def test_mae_rmse_and_r2_equal_scikit_learn():
    y, pred, _ = _claims()
    ours = point_metrics(y, pred)
    assert ours["mae"] == pytest.approx(mean_absolute_error(y, pred), abs=1e-9)
    assert ours["rmse"] == pytest.approx(root_mean_squared_error(y, pred), abs=1e-9)
    assert ours["r2"] == pytest.approx(r2_score(y, pred), abs=1e-12)


@pytest.mark.parametrize(("gap", "figure", "method"), [
    ("mae_difference", mean_absolute_error, "difference"),
    ("mean_prediction_ratio", lambda y, p: float(np.mean(p)), "ratio"),
    ("mean_residual_difference", lambda y, p: float(np.mean(p - y)), "difference"),
])
def test_each_group_gap_equals_fairlearns_metricframe(gap, figure, method):
    y, pred, sensitive = _claims()
    results, _ = regression_fairness_results(y, pred, sensitive, {gap: at_most(10_000.0)}, 30, 0.95, 200, 1)
    for feature in sensitive.columns:
        frame = MetricFrame(metrics=figure, y_true=y, y_pred=pred, sensitive_features=sensitive[feature])
        expected = frame.difference() if method == "difference" else frame.ratio()
        [ours] = [r for r in results if r.group == feature]
        assert ours.value == pytest.approx(expected, abs=1e-9), feature


def test_the_group_table_equals_metricframes_by_group():
    y, pred, sensitive = _claims()
    _, table = regression_fairness_results(y, pred, sensitive, {"mae_difference": at_most(1e9)}, 30, 0.95, 100, 1)
    frame = MetricFrame(metrics={"mae": mean_absolute_error, "mean_prediction": lambda y, p: float(np.mean(p))},
                        y_true=y, y_pred=pred, sensitive_features=sensitive["age_band"])
    for row in (r for r in table if r.feature == "age_band"):
        assert row.mae == pytest.approx(frame.by_group.loc[row.group, "mae"], abs=1e-9)
        assert row.mean_prediction == pytest.approx(frame.by_group.loc[row.group, "mean_prediction"], abs=1e-9)
        assert row.n == int((sensitive["age_band"] == row.group).sum())


def test_the_mean_residuals_interval_is_scipys_one_sample_t_interval():
    y, pred, _ = _claims(n=400)
    value, ci = mean_residual(y, pred, 0.9)
    expected = stats.ttest_1samp(pred - y, 0.0).confidence_interval(0.9)
    assert value == pytest.approx(float(np.mean(pred - y)))
    assert ci == pytest.approx((expected.low, expected.high), abs=1e-9)


def test_the_bootstrap_interval_of_mae_covers_the_population_value_about_as_often_as_it_says():
    # Residuals N(0, 10): the population MAE is 10 * sqrt(2 / pi). 300 data sets of 200 rows, 95% intervals.
    rng, truth, covered = np.random.default_rng(3), 10 * np.sqrt(2 / np.pi), 0
    for i in range(300):
        y = rng.normal(50, 5, size=200)
        pred = y + rng.normal(0, 10, size=200)
        low, high = percentile_interval(bootstrap_metrics(y, pred, 400, seed=i)["mae"], 0.95)  # type: ignore[misc]
        covered += low <= truth <= high
    # 95% of 300 is 285 (binomial sd 3.8); a percentile bootstrap under-covers a little at 200 rows.
    assert 270 <= covered <= 296, covered


def test_a_biased_model_fails_the_residual_gap_and_a_fair_one_passes_it():
    y, pred, sensitive = _claims(n=4000)
    rules = {"mean_residual_difference": at_most(150.0)}
    biased, _ = regression_fairness_results(y, pred, sensitive[["age_band"]], rules, 30, 0.95, 300, 2)
    assert biased[0].status is Status.FAIL and biased[0].value == pytest.approx(700, abs=120)
    fair_pred = y + np.random.default_rng(5).normal(0, 600, size=len(y))
    fair, _ = regression_fairness_results(y, fair_pred, sensitive[["age_band"]], rules, 30, 0.95, 300, 2)
    assert fair[0].status is Status.PASS
    assert fair[0].ci is not None and fair[0].ci[1] <= 150.0  # a PASS has its whole interval within the limit


def test_a_gap_whose_interval_straddles_the_limit_is_never_a_pass():
    y, pred, sensitive = _claims(n=600)
    value = regression_fairness_results(y, pred, sensitive[["age_band"]], {"mae_difference": at_most(1e9)}, 30,
                                        0.95, 300, 4)[0][0]
    assert value.ci is not None and value.ci[0] < value.value < value.ci[1]
    limit = (value.ci[0] + value.ci[1]) / 2  # inside the interval
    for straddle, expected in ((Straddle.INCONCLUSIVE, Status.INCONCLUSIVE), (Straddle.WARN, Status.WARN)):
        [judged], _ = regression_fairness_results(y, pred, sensitive[["age_band"]], {"mae_difference": at_most(limit)},
                                                  30, 0.95, 300, 4, straddle)
        assert judged.status is expected


def test_decisions_without_outcomes_judge_the_mean_prediction_ratio_only():
    _, offered, sensitive = _claims()
    rules = {"mean_prediction_ratio": at_least(0.8), "mae_difference": at_most(100.0)}
    results, table = regression_fairness_results(None, offered, sensitive[["age_band"]], rules, 30, 0.95, 200, 1)
    by_id = {r.check_id: r for r in results}
    frame = MetricFrame(metrics=lambda y, p: float(np.mean(p)), y_true=offered, y_pred=offered,
                        sensitive_features=sensitive["age_band"])
    assert by_id["fairness.mean_prediction_ratio"].value == pytest.approx(frame.ratio(), abs=1e-9)
    assert by_id["fairness.mae_difference"].status is Status.INCONCLUSIVE
    assert "needs outcomes" in by_id["fairness.mae_difference"].message
    assert all(row.mae is None for row in table)


def test_small_groups_are_left_out_and_one_group_left_is_inconclusive():
    y, pred, sensitive = _claims(n=500)
    results, table = regression_fairness_results(y, pred, sensitive[["age_band"]], {"mae_difference": at_most(1e9)},
                                                 200, 0.95, 100, 1)
    assert [r.status for r in results] == [Status.INCONCLUSIVE]
    assert "two are needed" in results[0].message
    assert {row.group for row in table if row.left_out} == {"18-30", "51+"}


def test_performance_is_judged_with_intervals_and_the_mean_residual_by_its_size():
    y, pred, _ = _claims()
    rules = {"mae": at_most(900.0), "rmse": at_most(2000.0), "r2": at_least(0.5), "mean_residual": at_most(20.0)}
    results = {r.check_id: r for r in regression_performance_results(y, pred, rules, 0.95, 300, 1)}
    assert results["performance.mae"].value == pytest.approx(mean_absolute_error(y, pred))
    for check in ("performance.mae", "performance.rmse", "performance.r2"):
        low, high = results[check].ci  # type: ignore[misc]
        assert low <= results[check].value <= high, check
    residual = results["performance.mean_residual"]
    assert residual.value == pytest.approx(abs(np.mean(pred - y)))
    assert residual.status is Status.FAIL  # about 60 too high on average (young +400, old -300): not within 20
    assert "mean residual" in residual.message


@pytest.mark.parametrize(("labels", "needle"), [
    (np.array(["1200", "n/a", "900"] * 20, dtype=object), "label column 'severity' must be numbers"),
    (np.array([1200.0, np.nan, 900.0] * 20), "label column 'severity' holds 20 empty value(s)"),
    (np.array([1200.0, np.inf, 900.0] * 20), "label column 'severity' holds 20 infinite value(s)"),
])
def test_outcomes_that_are_not_numbers_are_an_error_naming_the_column(labels, needle):
    results = regression_performance_results(labels, np.full(len(labels), 1000.0), {"mae": at_most(10.0)}, 0.95, 100,
                                             1, label_column="severity")
    assert [r.status for r in results] == [Status.ERROR]
    assert needle in results[0].message


def test_constant_outcomes_leave_r2_undefined_not_passed():
    y = np.full(100, 500.0)
    [r2] = regression_performance_results(y, y + 1.0, {"r2": at_least(0.0)}, 0.95, 100, 1)
    assert r2.status is Status.INCONCLUSIVE and "undefined" in r2.message


def test_absolute_interval_of_a_signed_one():
    assert absolute_interval((-3.0, 1.0)) == (0.0, 3.0)
    assert absolute_interval((-5.0, -2.0)) == (2.0, 5.0)
    assert absolute_interval((2.0, 4.0)) == (2.0, 4.0)

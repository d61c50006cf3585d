"""Direct loss estimation (checks/loss_estimation.py) against NannyML's DLE on its shipped car-price data, per
chunk, and against the errors the chunks turned out to have."""

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, root_mean_squared_error

from govflow.checks.loss_estimation import (
    LossEstimate,
    estimated_loss_results,
    fit_loss_model,
    judge_loss_estimates,
    loss_estimation_error_results,
)
from govflow.checks.policy import RegressionEstimatedRule, RegressionEstimationErrorRule, RegressionPerformance
from govflow.checks.results import Status

FEATURES = ["car_age", "km_driven", "price_new", "accident_count", "door_count", "fuel", "transmission"]
CHUNK = 6000


@pytest.fixture(scope="module")
def car_prices():
    import nannyml as nml

    reference, analysis, targets = nml.load_synthetic_car_price_dataset()
    theirs = nml.DLE(feature_column_names=FEATURES, y_pred="y_pred", y_true="y_true", metrics=["mae", "rmse"],
                     chunk_size=CHUNK).fit(reference).estimate(analysis).filter(period="analysis").to_df()
    ours = fit_loss_model(reference, FEATURES, reference["y_true"].to_numpy(), reference["y_pred"].to_numpy())
    realised = analysis.merge(targets, on="id")
    return analysis, realised, theirs, ours


def test_each_chunks_estimate_and_band_are_within_2_percent_of_nannymls(car_prices):
    analysis, _, theirs, ours = car_prices
    chunks = len(analysis) // CHUNK
    assert chunks == len(theirs) == 10
    for i in range(chunks):
        rows = analysis.iloc[i * CHUNK:(i + 1) * CHUNK]
        for estimate in ours.estimate(rows, rows["y_pred"].to_numpy()):
            expected = theirs[(estimate.loss, "value")].iloc[i]
            assert estimate.value == pytest.approx(expected, rel=0.02), (i, estimate.loss)
            assert estimate.band[0] == pytest.approx(theirs[(estimate.loss, "lower_confidence_boundary")].iloc[i],
                                                     rel=0.02), (i, estimate.loss)
            assert estimate.band[1] == pytest.approx(theirs[(estimate.loss, "upper_confidence_boundary")].iloc[i],
                                                     rel=0.02), (i, estimate.loss)
            assert estimate.n == CHUNK


def test_the_estimates_follow_the_errors_the_chunks_turned_out_to_have(car_prices):
    _, realised, _, ours = car_prices
    estimated, actual = [], []
    for i in range(len(realised) // CHUNK):
        rows = realised.iloc[i * CHUNK:(i + 1) * CHUNK]
        mae = next(e for e in ours.estimate(rows, rows["y_pred"].to_numpy()) if e.loss == "mae")
        estimated.append(mae.value)
        actual.append(float(np.mean(np.abs(rows["y_true"] - rows["y_pred"]))))
    # The car-price analysis data degrades in its second half; the estimate sees it without any outcome.
    assert np.corrcoef(estimated, actual)[0, 1] > 0.9
    assert max(abs(e - a) / a for e, a in zip(estimated, actual, strict=True)) < 0.05


def test_too_few_or_non_numeric_reference_rows_are_refused_naming_why(car_prices):
    _, realised, _, _ = car_prices
    few = realised.head(50)
    with pytest.raises(ValueError, match="50 labelled reference rows"):
        fit_loss_model(few, FEATURES, few["y_true"].to_numpy(), few["y_pred"].to_numpy())
    y = realised["y_true"].to_numpy().copy()
    y[3] = np.nan
    with pytest.raises(ValueError, match="finite numbers"):
        fit_loss_model(realised, FEATURES, y, realised["y_pred"].to_numpy())


def _estimates(mae, band, n=600):
    return [LossEstimate("mae", mae, band, n), LossEstimate("rmse", mae * 1.25, (band[0] * 1.25, band[1] * 1.25), n)]


def test_an_estimated_error_is_held_to_the_gates_figure_plus_the_allowed_worsening():
    """performance.estimated.mae and performance.estimated.rmse: gate MAE 100 on premiums of mean 1,000, 0.05
    allowed, so at most 150: an estimate of 200 [180, 220] fails, 120 [110, 130] passes, 145 [130, 160] straddles
    the limit and warns; too few rows waiting, INCONCLUSIVE; no scale, an ERROR saying why."""
    rule = RegressionEstimatedRule(min_samples=200, max_worsening={"mae": 0.05, "rmse": 0.05})
    baseline = {"mae": 100.0, "rmse": 125.0}

    def judged(mae, band, n=600, scale=1000.0):
        return {r.check_id: r for r in estimated_loss_results(_estimates(mae, band, n), baseline, rule, scale,
                                                              "the reference data has no label column", "w42")}
    assert judged(200.0, (180.0, 220.0))["performance.estimated.mae"].status is Status.FAIL
    passed = judged(120.0, (110.0, 130.0))
    assert passed["performance.estimated.mae"].status is Status.PASS
    assert passed["performance.estimated.mae"].limit == pytest.approx(150.0)
    assert passed["performance.estimated.rmse"].limit == pytest.approx(175.0)
    assert judged(145.0, (130.0, 160.0))["performance.estimated.mae"].status is Status.WARN
    few = judged(120.0, (110.0, 130.0), n=150)
    assert {r.status for r in few.values()} == {Status.INCONCLUSIVE}
    assert "150 rows awaiting outcomes in w42" in few["performance.estimated.mae"].message
    unscaled = judged(120.0, (110.0, 130.0), scale=None)
    assert {r.status for r in unscaled.values()} == {Status.ERROR}
    assert "no label column" in unscaled["performance.estimated.mae"].message


def test_the_estimation_error_is_the_realised_error_less_the_estimate():
    """performance.estimation_error.mae and performance.estimation_error.rmse, realised by scikit-learn on the
    same rows; a miss beyond 0.03 x the scale fails."""
    rng = np.random.default_rng(3)
    y = rng.normal(1000, 200, 800)
    pred = y + rng.normal(0, 100, 800)
    mae, rmse = mean_absolute_error(y, pred), root_mean_squared_error(y, pred)
    rule = RegressionEstimationErrorRule(max_error={"mae": 0.03, "rmse": 0.03})
    close = [LossEstimate("mae", mae + 10, (mae, mae + 20), 800), LossEstimate("rmse", rmse - 50, (rmse - 60, rmse), 800)]
    results = {r.check_id: r for r in loss_estimation_error_results(y, pred, close, rule, 1000.0, "", "w42")}
    assert results["performance.estimation_error.mae"].value == pytest.approx(-10.0)
    assert results["performance.estimation_error.mae"].status is Status.PASS
    assert results["performance.estimation_error.rmse"].value == pytest.approx(50.0)
    assert results["performance.estimation_error.rmse"].status is Status.FAIL  # 50 > 0.03 x 1,000
    assert "concept drift" in results["performance.estimation_error.rmse"].hint


def test_a_nights_loss_estimates_on_the_car_prices_follow_nannymls_and_say_what_was_learned(car_prices):
    """judge_loss_estimates on two of the car-price chunks awaiting outcomes, the estimator learned on the
    reference: each estimate is the fitted model's (itself NannyML's to 2%), judged against the reference's own
    error plus the allowed worsening; the evidence names the inputs and the band."""
    analysis, _, theirs, ours = car_prices
    performance = RegressionPerformance(resamples=200, seed=1, estimated=RegressionEstimatedRule(
        min_samples=1000, max_worsening={"mae": 0.02, "rmse": 0.02}))
    waiting = [(f"chunk{i}", analysis.iloc[i * CHUNK:(i + 1) * CHUNK]) for i in (0, 9)]
    import nannyml as nml

    reference_y = nml.load_synthetic_car_price_dataset()[0]["y_true"].to_numpy()
    run = judge_loss_estimates(ours, waiting, [], performance, {"mae": 850.0, "rmse": 1100.0}, reference_y,
                               "y_true", "y_pred")
    ceiling = 850.0 + 0.02 * float(np.mean(np.abs(reference_y)))
    for i, (period, results) in zip((0, 9), run.results, strict=True):
        judged = {r.check_id: r for r in results}
        mae = judged["performance.estimated.mae"]
        assert period == f"chunk{i}" and mae.n == CHUNK
        assert mae.value == pytest.approx(theirs[("mae", "value")].iloc[i], rel=0.02)
        assert mae.limit == pytest.approx(ceiling)
        assert mae.status is (Status.PASS if mae.ci[1] <= ceiling else Status.FAIL if mae.ci[0] > ceiling
                              else Status.WARN)
    assert run.document["inputs"] == FEATURES and len(run.document["estimates"]) == 4


def test_a_gap_in_error_between_groups_is_estimated_before_the_outcomes_arrive():
    """fairness.estimated.mae_difference: premiums for region 'b' are three times as noisy; learned on the
    reference, the loss model's per-group MAE on rows without outcomes gives a gap whose band holds the one
    Fairlearn's MetricFrame measures once the outcomes arrive, and beyond its limit the estimate fails."""
    import pandas as pd
    from fairlearn.metrics import MetricFrame

    from govflow.checks.loss_estimation import estimated_gap_results
    from govflow.checks.policy import RegressionEstimatedFairnessRule, RegressionFairness, ScaledMaximumRule

    rng = np.random.default_rng(8)

    def quotes(n):
        frame = pd.DataFrame({"value": rng.gamma(4, 5000, n), "region": rng.choice(["a", "b"], n)})
        truth = 300 + 0.012 * frame["value"]
        frame["premium"] = truth + rng.normal(0, np.where(frame["region"] == "b", 60, 20))
        frame["quoted"] = truth
        return frame
    reference, waiting = quotes(4000), quotes(1500)
    model = fit_loss_model(reference, ["value", "region"], reference["premium"].to_numpy(),
                           reference["quoted"].to_numpy())
    fairness = RegressionFairness(min_group_size=100, max_groups=10, resamples=200, seed=1, on_straddle="WARN",
                                  mae_difference=ScaledMaximumRule(max_relative=0.02))
    rule = RegressionEstimatedFairnessRule(gaps=("mae_difference",))
    scale = float(np.mean(np.abs(reference["premium"])))
    [result], table = estimated_gap_results(model, waiting, waiting["quoted"].to_numpy(), ["region"], fairness, rule,
                                            scale, "")
    realised = MetricFrame(metrics=lambda t, p: float(np.mean(np.abs(t - p))), y_true=waiting["premium"],
                           y_pred=waiting["quoted"], sensitive_features=waiting["region"]).difference()
    assert result.ci[0] <= realised <= result.ci[1] and result.value == pytest.approx(realised, rel=0.15)
    assert result.limit == pytest.approx(0.02 * scale) and result.status is Status.FAIL  # ~32 against ~15
    assert result.ci[0] <= result.value <= result.ci[1] and "(a " in result.message
    assert {row["group"] for row in table} == {"a", "b"}
    unscaled, _ = estimated_gap_results(model, waiting, waiting["quoted"].to_numpy(), ["region"], fairness, rule,
                                        None, "the reference data's outcomes are all zero")
    assert unscaled[0].status is Status.ERROR and "all zero" in unscaled[0].message

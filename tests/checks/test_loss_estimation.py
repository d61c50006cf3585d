"""Direct loss estimation (checks/loss_estimation.py) against NannyML's DLE on its shipped car-price data, per
chunk, and against the errors the chunks turned out to have."""

import numpy as np
import pytest

from govflow.checks.loss_estimation import fit_loss_model

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

"""Multiclass confidence-based estimation (checks/class_estimation.py) against NannyML's multiclass CBPE on its
shipped credit-card data, per chunk, and against what the chunks' outcomes turned out to be; its judgements by
hand."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from govflow.checks.class_estimation import (
    ScoredPeriod,
    estimate_classes,
    fit_class_calibration,
    judge_class_estimates,
)
from govflow.checks.policy import MulticlassEstimatedRule, MulticlassEstimationErrorRule, MulticlassPerformance
from govflow.checks.results import Status

CLASSES = ["highstreet_card", "prepaid_card", "upmarket_card"]
COLUMNS = [f"y_pred_proba_{c}" for c in CLASSES]
CHUNK = 6000


@pytest.fixture(scope="module")
def cards():
    import nannyml as nml

    reference, analysis, targets = nml.load_synthetic_multiclass_classification_dataset()
    theirs = nml.CBPE(y_pred_proba=dict(zip(CLASSES, COLUMNS, strict=True)), y_pred="y_pred", y_true="y_true",
                      problem_type="classification_multiclass", metrics=["accuracy", "f1"], chunk_size=CHUNK
                      ).fit(reference).estimate(analysis).filter(period="analysis").to_df()
    ours = fit_class_calibration(reference["y_true"].to_numpy(), reference[COLUMNS].to_numpy(), CLASSES)
    return analysis, analysis.merge(targets, on="id"), theirs, ours


def _chunks(frame):
    return [frame.iloc[i * CHUNK:(i + 1) * CHUNK] for i in range(len(frame) // CHUNK)]


def test_each_chunks_estimated_accuracy_and_macro_f1_are_within_half_a_percent_of_nannymls(cards):
    analysis, _, theirs, ours = cards
    assert len(_chunks(analysis)) == len(theirs) == 10
    for i, rows in enumerate(_chunks(analysis)):
        found = estimate_classes(ours(rows[COLUMNS].to_numpy()), rows["y_pred"].to_numpy(), CLASSES, 0.95, 200, 0)
        assert found["accuracy"].value == pytest.approx(theirs[("accuracy", "value")].iloc[i], rel=0.005), i
        assert found["macro_f1"].value == pytest.approx(theirs[("f1", "value")].iloc[i], rel=0.005), i
        low, high = found["accuracy"].band
        assert low < found["accuracy"].value < high and found["accuracy"].n == CHUNK
        # NannyML's band is ±3 sampling errors; ours is the 95% band of simulated outcomes: inside theirs.
        assert theirs[("accuracy", "lower_confidence_boundary")].iloc[i] < low
        assert high < theirs[("accuracy", "upper_confidence_boundary")].iloc[i]


def test_the_estimates_follow_the_outcomes_until_the_concept_drifts(cards):
    """In the first half the estimate is what the outcomes turn out to be; the second half also changes how
    outcomes follow the probabilities (concept drift), and realised accuracy falls below the estimate: what
    performance.estimation_error exists to catch."""
    _, realised, _, ours = cards
    for i, rows in enumerate(_chunks(realised)):
        found = estimate_classes(ours(rows[COLUMNS].to_numpy()), rows["y_pred"].to_numpy(), CLASSES, 0.95, 200, 0)
        accuracy = accuracy_score(rows["y_true"], rows["y_pred"])
        if i < 5:
            assert found["accuracy"].value == pytest.approx(accuracy, abs=0.01), i
            assert found["macro_f1"].value == pytest.approx(f1_score(rows["y_true"], rows["y_pred"], average="macro"),
                                                            abs=0.01), i
        else:
            assert accuracy < found["accuracy"].band[0], i


def test_a_nights_class_estimates_are_judged_against_the_gate_and_compared_once_outcomes_arrive(cards):
    """performance.estimated.accuracy and performance.estimated.macro_f1 for a healthy and a degraded chunk against
    a gate of 0.76 with 0.05 allowed: the healthy one passes, the degraded one (about 0.64) fails;
    performance.estimation_error.macro_f1 for a chunk whose outcomes arrived is its realised macro F1 less the
    estimate, and performance.estimation_error.accuracy fails where the concept drifted."""
    _, realised, _, ours = cards
    performance = MulticlassPerformance(
        resamples=200, seed=1,
        estimated=MulticlassEstimatedRule(min_samples=1000, max_worsening={"accuracy": 0.05, "macro_f1": 0.05},
                                          draws=200),
        estimation_error=MulticlassEstimationErrorRule(max_error={"accuracy": 0.03, "macro_f1": 0.03}))
    chunks = _chunks(realised)

    def scored(i, labelled=False):
        rows = chunks[i]
        return ScoredPeriod(f"chunk{i}", rows[COLUMNS].to_numpy(), rows["y_pred"].to_numpy(),
                            rows["y_true"].to_numpy() if labelled else None)
    run = judge_class_estimates(ours, [scored(0), scored(9)], [scored(2, labelled=True), scored(7, labelled=True)],
                                performance,
                                {"accuracy": 0.76, "macro_f1": 0.76}, 0.95)
    by = {(period, r.check_id): r for period, results in run.results for r in results}
    assert by[("chunk0", "performance.estimated.accuracy")].status is Status.PASS
    assert by[("chunk9", "performance.estimated.accuracy")].status is Status.FAIL
    assert by[("chunk9", "performance.estimated.macro_f1")].status is Status.FAIL
    assert by[("chunk9", "performance.estimated.macro_f1")].limit == pytest.approx(0.71)
    miss = by[("chunk2", "performance.estimation_error.macro_f1")]
    estimate = estimate_classes(ours(chunks[2][COLUMNS].to_numpy()), chunks[2]["y_pred"].to_numpy(), CLASSES, 0.95,
                                200, 0)["macro_f1"].value
    assert miss.value == pytest.approx(f1_score(chunks[2]["y_true"], chunks[2]["y_pred"], average="macro") - estimate)
    assert miss.status is Status.PASS
    drifted = by[("chunk7", "performance.estimation_error.accuracy")]
    assert drifted.status is Status.FAIL and "concept drift" in drifted.hint
    assert [c["class"] for c in run.document["calibration"]] == CLASSES


def test_outcomes_or_predictions_with_a_class_the_model_does_not_know_are_named():
    proba = np.full((300, 2), 0.5)
    with pytest.raises(ValueError, match=r"class\(es\) \['gold'\] the model does not give probabilities for"):
        fit_class_calibration(np.array(["a", "b", "gold"] * 100), proba, ["a", "b"])
    with pytest.raises(ValueError, match=r"predicted class\(es\) \['gold'\]"):
        estimate_classes(proba, np.array(["a", "gold"] * 150), ["a", "b"], 0.95, 100, 0)

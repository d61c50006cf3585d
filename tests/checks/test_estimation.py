"""Performance and fairness estimated before outcomes arrive (checks/estimation.py): a hand-worked case,
an independent AUC computation, the bands' coverage, and NannyML's own CBPE as the oracle per chunk."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from govflow.checks.estimation import (
    calibration_error,
    estimate_gaps,
    estimate_performance,
    estimated_fairness_results,
    estimated_performance_results,
    estimation_error_results,
    expected_auc,
    fit_calibrator,
    fit_group_calibrators,
    group_labels,
)
from govflow.checks.policy import EstimatedFairnessRule, EstimatedRule, EstimationErrorRule
from govflow.checks.results import Status
from tests.checks.policies import fairness_rules


def test_hand_worked_expected_confusion_matrix():
    p = np.array([0.9, 0.8, 0.3, 0.2, 0.6])
    pred = np.array([1, 1, 0, 0, 1])
    got = estimate_performance(p, pred, p, 0.95, draws=200, seed=0)
    # Expected TP = .9+.8+.6 = 2.3, FP = .1+.2+.4 = .7, FN = .3+.2 = .5, TN = .7+.8 = 1.5
    assert got["accuracy"].value == pytest.approx((2.3 + 1.5) / 5)
    assert got["precision"].value == pytest.approx(2.3 / 3.0)
    assert got["recall"].value == pytest.approx(2.3 / 2.8)


def test_expected_auc_is_the_auc_of_every_row_counted_positive_and_negative_by_its_probability():
    rng = np.random.default_rng(3)
    score = np.round(rng.random(2000), 2)  # ties on purpose
    p = np.clip(score + rng.normal(0, 0.05, 2000), 0, 1)
    weighted = roc_auc_score(np.r_[np.ones(2000), np.zeros(2000)], np.r_[score, score], sample_weight=np.r_[p, 1 - p])
    assert expected_auc(p, score) == pytest.approx(weighted, abs=1e-12)


def test_the_bands_cover_what_the_outcomes_realise():
    rng = np.random.default_rng(5)
    n, trials = 1500, 400
    p = rng.beta(2, 3, n)
    pred = (p > 0.4).astype(int)
    est = estimate_performance(p, pred, p, 0.9, draws=2000, seed=1)
    inside = {m: 0 for m in ("accuracy", "precision", "recall", "auc")}
    for _ in range(trials):
        y = (rng.random(n) < p).astype(int)
        realised = {"accuracy": (y == pred).mean(), "precision": y[pred == 1].mean(), "recall": pred[y == 1].mean(),
                    "auc": roc_auc_score(y, p)}
        for metric, value in realised.items():
            low, high = est[metric].band
            inside[metric] += low <= value <= high
    for metric, hits in inside.items():
        assert 0.84 <= hits / trials <= 0.96, (metric, hits / trials)


def test_calibration_is_applied_only_where_it_lowers_the_calibration_error():
    rng = np.random.default_rng(0)
    truth = rng.random(20000)
    y = (rng.random(20000) < truth).astype(int)
    # Already calibrated: the held-out error moves by noise either way, and the map stays near the identity.
    assert np.abs(fit_calibrator(y, truth)(truth) - truth).mean() < 0.02
    assert not fit_calibrator(np.ones(1000), truth[:1000]).applied  # one class: nothing to calibrate on
    squashed = truth**3  # monotone but far from calibrated
    calibrator = fit_calibrator(y, squashed)
    assert calibrator.applied and calibrator.error_after < calibrator.error_before
    assert calibration_error(y, calibrator(squashed), 10) < 0.01 < calibration_error(y, squashed, 10)


def _rules(**extra):
    return EstimatedRule(max_worsening={"auc": 0.05, "accuracy": 0.05}, min_samples=100, **extra)


def test_estimated_performance_is_judged_against_the_baseline_like_decay():
    rng = np.random.default_rng(1)
    p = rng.beta(2, 2, 5000)
    pred = (p > 0.5).astype(int)
    auc = expected_auc(p, p)
    good = estimated_performance_results(p, pred, p, {"auc": auc, "accuracy": 0.7}, _rules(), 0.95, "2026-10")
    assert {r.check_id: r.status for r in good} == {"performance.estimated.auc": Status.PASS,
                                                   "performance.estimated.accuracy": Status.PASS}
    assert "estimated (no outcomes yet)" in good[0].message and good[0].ci[0] < good[0].value < good[0].ci[1]
    bad = estimated_performance_results(p, pred, p, {"auc": auc + 0.2, "accuracy": 0.7}, _rules(), 0.95, "2026-10")
    assert bad[0].status is Status.FAIL and bad[0].limit == pytest.approx(auc + 0.15)
    few = estimated_performance_results(p[:50], pred[:50], p[:50], {"auc": 0.8}, _rules(), 0.95, "2026-10")
    assert {r.status for r in few} == {Status.INCONCLUSIVE}
    broken = estimated_performance_results(p, np.full(len(p), "yes"), p, {"auc": 0.8}, _rules(), 0.95, "2026-10")
    assert {r.status for r in broken} == {Status.ERROR}


def test_estimation_error_says_when_the_estimate_missed():
    p = np.full(1000, 0.7)
    est = estimate_performance(p, np.ones(1000, int), p, 0.95, draws=200, seed=0)
    close, far = (estimation_error_results({"accuracy": a}, est, {"accuracy": 0.03}, "2026-09") for a in (0.71, 0.6))
    assert close[0].status is Status.PASS and far[0].status is Status.FAIL
    assert far[0].value == pytest.approx(-0.1) and "concept drift" in far[0].hint


def test_estimated_gaps_find_a_group_the_model_serves_worse():
    """fairness.estimated.equal_opportunity_difference against a hand computation of each group's TPR."""
    rng = np.random.default_rng(2)
    n = 20000
    group = rng.choice(["a", "b"], n)
    p = rng.beta(2, 2, n)
    # Group b needs a higher score to be approved: its qualified members are approved less often.
    pred = np.where(group == "a", p > 0.5, p > 0.65).astype(int)
    sensitive = pd.DataFrame({"sex": group})
    rules = fairness_rules()
    gaps = estimated_fairness_results(p, pred, sensitive, rules,
                                      EstimatedFairnessRule(gaps=("equal_opportunity_difference",)), 0.95, "2026-10")
    result, table = gaps
    by_group = {row["group"]: row["estimated_tpr"] for row in table}
    hand = {g: (p * pred)[group == g].sum() / p[group == g].sum() for g in ("a", "b")}
    assert by_group == pytest.approx({f"sex={g}": v for g, v in hand.items()})
    assert result[0].value == pytest.approx(abs(hand["a"] - hand["b"]))
    assert result[0].status is Status.FAIL  # about 0.2, limit 0.1
    fair = np.where(group == "a", p > 0.5, p > 0.5).astype(int)
    assert estimated_fairness_results(p, fair, sensitive, rules, EstimatedFairnessRule(
        gaps=("equal_opportunity_difference",)), 0.95, "2026-10")[0][0].status is Status.PASS


def test_a_gap_with_one_judgeable_group_is_inconclusive():
    p = np.full(200, 0.5)
    sensitive = pd.DataFrame({"sex": ["a"] * 190 + ["b"] * 10})
    results, _ = estimated_fairness_results(p, np.ones(200, int), sensitive, fairness_rules(),
                                            EstimatedFairnessRule(gaps=("equalized_odds_difference",)), 0.95, "w")
    assert results[0].status is Status.INCONCLUSIVE and results[0].check_id == "fairness.estimated.equalized_odds_difference"


# --- the oracle: NannyML's own CBPE on NannyML's shipped datasets ----------------------------------------

CHUNK = 5000


def _nannyml_cbpe(reference, analysis, y_true, score, pred, metrics):
    import nannyml as nml

    estimator = nml.CBPE(y_pred_proba=score, y_pred=pred, y_true=y_true, problem_type="classification_binary",
                         metrics=metrics, chunk_size=CHUNK)
    estimator.fit(reference)
    frame = estimator.estimate(analysis).filter(period="analysis").to_df()
    return {m: frame[(m, "value")].to_numpy() for m in metrics}


def _ours(reference, analysis, y_true, score, pred):
    calibrate = fit_calibrator(reference[y_true].to_numpy(), reference[score].to_numpy())
    out = {"roc_auc": [], "accuracy": [], "precision": [], "recall": []}
    for start in range(0, len(analysis) - CHUNK + 1, CHUNK):
        chunk = analysis.iloc[start:start + CHUNK]
        est = estimate_performance(calibrate(chunk[score].to_numpy()), chunk[pred].to_numpy(),
                                   chunk[score].to_numpy(), 0.95, draws=100, seed=0)
        for metric, name in (("roc_auc", "auc"), ("accuracy", "accuracy"), ("precision", "precision"),
                             ("recall", "recall")):
            out[metric].append(est[name].value)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["car_loan", "us_census_employment"])
def test_cbpe_matches_nannyml_per_chunk_within_half_a_point(dataset):
    """NannyML's synthetic car-loan data (its binary-classification dataset holds the same targets and scores)
    and its US census employment data with a real model's predictions; calibration is applied in both."""
    import nannyml as nml

    if dataset == "car_loan":
        reference, analysis, _ = nml.load_synthetic_car_loan_dataset()
        columns = ("repaid", "y_pred_proba", "y_pred")
    else:
        reference, analysis, _ = nml.load_us_census_ma_employment_data()
        analysis = analysis.iloc[:100_000]  # whole chunks
        columns = ("employed", "predicted_probability", "prediction")
    assert fit_calibrator(reference[columns[0]].to_numpy(), reference[columns[1]].to_numpy()).applied
    metrics = ["roc_auc", "accuracy", "precision", "recall"]
    theirs = _nannyml_cbpe(reference, analysis, *columns, metrics)
    ours = _ours(reference, analysis, *columns)
    for metric in metrics:
        assert len(ours[metric]) == len(theirs[metric]) == len(analysis) // CHUNK
        assert np.max(np.abs(np.asarray(ours[metric]) - theirs[metric])) <= 0.005, metric


@pytest.mark.slow
def test_per_group_tpr_matches_nannyml_recall_calibrated_within_each_group():
    """NannyML has no fairness estimate; its recall on one group's rows, calibrated on that group's reference,
    is the estimated TPR of that group."""
    import nannyml as nml

    reference, analysis, _ = nml.load_us_census_ma_employment_data()
    reference = reference.rename(columns={"employed": "y"})
    analysis = analysis.iloc[:50000]
    calibrators = fit_group_calibrators(reference["y"].to_numpy(), reference["predicted_probability"].to_numpy(),
                                        group_labels(reference[["SEX"]]), min_rows=1000)
    groups = group_labels(analysis[["SEX"]])
    p = calibrators(analysis["predicted_probability"].to_numpy(), groups)
    rows, _ = estimate_gaps(p, analysis["prediction"].to_numpy(), groups, fairness_rules(), 0.95, 100, 0)
    for row in rows:
        ref = reference[group_labels(reference[["SEX"]]) == row.group]
        ana = analysis[groups == row.group]
        estimator = nml.CBPE(y_pred_proba="predicted_probability", y_pred="prediction", y_true="y",
                             problem_type="classification_binary", metrics=["recall"], chunk_number=1)
        estimator.fit(ref)
        theirs = estimator.estimate(ana).filter(period="analysis").to_df()[("recall", "value")].iloc[0]
        mine = estimate_gaps(calibrators(ana["predicted_probability"].to_numpy(), group_labels(ana[["SEX"]])),
                             ana["prediction"].to_numpy(), group_labels(ana[["SEX"]]), fairness_rules(), 0.95, 100,
                             0)[0][0].tpr
        assert abs(mine - theirs) <= 0.005, (row.group, mine, theirs)


@pytest.mark.parametrize("metric", ["auc", "accuracy", "precision", "recall"])
def test_each_estimable_metric_is_estimated_and_compared(metric):
    """Every metric the policy may name is estimated, then compared: performance.estimated.auc,
    performance.estimated.accuracy, performance.estimated.precision, performance.estimated.recall,
    performance.estimation_error.auc, performance.estimation_error.accuracy,
    performance.estimation_error.precision, performance.estimation_error.recall."""
    rng = np.random.default_rng(4)
    p = rng.beta(2, 2, 3000)
    pred = (p > 0.5).astype(int)
    y = (rng.random(3000) < p).astype(int)
    rule = EstimatedRule(max_worsening={metric: 0.05}, min_samples=100)
    est = estimated_performance_results(p, pred, p, {metric: 0.0}, rule, 0.95, "w")
    assert [(r.check_id, r.status) for r in est] == [(f"performance.estimated.{metric}", Status.PASS)]
    from govflow.checks.estimation import realised_against_estimated

    compared = realised_against_estimated(y, p, pred, p, EstimationErrorRule(max_error={metric: 0.05}), 0.95, "w")
    assert [(r.check_id, r.status) for r in compared] == [(f"performance.estimation_error.{metric}", Status.PASS)]


def test_calibration_none_takes_the_scores_as_they_are():
    rng = np.random.default_rng(6)
    score = rng.random(2000)
    groups = np.where(rng.random(2000) < 0.5, "a", "b")
    plain = fit_group_calibrators((rng.random(2000) < score**3).astype(int), score, groups, 100, calibrate=False)
    assert np.array_equal(plain(score, groups), score)
    assert EstimatedRule(max_worsening={"auc": 0.05}, min_samples=10).calibration == "isotonic"

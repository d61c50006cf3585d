import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import accuracy_score, roc_auc_score
from statsmodels.stats.proportion import proportion_confint

from govflow.checks.performance import auc_delong, binary_labels, performance_results, wilson_interval
from govflow.checks.policy import MinimumRule, PerformanceChecks
from govflow.checks.results import Status


def _delong_brute_force(y, s):
    """DeLong's variance from its definition: psi over every (positive, negative) pair."""
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return psi.mean(), v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg)


@pytest.mark.parametrize("seed", range(5))
def test_auc_and_delong_variance_match_independent_computations(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400))
    y = rng.integers(0, 2, n)
    score = np.round(rng.random(n) + 0.4 * y, 1)  # rounding makes ties
    auc, var = auc_delong(y, score)
    brute_auc, brute_var = _delong_brute_force(y, score)
    assert auc == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert auc == pytest.approx(brute_auc, abs=1e-12)
    assert var == pytest.approx(brute_var, rel=1e-10)


def test_auc_hand_worked():
    # positives 0.8, 0.4; negatives 0.4, 0.1: pairs (0.8>0.4)=1, (0.8>0.1)=1, (0.4=0.4)=0.5, (0.4>0.1)=1
    auc, _ = auc_delong(np.array([1, 1, 0, 0]), np.array([0.8, 0.4, 0.4, 0.1]))
    assert auc == 3.5 / 4


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (812, 1000), (1, 7)])
def test_wilson_matches_statsmodels(k, n):
    low, high = wilson_interval(k, n, 0.95)
    ref_low, ref_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx((ref_low, ref_high), abs=1e-12)


def _rules(auc_min=0.75, acc_min=0.7, min_samples=10):
    return PerformanceChecks(auc=MinimumRule(min=auc_min, min_samples=min_samples),
                             accuracy=MinimumRule(min=acc_min, min_samples=min_samples))


def _data():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    score = np.clip(0.5 * y + rng.normal(0.25, 0.25, 500), 0, 1)
    return y, (score > 0.5).astype(int), score


def test_results_carry_values_and_intervals_equal_to_references():
    y, pred, score = _data()
    auc, acc = performance_results(y, pred, score, _rules(), 0.95)
    assert auc.value == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert acc.value == pytest.approx(accuracy_score(y, pred), abs=1e-12)
    _, var = _delong_brute_force(y, score)
    z = stats.norm.ppf(0.975)
    assert auc.ci == pytest.approx((auc.value - z * var**0.5, auc.value + z * var**0.5), abs=1e-12)
    assert acc.ci == pytest.approx(proportion_confint(int((y == pred).sum()), 500, method="wilson"), abs=1e-12)
    assert (auc.n, acc.n) == (500, 500)


@pytest.mark.parametrize(("offset", "status"), [(-0.2, Status.PASS), (-1e-9, Status.WARN), (0.0, Status.WARN),
                                                 (1e-9, Status.FAIL)])
def test_minimum_boundary(offset, status):
    """Just inside, at, and just outside the limit on the point: the interval straddles it, so the point decides
    between WARN and FAIL; a limit below the whole interval passes."""
    y, pred, score = _data()
    auc = roc_auc_score(y, score)
    acc = accuracy_score(y, pred)
    results = performance_results(y, pred, score, _rules(auc_min=auc + offset, acc_min=acc + offset), 0.95)
    assert [r.status for r in results] == [status, status]


@pytest.mark.parametrize(("n", "status"), [(9, Status.INCONCLUSIVE), (10, Status.PASS), (11, Status.PASS)])
def test_min_samples_boundary(n, status):
    y = np.array([0, 1] * 6)[:n]
    score = y * 0.9 + 0.05
    results = performance_results(y, y, score, _rules(auc_min=0.5, acc_min=0.5), 0.95)
    assert [r.status for r in results] == [status, status]


def test_single_class_auc_is_inconclusive_and_accuracy_still_judged():
    y = np.ones(50, dtype=int)
    auc, acc = performance_results(y, y, np.full(50, 0.9), _rules(), 0.95)
    assert auc.status is Status.INCONCLUSIVE and "single class" in auc.message
    assert acc.status is Status.PASS and acc.value == 1.0


def test_missing_score_is_an_error_not_a_pass():
    y, pred, _ = _data()
    auc, acc = performance_results(y, pred, None, _rules(), 0.95)
    assert auc.status is Status.ERROR and acc.status is Status.PASS


def test_non_binary_labels_are_errors_naming_the_column():
    results = performance_results(np.array([0, 1, 2] * 10), np.zeros(30), np.zeros(30), _rules(), 0.95,
                                  label_column="grade")
    assert [r.status for r in results] == [Status.ERROR, Status.ERROR]
    assert "label column 'grade'" in results[0].message and "[2.0]" in results[0].message


def test_binary_labels_accept_bool_and_reject_strings_and_nulls():
    assert binary_labels(np.array([True, False])).tolist() == [1, 0]
    with pytest.raises(ValueError, match="0/1 or boolean"):
        binary_labels(np.array(["yes", "no"]))
    with pytest.raises(ValueError, match="null"):
        binary_labels(np.array([1.0, np.nan]))


def _all_metrics(**limits):
    from govflow.checks.policy import LossRule

    minimum = {"min_samples": 10}
    return PerformanceChecks(
        auc=MinimumRule(min=limits.get("auc", 0.5), **minimum),
        accuracy=MinimumRule(min=limits.get("accuracy", 0.5), **minimum),
        precision=MinimumRule(min=limits.get("precision", 0.5), **minimum),
        recall=MinimumRule(min=limits.get("recall", 0.5), **minimum),
        log_loss=LossRule(max=limits.get("log_loss", 1.0), **minimum),
        brier=LossRule(max=limits.get("brier", 0.5), **minimum))


def _sklearn_values(y, pred, score):
    from sklearn.metrics import brier_score_loss, log_loss, precision_score, recall_score

    return {"performance.auc": roc_auc_score(y, score), "performance.accuracy": accuracy_score(y, pred),
            "performance.precision": precision_score(y, pred), "performance.recall": recall_score(y, pred),
            "performance.log_loss": log_loss(y, score), "performance.brier": brier_score_loss(y, score)}


def test_every_metric_equals_sklearn_with_its_interval():
    y, pred, score = _data()
    results = {r.check_id: r for r in performance_results(y, pred, score, _all_metrics(), 0.95)}
    expected = _sklearn_values(y, pred, score)
    assert set(results) == set(expected)
    for check_id, value in expected.items():
        assert results[check_id].value == pytest.approx(value, abs=1e-12), check_id
        low, high = results[check_id].ci
        assert low <= results[check_id].value <= high
    # precision and recall rest on their own denominators, with Wilson intervals over them
    tp, pp, pos = int(((y == 1) & (pred == 1)).sum()), int(pred.sum()), int(y.sum())
    assert results["performance.precision"].n == pp and results["performance.recall"].n == pos
    assert results["performance.precision"].ci == pytest.approx(proportion_confint(tp, pp, 0.05, "wilson"), abs=1e-12)
    assert results["performance.recall"].ci == pytest.approx(proportion_confint(tp, pos, 0.05, "wilson"), abs=1e-12)


def test_loss_intervals_are_the_normal_interval_of_the_mean_loss():
    y, pred, score = _data()
    brier = next(r for r in performance_results(y, pred, score, _all_metrics(), 0.95)
                 if r.check_id == "performance.brier")
    losses = (score - y) ** 2
    half = 1.959963984540054 * losses.std(ddof=1) / np.sqrt(len(losses))
    assert brier.ci == pytest.approx((losses.mean() - half, losses.mean() + half), abs=1e-12)


def test_log_loss_hand_worked():
    y, score = np.array([1, 0, 1, 0] * 5), np.array([0.9, 0.2, 0.6, 0.4] * 5)
    loss = next(r for r in performance_results(y, (score > 0.5).astype(int), score, _all_metrics(), 0.95)
                if r.check_id == "performance.log_loss")
    assert loss.value == pytest.approx(-(np.log(0.9) + np.log(0.8) + np.log(0.6) + np.log(0.6)) / 4, abs=1e-12)


@pytest.mark.parametrize(("metric", "offset", "status"), [
    ("brier", -1e-9, Status.FAIL), ("brier", 0.0, Status.WARN), ("brier", 1e-9, Status.WARN),
    ("brier", 0.5, Status.PASS), ("log_loss", -1e-9, Status.FAIL), ("log_loss", 0.0, Status.WARN),
    ("log_loss", 1e-9, Status.WARN), ("log_loss", 2.0, Status.PASS),
    ("precision", -1e-9, Status.WARN), ("precision", 0.0, Status.WARN), ("precision", 1e-9, Status.FAIL),
    ("precision", -0.5, Status.PASS), ("recall", -1e-9, Status.WARN), ("recall", 0.0, Status.WARN),
    ("recall", 1e-9, Status.FAIL), ("recall", -0.5, Status.PASS),
])
def test_limit_boundaries_for_each_metric(metric, offset, status):
    """Losses must be at most their maximum, rates at least their minimum: at the limit on the point the interval
    straddles it (WARN, the point within); beyond it on the point, FAIL; the whole interval within, PASS."""
    y, pred, score = _data()
    observed = _sklearn_values(y, pred, score)[f"performance.{metric}"]
    results = performance_results(y, pred, score, _all_metrics(**{metric: observed + offset}), 0.95)
    assert next(r for r in results if r.check_id == f"performance.{metric}").status is status


def test_undefined_precision_is_inconclusive_and_bad_scores_an_error():
    y = np.array([0, 1] * 10)
    results = {r.check_id: r for r in performance_results(y, np.zeros(20), np.full(20, 0.3), _all_metrics(), 0.95)}
    assert results["performance.precision"].status is Status.INCONCLUSIVE
    assert "no predicted positives" in results["performance.precision"].message
    bad = {r.check_id: r for r in performance_results(y, y, np.full(20, 1.5), _all_metrics(), 0.95)}
    assert bad["performance.brier"].status is Status.ERROR and "[0, 1]" in bad["performance.brier"].message
    assert bad["performance.accuracy"].status is Status.PASS


def test_non_finite_scores_are_an_error_for_score_metrics_only():
    y, pred, score = _data()
    score = score.copy()
    score[:3] = [np.nan, np.inf, -np.inf]
    results = {r.check_id: r for r in performance_results(y, pred, score, _all_metrics(), 0.95)}
    for check_id in ("performance.auc", "performance.log_loss", "performance.brier"):
        assert results[check_id].status is Status.ERROR and "3 null or infinite" in results[check_id].message
    assert results["performance.accuracy"].status is Status.PASS

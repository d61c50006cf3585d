"""Performance decay over a rolling window against the validation baseline: boundaries by hand."""

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss
from statsmodels.stats.proportion import proportion_confint

from govflow.checks.decay import decay_results
from govflow.checks.policy import DecayRule
from govflow.checks.results import Status

WINDOW = ["2026-10-05/2026-10-11", "2026-10-12/2026-10-18"]


def _rows(n: int, correct: int):
    """n rows, half positive, with exactly `correct` predictions right."""
    y = np.tile([0, 1], n // 2)
    pred = y.copy()
    pred[:n - correct] = 1 - pred[:n - correct]
    return y, pred


def _rule(min_samples: int = 10, **limits) -> DecayRule:
    return DecayRule(window=2, min_samples=min_samples, max_worsening=limits or {"accuracy": 0.125})


@pytest.mark.parametrize(("limit", "status"), [(0.175, Status.PASS), (0.125 + 1e-9, Status.WARN),
                                                (0.125, Status.WARN), (0.125 - 1e-9, Status.FAIL)])
def test_accuracy_decay_boundary(limit, status):
    """Baseline 0.875, window accuracy 0.75 on 1,000 rows: worse by exactly 0.125, interval about +-0.027. At the
    limit on the point is not shown within it: only a limit above the whole interval passes."""
    y, pred = _rows(1000, 750)
    (result,) = decay_results(y, pred, None, {"accuracy": 0.875}, _rule(accuracy=limit), 0.95, WINDOW)
    assert result.check_id == "performance.decay.accuracy" and result.status is status
    assert result.value == 0.125 and result.n == 1000
    low, high = proportion_confint(750, 1000, alpha=0.05, method="wilson")
    assert result.ci == pytest.approx((0.875 - high, 0.875 - low), abs=1e-12)
    assert "2026-10-05/2026-10-11 to 2026-10-12/2026-10-18" in result.message


def test_a_worsening_whose_interval_reaches_the_baseline_warns():
    y, pred = _rows(20, 15)  # 0.75 on 20 rows: the Wilson interval reaches 0.875
    (result,) = decay_results(y, pred, None, {"accuracy": 0.875}, _rule(accuracy=0.05), 0.95, WINDOW)
    assert result.status is Status.WARN and result.value == pytest.approx(0.125)
    assert result.ci[0] < 0 < result.ci[1]


def test_losses_worsen_upwards():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 2000)
    score = np.clip(0.3 * y + rng.normal(0.35, 0.2, 2000), 0, 1)
    brier = brier_score_loss(y, score)
    (fail,) = decay_results(y, (score > 0.5).astype(int), score, {"brier": brier - 0.05},
                            _rule(brier=0.01), 0.95, WINDOW)
    (ok,) = decay_results(y, (score > 0.5).astype(int), score, {"brier": brier + 0.05},
                          _rule(brier=0.01), 0.95, WINDOW)
    assert fail.status is Status.FAIL and fail.value == pytest.approx(0.05, abs=1e-12)
    assert ok.status is Status.PASS and ok.value == pytest.approx(-0.05, abs=1e-12)


def test_auc_decay_uses_delong_interval():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 3000)
    score = 1 / (1 + np.exp(-(0.8 * y + rng.normal(0, 1, 3000))))
    auc = roc_auc_score(y, score)
    (result,) = decay_results(y, (score > 0.5).astype(int), score, {"auc": 0.85}, _rule(auc=0.02), 0.95, WINDOW)
    assert result.value == pytest.approx(0.85 - auc, abs=1e-12) and result.status is Status.FAIL


@pytest.mark.parametrize(("n", "status"), [(18, Status.INCONCLUSIVE), (20, Status.PASS), (22, Status.PASS)])
def test_min_samples_boundary(n, status):
    y, pred = _rows(n, n)
    (result,) = decay_results(y, pred, None, {"accuracy": 0.9}, _rule(min_samples=20), 0.95, WINDOW)
    assert result.status is status


def test_missing_baseline_and_missing_scores_are_never_a_pass():
    y, pred = _rows(100, 90)
    rule = _rule(accuracy=0.1, auc=0.1)
    accuracy, auc = decay_results(y, pred, None, {"auc": 0.8}, rule, 0.95, WINDOW)
    assert accuracy.status is Status.INCONCLUSIVE and "no validation baseline" in accuracy.message
    assert auc.status is Status.ERROR and "needs scores" in auc.message


def test_rule_names_one_check_per_metric():
    from govflow.checks.policy import PerformanceChecks, TierPolicy

    tier = TierPolicy(performance=PerformanceChecks(decay=_rule(auc=0.05, brier=0.02)))
    assert tier.enabled_check_ids("performance") == ["performance.decay.auc", "performance.decay.brier"]
    assert tier.rule("performance.decay.brier").window == 2


@pytest.mark.parametrize("check_id", ["performance.decay.auc", "performance.decay.accuracy",
                                      "performance.decay.precision", "performance.decay.recall",
                                      "performance.decay.log_loss", "performance.decay.brier"])
def test_every_metric_worsens_in_its_own_direction(check_id):
    """A window 0.01 worse than the baseline, in the metric's bad direction, is worse by +0.01."""
    from sklearn.metrics import accuracy_score, brier_score_loss, log_loss, precision_score, recall_score, roc_auc_score

    rng = np.random.default_rng(6)
    y = rng.integers(0, 2, 4000)
    score = np.clip(0.3 * y + rng.normal(0.35, 0.2, 4000), 0, 1)
    pred = (score > 0.5).astype(int)
    metric = check_id.rsplit(".", 1)[1]
    value = {"auc": roc_auc_score(y, score), "accuracy": accuracy_score(y, pred),
             "precision": precision_score(y, pred), "recall": recall_score(y, pred),
             "log_loss": log_loss(y, score), "brier": brier_score_loss(y, score)}[metric]
    baseline = value + 0.01 if metric not in ("log_loss", "brier") else value - 0.01
    (result,) = decay_results(y, pred, score, {metric: baseline}, _rule(**{metric: 0.1}), 0.95, WINDOW)
    assert result.check_id == check_id and result.status is Status.PASS and result.ci[1] <= 0.1
    assert result.value == pytest.approx(0.01, abs=1e-12)

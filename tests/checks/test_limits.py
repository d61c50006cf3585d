"""One way to judge a limit, in every family: the interval wholly within passes, wholly beyond fails, and one
that straddles the bound gets the policy's rule; tightening a limit never turns a FAIL into a PASS."""

import numpy as np
import pandas as pd
import pytest

from govflow.checks.fairness import fairness_audit
from govflow.checks.limits import Direction, Limit, Straddle
from govflow.checks.performance import performance_results
from govflow.checks.policy import FairnessChecks, LossRule, MaximumRule, MinimumRule, PerformanceChecks, RatioRule
from govflow.checks.results import Status

# Severity order: tightening a limit may only keep a status or move it to the right.
RANK = {Status.PASS: 0, Status.WARN: 1, Status.INCONCLUSIVE: 1, Status.FAIL: 2}


@pytest.mark.parametrize(
    ("ci", "status"),
    [((0.05, 0.0999), Status.PASS), ((0.05, 0.1), Status.PASS), ((0.05, 0.1001), Status.INCONCLUSIVE),
     ((0.1, 0.2), Status.INCONCLUSIVE), ((0.1001, 0.2), Status.FAIL)],
)
def test_a_difference_is_judged_on_its_interval(ci, status):
    assert MaximumRule(max=0.1).limit().judge(0.09, ci, Straddle.INCONCLUSIVE) is status


@pytest.mark.parametrize(
    ("ci", "status"),
    [((0.8001, 0.9), Status.PASS), ((0.8, 0.9), Status.PASS), ((0.7999, 0.9), Status.WARN),
     ((0.7, 0.8), Status.WARN), ((0.7, 0.7999), Status.FAIL)],
)
def test_a_ratio_is_judged_on_its_interval_with_the_policys_straddle_status(ci, status):
    assert RatioRule(min=0.8).limit().judge(0.85, ci, Straddle.WARN) is status


@pytest.mark.parametrize(("value", "ci", "straddle", "status"), [
    (0.74, (0.70, 0.78), Straddle.POINT, Status.FAIL),  # a performance metric: the point decides a straddle
    (0.76, (0.70, 0.78), Straddle.POINT, Status.WARN),  # within on the point is not shown within

    (0.76, (0.70, 0.78), Straddle.INCONCLUSIVE, Status.INCONCLUSIVE),
    (0.80, (0.76, 0.84), Straddle.POINT, Status.PASS),
    (0.70, (0.66, 0.74), Straddle.WARN, Status.FAIL),
    (float("nan"), None, Straddle.POINT, Status.INCONCLUSIVE),
])
def test_a_minimum(value, ci, straddle, status):
    assert Limit(0.75, Direction.AT_LEAST).judge(value, ci, straddle) is status


@pytest.mark.parametrize(("straddle", "status"), [(Straddle.INCONCLUSIVE, Status.INCONCLUSIVE),
                                                   (Straddle.POINT, Status.FAIL)])
def test_a_value_beyond_the_limit_beside_an_interval_within_is_not_a_pass(straddle, status):
    """Lifetime accuracy 0.7786 against a floor of 0.80 beside [0.8009, 0.8217]: a sequence that held another
    mean than the point's (as the lifetime decay's once did) does not show the point within."""
    assert Limit(0.80, Direction.AT_LEAST).judge(0.7786, (0.8009, 0.8217), straddle) is status
    assert Limit(0.10, Direction.AT_MOST).judge(0.1468, (0.0393, 0.0900), straddle) is status


@pytest.mark.parametrize(("rate", "low", "status"), [
    (0.04, 0.02, Status.WARN),  # the noise check: within on the point, but the interval reaches above
    (0.02, 0.01, Status.PASS),  # wholly within
    (0.06, 0.04, Status.WARN),  # above, but the interval still reaches the bound
    (0.09, 0.06, Status.FAIL),  # wholly above
])
def test_a_flip_rate_under_noise(rate, low, status):
    assert Limit(0.05, Direction.AT_MOST).judge(rate, (low, rate + 0.02), Straddle.WARN) is status


@pytest.mark.parametrize("straddle", list(Straddle))
@pytest.mark.parametrize("direction", list(Direction))
def test_tightening_a_limit_never_turns_fail_into_pass(direction, straddle):
    rng = np.random.default_rng(17)
    for _ in range(5000):
        value = rng.uniform(0, 1)
        half = rng.choice([0.0, rng.uniform(0, 0.2)])
        ci = (value - rng.uniform(0, half), value + rng.uniform(0, half)) if half else None
        loose = rng.uniform(0, 1)
        tighter = loose - rng.uniform(0, 0.3) if direction is Direction.AT_MOST else loose + rng.uniform(0, 0.3)
        before = Limit(loose, direction).judge(value, ci, straddle)
        after = Limit(tighter, direction).judge(value, ci, straddle)
        assert RANK[after] >= RANK[before], (value, ci, loose, tighter, before, after)


def _data(seed: int, n: int = 600):
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], n)
    y = rng.integers(0, 2, n)
    score = np.clip(0.5 * y + rng.normal(0.25, 0.25, n) + np.where(group == "a", 0.05, 0.0), 0, 1)
    return y, (score > 0.5).astype(int), score, pd.DataFrame({"group": group})


@pytest.mark.parametrize("seed", range(6))
def test_tightening_any_limit_of_a_family_never_turns_a_fail_into_a_pass(seed):
    """Through the families' own functions: each performance and fairness limit tightened in turn."""
    y, pred, score, sensitive = _data(seed)
    rng = np.random.default_rng(seed)
    loose_perf = {"auc": MinimumRule(min=rng.uniform(0.5, 0.9), min_samples=10),
                  "accuracy": MinimumRule(min=rng.uniform(0.5, 0.9), min_samples=10),
                  "brier": LossRule(max=rng.uniform(0.1, 0.3), min_samples=10)}
    for straddle in Straddle:
        for metric, rule in loose_perf.items():
            tight = rule.model_copy(update={"min": rule.min + 0.05} if "min" in type(rule).model_fields
                                    else {"max": rule.max - 0.05})
            before = performance_results(y, pred, score, PerformanceChecks(on_straddle=straddle, **{metric: rule}), 0.95)
            after = performance_results(y, pred, score, PerformanceChecks(on_straddle=straddle, **{metric: tight}), 0.95)
            assert RANK[after[0].status] >= RANK[before[0].status], (metric, straddle, before[0], after[0])

    base = {"min_group_size": 1, "min_class_count": 1, "resamples": 200, "seed": 3, "compare": "between_groups",
            "ece_bins": 10, "max_groups": 10}
    for on_straddle in ("INCONCLUSIVE", "WARN"):
        for metric, loose, tight in [("demographic_parity_difference", MaximumRule(max=0.08), MaximumRule(max=0.03)),
                                     ("demographic_parity_ratio", RatioRule(min=0.8), RatioRule(min=0.9)),
                                     ("equal_opportunity_difference", MaximumRule(max=0.1), MaximumRule(max=0.04))]:
            judged = [{(r.check_id, r.group): r.status for r in fairness_audit(
                y, pred, sensitive, FairnessChecks(on_straddle=on_straddle, **base, **{metric: rule}), 0.95).results
                if r.check_id.startswith("fairness.")} for rule in (loose, tight)]
            for key, status in judged[0].items():
                assert RANK[judged[1][key]] >= RANK[status], (metric, key, status, judged[1][key])

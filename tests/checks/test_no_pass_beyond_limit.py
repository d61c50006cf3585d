"""Say no more than the evidence: across every check family that reports an interval, no PASS has an interval
that reaches past its limit (the limit strictly inside it), nor a value beyond the limit its interval is on
the far side of. Each family runs over seeded data whose limits sit below, inside and above the intervals, so
every status is reached; the families are called directly, so none relies on the verdict's guard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govflow.checks.decay import decay_results
from govflow.checks.decision import apply_severity
from govflow.checks.estimation import estimated_fairness_results, estimated_performance_results
from govflow.checks.fairness import fairness_audit
from govflow.checks.lifetime import lifetime_decay, lifetime_drift, lifetime_fairness
from govflow.checks.multivariate import domain_classifier
from govflow.checks.performance import performance_results
from govflow.checks.policy import (
    DecayRule,
    DriftMateriality,
    EstimatedFairnessRule,
    EstimatedRule,
    LifetimeDecayRule,
    LifetimeDriftRule,
    LifetimeFairnessRule,
    LossRule,
    MaximumRule,
    MinimumRule,
    MultivariateRule,
    NoiseRule,
    PerformanceChecks,
    RatioRule,
)
from govflow.checks.results import CheckResult, Status
from govflow.checks.robustness import noise_result
from tests.checks.policies import fairness_rules, tier

SEEDS = range(6)


def reaches_past_limit(result: CheckResult) -> bool:
    """A PASS the evidence does not support: its limit strictly inside its interval."""
    if result.status is not Status.PASS or result.ci is None or not isinstance(result.limit, (int, float)):
        return False
    low, high = result.ci
    return low < float(result.limit) < high


def _binary(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.clip(0.25 * y + rng.normal(0.38, 0.2, n), 0.001, 0.999)
    group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    pred = (score + np.where(group == "b", 0.05 * (seed % 3), 0.0) > 0.5).astype(int)
    return y, pred, score, pd.DataFrame({"g": group})


def _performance(seed):
    y, pred, score, _ = _binary(seed)
    out = []
    for level in (0.55, 0.65, 0.7, 0.75, 0.8):
        rules = PerformanceChecks(
            on_straddle="point", auc=MinimumRule(min=level, min_samples=10),
            accuracy=MinimumRule(min=level - 0.05, min_samples=10), precision=MinimumRule(min=level - 0.1,
                                                                                          min_samples=10),
            recall=MinimumRule(min=level - 0.2, min_samples=10), brier=LossRule(max=level / 3.5, min_samples=10),
            log_loss=LossRule(max=level - 0.05, min_samples=10))
        out += performance_results(y, pred, score, rules, 0.95)
    return out


def _fairness(seed):
    y, pred, score, sensitive = _binary(seed)
    out = []
    for limit in (0.02, 0.08, 0.15, 0.3):
        rules = fairness_rules(on_straddle="WARN" if seed % 2 else "INCONCLUSIVE",
                               demographic_parity_difference=MaximumRule(max=limit),
                               demographic_parity_ratio=RatioRule(min=1 - 2 * limit),
                               equalized_odds_difference=MaximumRule(max=limit),
                               equal_opportunity_difference=MaximumRule(max=limit))
        out += fairness_audit(y, pred, sensitive, rules, 0.95, score=score).results
    return out


def _decay(seed):
    y, pred, score, _ = _binary(seed)
    out = []
    for limit in (0.0, 0.02, 0.05, 0.1, 0.3):
        rule = DecayRule(window=1, min_samples=10, max_worsening={"auc": limit, "accuracy": limit, "brier": limit})
        out += decay_results(y, pred, score, {"auc": 0.8, "accuracy": 0.78, "brier": 0.18}, rule, 0.95, ["w1"])
    return out


def _estimates(seed):
    _, pred, score, sensitive = _binary(seed)
    out = []
    for worsening in (0.0, 0.03, 0.1, 0.3):
        rule = EstimatedRule(max_worsening={"auc": worsening, "accuracy": worsening}, min_samples=10, draws=200,
                             seed=seed)
        out += estimated_performance_results(score, pred, score, {"auc": 0.8, "accuracy": 0.75}, rule, 0.95, "w1")
    for limit in (0.02, 0.1, 0.3):
        rules = fairness_rules(equalized_odds_difference=MaximumRule(max=limit),
                               equal_opportunity_difference=MaximumRule(max=limit))
        rule = EstimatedFairnessRule(gaps=("equal_opportunity_difference", "equalized_odds_difference"), draws=200,
                                     seed=seed)
        out += estimated_fairness_results(score, pred, sensitive, rules, rule, 0.95, "w1")[0]
    return out


def _lifetime(seed):
    rng = np.random.default_rng(seed)
    reference = pd.DataFrame({"x": rng.normal(0, 1, 3000), "g": rng.choice(["a", "b"], 3000)})
    periods = []
    for w in range(5):
        n = 300 * (w + 1)
        g = rng.choice(["a", "b"], n)
        y = rng.integers(0, 2, n)
        pred = np.where(rng.random(n) < 0.8 - 0.1 * (g == "b") * (seed % 3), y, 1 - y)
        periods.append((f"w{w}", pd.DataFrame({"x": rng.normal(0.05 * seed, 1, n), "g": g, "label": y.astype(float),
                                               "pred": pred})))
    out = []
    for floor in (0.01, 0.05, 0.2):
        rule = LifetimeDriftRule(alpha=0.05, min_samples=50, materiality=DriftMateriality(ks=floor, tvd=floor))
        out += lifetime_drift(reference, periods, ["x", "g"], {p for p, _ in periods}, rule)[0]
    for worsening in (0.0, 0.05, 0.2):
        rule = LifetimeDecayRule(alpha=0.05, max_worsening={"accuracy": worsening, "recall": worsening})
        out += lifetime_decay(periods, "label", "pred", {"accuracy": 0.8, "recall": 0.8}, rule)
    for limit in (0.02, 0.1, 0.3):
        rules = fairness_rules(on_straddle="WARN", demographic_parity_difference=MaximumRule(max=limit),
                               equal_opportunity_difference=MaximumRule(max=limit))
        rule = LifetimeFairnessRule(alpha=0.05, gaps=("demographic_parity_difference",
                                                      "equal_opportunity_difference"), seed=seed)
        out += lifetime_fairness(reference, periods, "label", "pred", ["g"], rules, rule)
    return out


# One limit per seed: the classifier's fit does not depend on the limit (four limits on one seed were four equal
# fits, 24 in all), and these put the seeds' intervals (held-out AUC 0.50 to 0.70 as the shift grows) below, across
# and above their limits: PASS for seeds 0, 2 and 4, a straddle for 1 and 3, FAIL for 5.
_MULTIVARIATE_LIMITS = (0.55, 0.52, 0.57, 0.6, 0.7, 0.6)


def _multivariate(seed):
    rng = np.random.default_rng(seed)
    reference = pd.DataFrame({"x": rng.normal(0, 1, 600), "z": rng.normal(0, 1, 600)})
    current = pd.DataFrame({"x": rng.normal(0.15 * seed, 1, 600), "z": rng.normal(0, 1, 600)})
    return [domain_classifier(reference, current, ["x", "z"], MultivariateRule(
        max_auc=_MULTIVARIATE_LIMITS[seed], sample_rows=600, min_samples=50, held_out=0.5, seed=seed), 0.95)[0]]


def _noise(seed):
    frame = pd.DataFrame({"income": np.random.default_rng(seed).normal(0, 1, 200)})

    def predict(rows):
        return (rows["income"].to_numpy() > 0).astype(int), None

    return [noise_result(predict, frame, ["income"], NoiseRule(scale=0.05 * (seed + 1), max=m), seed, 0.95)
            for m in (0.0, 0.01, 0.03, 0.1, 0.3)]


FAMILIES = {"performance": _performance, "fairness": _fairness, "performance.decay": _decay,
            "estimates": _estimates, "lifetime": _lifetime, "drift.multivariate": _multivariate,
            "robustness.noise": _noise}


@pytest.mark.parametrize("family", FAMILIES)
def test_no_pass_whose_interval_reaches_past_its_limit(family):
    results = [r for seed in SEEDS for r in FAMILIES[family](seed)]
    judged = [r for r in results if r.ci is not None and isinstance(r.limit, (int, float))]
    assert judged, f"{family}: no result with an interval and a limit, so the property was not exercised"
    statuses = {r.status for r in judged}
    # The limits span the intervals: the family reached both a PASS and a straddle, so the test can fail.
    assert Status.PASS in statuses and statuses - {Status.PASS}, (family, statuses)
    straddling = [r for r in judged if r.ci[0] < float(r.limit) < r.ci[1]]
    assert straddling, f"{family}: no interval straddled its limit"
    offenders = [(r.check_id, r.value, r.ci, r.limit) for r in judged if reaches_past_limit(r)]
    assert not offenders, offenders


def test_every_lifetime_and_estimated_check_id_was_exercised():
    seen = {r.check_id for family in ("lifetime", "estimates") for seed in SEEDS for r in FAMILIES[family](seed)}
    assert {"drift.lifetime", "performance.lifetime.accuracy", "performance.lifetime.recall",
            "fairness.lifetime.demographic_parity_difference", "fairness.lifetime.equal_opportunity_difference",
            "performance.estimated.auc", "performance.estimated.accuracy",
            "fairness.estimated.equal_opportunity_difference", "fairness.estimated.equalized_odds_difference"} <= seen


def test_the_verdict_guard_demotes_a_pass_that_reaches_past_its_limit():
    """A check family added later that forgets the rule still cannot put such a PASS into a verdict."""
    sloppy = CheckResult(check_id="performance.auc", status=Status.PASS, value=0.76, ci=(0.70, 0.82), limit=0.75,
                         message="AUC 0.76")
    honest = CheckResult(check_id="performance.accuracy", status=Status.PASS, value=0.9, ci=(0.85, 0.95), limit=0.7,
                         message="accuracy 0.9")
    demoted, kept = apply_severity([sloppy, honest], tier())
    assert demoted.status is Status.WARN and "interval reaches past the limit" in demoted.message
    assert kept.status is Status.PASS

"""Robustness checks on hand-made models whose flips, monotonic violations and missing-value behaviour are
known in advance."""

import numpy as np
import pandas as pd
import pytest

from govflow.checks.performance import wilson_interval
from govflow.checks.policy import MonotonicRule, NoiseRule, RobustnessChecks, Rule
from govflow.checks.results import Status
from govflow.checks.robustness import (
    Rejected,
    missing_value_results,
    monotonic_results,
    noise_result,
    parse_monotonic,
    robustness_audit,
)

FRAME = pd.DataFrame({"income": np.linspace(0.0, 99.0, 100), "debt": np.linspace(1.0, 0.0, 100),
                      "count": np.arange(100), "region": ["n", "s"] * 50})


def linear(rows):
    """Score rises with income, falls with debt; decides at 0.5."""
    score = 1 / (1 + np.exp(-(0.05 * (rows["income"].to_numpy(dtype=float) - 50) - 2 * (rows["debt"] - 0.5))))
    return (score > 0.5).astype(int), np.asarray(score, dtype=float)


def test_noise_flips_are_counted_against_an_independent_replay():
    rule = NoiseRule(scale=0.5, max=0.05)
    result = noise_result(linear, FRAME, ["income", "debt", "region"], rule, seed=3, confidence=0.95)
    rng = np.random.default_rng(3)
    noisy = FRAME.copy()
    for column in ["income", "debt", "count"]:
        if column in ("income", "debt"):
            noisy[column] = FRAME[column] + rng.normal(0, 0.5 * FRAME[column].std(ddof=0), 100)
    flips = int((linear(noisy)[0] != linear(FRAME)[0]).sum())
    assert result.check_id == "robustness.noise"
    assert result.value == flips / 100 and result.ci == wilson_interval(flips, 100, 0.95)
    assert flips > 0


@pytest.mark.parametrize(("limit", "status"), [(0.0, Status.FAIL), (0.5, Status.FAIL), (1.0, Status.PASS)])
def test_noise_bands(limit, status):
    constant_flip = lambda rows: ((rows["income"] != FRAME["income"]).astype(int).to_numpy(), None)
    # Noise moves every income, so every decision flips: rate 1.0 against each limit.
    result = noise_result(constant_flip, FRAME, ["income"], NoiseRule(scale=0.1, max=limit), 1, 0.95)
    assert result.value == 1.0 and result.status is status


def test_noise_warns_when_the_interval_reaches_the_limit():
    flips_two = lambda rows: (np.r_[(rows["income"].iloc[:2] != FRAME["income"].iloc[:2]).astype(int), np.zeros(98, int)], None)
    result = noise_result(flips_two, FRAME, ["income"], NoiseRule(scale=0.1, max=0.01), 1, 0.95)
    assert result.value == 0.02 and result.ci[0] < 0.01 and result.status is Status.WARN
    at_limit = noise_result(flips_two, FRAME, ["income"], NoiseRule(scale=0.1, max=0.02), 1, 0.95)
    assert at_limit.status is Status.WARN  # within on the point, but its interval reaches past the limit
    above = noise_result(flips_two, FRAME, ["income"], NoiseRule(scale=0.1, max=0.1), 1, 0.95)
    assert above.status is Status.PASS and above.ci[1] <= 0.1


def test_noise_keeps_integer_columns_integer():
    seen = []
    def predict(rows):
        seen.append(rows["count"].dtype)
        return np.zeros(len(rows), int), None
    noise_result(predict, FRAME, ["count"], NoiseRule(scale=0.5, max=0.1), 1, 0.95)
    assert all(np.issubdtype(d, np.integer) for d in seen)


def test_parse_monotonic():
    assert parse_monotonic("income:+, debt_ratio:-") == {"income": 1, "debt_ratio": -1}
    for bad, words in [("income", "is not 'column"), ("income:up", "is not 'column"), ("a:+,a:-", "twice"), (",", "no column")]:
        with pytest.raises(ValueError, match=words):
            parse_monotonic(bad)


RULE = MonotonicRule(step=0.5, tolerance=1e-9, max_violations=0.0)


def test_declared_relationships_that_hold_pass_and_a_wrong_sign_fails():
    results = monotonic_results(linear, FRAME, ["income", "debt"], {"income": 1, "debt": -1}, RULE, 0.95)
    assert [r.status for r in results] == [Status.PASS, Status.PASS]
    wrong = monotonic_results(linear, FRAME, ["income", "debt"], {"income": -1}, RULE, 0.95)[0]
    assert wrong.status is Status.FAIL and wrong.value == 1.0 and wrong.column == "income"
    assert "'income:-'" in wrong.message


@pytest.mark.parametrize(("max_violations", "status"), [(0.09, Status.FAIL), (0.10, Status.PASS), (0.11, Status.PASS)])
def test_monotonic_violation_share_boundaries(max_violations, status):
    # The score falls with income on exactly the first 10 of 100 rows.
    def bumpy(rows):
        income = rows["income"].to_numpy(dtype=float)
        score = np.where(FRAME["income"].to_numpy() < 10, -income, income) / 1000
        return (score > 0).astype(int), score
    rule = MonotonicRule(step=0.5, tolerance=1e-9, max_violations=max_violations)
    result = monotonic_results(bumpy, FRAME, ["income"], {"income": 1}, rule, 0.95)[0]
    assert result.value == pytest.approx(0.10) and result.status is status


def test_a_declared_column_that_is_not_an_input_or_not_numeric_is_an_error():
    results = monotonic_results(linear, FRAME, ["income", "region"], {"salary": 1, "region": 1}, RULE, 0.95)
    assert [r.status for r in results] == [Status.ERROR, Status.ERROR]
    assert "'salary', which is not an input" in results[0].message and "not numeric" in results[1].message


def test_missing_values_predicted_rejected_crashing_or_nan():
    def model(rows):
        if rows["region"].isna().any():
            raise Rejected("column 'region' may not be missing")
        if rows["debt"].isna().any():
            raise KeyError("debt")
        score = rows["income"].fillna(50).to_numpy() / 100 + rows["count"].to_numpy() * 0
        return (score > 0.5).astype(int), score
    results = {r.column: r for r in missing_value_results(model, FRAME, ["income", "debt", "count", "region"])}
    assert {r.check_id for r in results.values()} == {"robustness.missing_value"}
    assert results["income"].status is Status.PASS and results["income"].value == "predicted"
    assert results["region"].status is Status.PASS and results["region"].value == "rejected"
    assert results["debt"].status is Status.FAIL and "KeyError" in results["debt"].message
    assert results["count"].status is Status.FAIL and results["count"].value == "nan"


def test_audit_without_a_tag_is_silent_unless_a_declaration_is_required():
    rules = RobustnessChecks(sample_rows=50, seed=1, monotonic=RULE, missing_value=Rule())
    results, doc = robustness_audit(linear, FRAME, ["income", "debt"], None, rules, 0.95)
    assert not any(r.check_id == "robustness.monotonic" for r in results)
    assert doc["rows"] == 50 and doc["of_rows"] == 100
    strict = rules.model_copy(update={"monotonic": RULE.model_copy(update={"require_declaration": True})})
    results, _ = robustness_audit(linear, FRAME, ["income", "debt"], "", strict, 0.95)
    assert results[0].check_id == "robustness.monotonic" and results[0].status is Status.INCONCLUSIVE


def test_audit_with_a_bad_tag_errors():
    rules = RobustnessChecks(sample_rows=50, seed=1, monotonic=RULE, missing_value=Rule())
    bad, _ = robustness_audit(linear, FRAME, ["income", "debt"], "income:maybe", rules, 0.95)
    assert bad[0].status is Status.ERROR and "governance.monotonic" in bad[0].message


def premium(rows):
    """A regression: the premium rises with income's stand-in and falls with debt; numbers, no scores."""
    return (300 + 4.0 * rows["income"].to_numpy(dtype=float) - 50 * rows["debt"].to_numpy(dtype=float)), None


def test_a_regressions_numbers_are_what_a_declared_relationship_moves():
    """robustness.monotonic on a regression: its prediction is the level a change moves (no score needed)."""
    held = monotonic_results(premium, FRAME, ["income", "debt"], {"income": 1, "debt": -1}, RULE, 0.95)
    assert [r.status for r in held] == [Status.PASS, Status.PASS]
    wrong = monotonic_results(premium, FRAME, ["income", "debt"], {"income": -1}, RULE, 0.95)
    assert wrong[0].status is Status.FAIL and wrong[0].value == 1.0


def test_a_multiclass_models_missing_inputs_are_judged_on_its_classes():
    """robustness.missing_value for a model that gives classes: a missing class is an empty output, a FAIL."""
    def offers(rows):
        income = rows["income"].to_numpy(dtype=float)
        return np.where(np.isnan(income), None, np.where(income > 50, "savings", "card")).astype(object), None

    results = {r.column: r for r in missing_value_results(offers, FRAME, ["income", "debt"])}
    assert results["income"].status is Status.FAIL and "empty output" in results["income"].message
    assert results["debt"].status is Status.PASS


def test_the_audit_runs_only_the_checks_the_registry_has_a_method_for():
    """A regression's numbers all move under noise: robustness.noise counts a classifier's flipped decisions, so
    the gate leaves it out for a regression (`judged`) and runs the rest."""
    rules = RobustnessChecks(sample_rows=50, seed=1, noise=NoiseRule(scale=0.1, max=0.05), monotonic=RULE,
                             missing_value=Rule())
    results, _ = robustness_audit(premium, FRAME, ["income", "debt"], "income:+", rules, 0.95,
                                  judged=("robustness.monotonic", "robustness.missing_value"))
    assert {r.check_id for r in results} == {"robustness.monotonic", "robustness.missing_value"}

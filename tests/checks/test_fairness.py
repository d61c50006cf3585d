"""Fairness figures against Fairlearn, scikit-learn and hand-worked examples on the same data."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, brier_score_loss, precision_score, roc_auc_score

from govflow.checks.fairness import fairness_audit
from govflow.checks.policy import FairnessChecks, MaximumRule, RatioRule
from govflow.checks.results import Status

ALL_RULES = {
    "demographic_parity_difference": MaximumRule(max=0.1), "demographic_parity_ratio": RatioRule(min=0.8),
    "equalized_odds_difference": MaximumRule(max=0.1), "equalized_odds_ratio": RatioRule(min=0.8),
    "equal_opportunity_difference": MaximumRule(max=0.1), "predictive_parity_difference": MaximumRule(max=0.1),
    "calibration_gap": MaximumRule(max=0.05),
}


def rules(**overrides) -> FairnessChecks:
    base = dict(min_group_size=1, min_class_count=1, resamples=200, seed=7, on_straddle="INCONCLUSIVE",
                compare="between_groups", ece_bins=10, max_groups=50, **ALL_RULES)
    return FairnessChecks(**{**base, **overrides})


def random_data(seed: int, n: int = 3000):
    rng = np.random.default_rng(seed)
    sensitive = pd.DataFrame({"race": rng.choice(["A", "B", "C", "D"], n, p=[0.4, 0.3, 0.2, 0.1]),
                              "sex": rng.choice(["f", "m"], n)})
    y = rng.integers(0, 2, n)
    score = np.clip(0.35 * y + rng.random(n) * 0.65 + 0.1 * (sensitive["race"] == "B"), 0, 1)
    pred = (score > 0.5).astype(int)
    # Group D&f sees only positive labels, and group C&m is only ever predicted negative.
    df = (sensitive["race"] == "D") & (sensitive["sex"] == "f")
    y[df] = 1
    pred[(sensitive["race"] == "C") & (sensitive["sex"] == "m")] = 0
    return y, pred, score, sensitive


FAIRLEARN = {"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate,
             "fnr": false_negative_rate, "accuracy": accuracy_score,
             "ppv": lambda yt, yp: precision_score(yt, yp, zero_division=0)}


def _table(audit, feature):
    return {row["group"]: row for row in audit.groups if row["feature"] == feature}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("features", [["race"], ["sex"], ["race", "sex"]])
def test_group_rates_equal_metricframe(seed, features):
    y, pred, score, sensitive = random_data(seed)
    audit = fairness_audit(y, pred, sensitive, rules(), 0.95, score=score)
    frame = MetricFrame(metrics=FAIRLEARN, y_true=y, y_pred=pred, sensitive_features=sensitive[features])
    ours = _table(audit, "&".join(features))
    assert len(ours) == len(frame.by_group)
    for key, expected in frame.by_group.iterrows():
        group = "&".join(key) if isinstance(key, tuple) else key
        row = ours[group]
        for name in FAIRLEARN:
            if row[name] is None:
                # Undefined here (no positives, negatives or predicted positives): Fairlearn reports 0.
                assert expected[name] == 0.0 and name in row["inconclusive"]
            else:
                assert row[name] == pytest.approx(expected[name], abs=1e-12), (group, name)


def test_single_class_groups_are_undefined_not_zero():
    y, pred, score, sensitive = random_data(0)
    audit = fairness_audit(y, pred, sensitive, rules(min_class_count=1), 0.95, score=score)
    d_f = _table(audit, "race&sex")["D&f"]
    c_m = _table(audit, "race&sex")["C&m"]
    assert d_f["fpr"] is None and d_f["auc"] is None and "0 negatives" in d_f["inconclusive"]["fpr"]
    assert c_m["ppv"] is None and "0 predicted positives" in c_m["inconclusive"]["ppv"]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("features", [["race"], ["sex"], ["race", "sex"]])
def test_aggregates_equal_fairlearn_when_every_group_is_defined(seed, features):
    rng = np.random.default_rng(seed)
    n = 4000
    sensitive = pd.DataFrame({"race": rng.choice(["A", "B", "C"], n), "sex": rng.choice(["f", "m"], n)})
    y = rng.integers(0, 2, n)
    pred = (rng.random(n) < 0.3 + 0.3 * y + 0.1 * (sensitive["race"] == "B")).astype(int)
    audit = fairness_audit(y, pred, sensitive, rules(), 0.95)
    feature = "&".join(features)
    got = {r.check_id: r.value for r in audit.results if r.group == feature}
    sf = sensitive[features]
    expected = {
        "fairness.demographic_parity_difference": demographic_parity_difference(y, pred, sensitive_features=sf),
        "fairness.demographic_parity_ratio": demographic_parity_ratio(y, pred, sensitive_features=sf),
        "fairness.equalized_odds_difference": equalized_odds_difference(y, pred, sensitive_features=sf),
        "fairness.equalized_odds_ratio": equalized_odds_ratio(y, pred, sensitive_features=sf),
        "fairness.equal_opportunity_difference": equal_opportunity_difference(y, pred, sensitive_features=sf),
        "fairness.predictive_parity_difference": MetricFrame(
            metrics=precision_score, y_true=y, y_pred=pred, sensitive_features=sf).difference(),
    }
    for check_id, value in expected.items():
        assert got[check_id] == pytest.approx(value, abs=1e-12), check_id


def test_score_figures_equal_sklearn_and_a_hand_loop():
    y, pred, score, sensitive = random_data(4)
    audit = fairness_audit(y, pred, sensitive, rules(ece_bins=5), 0.95, score=score)
    for group, row in _table(audit, "race").items():
        mask = (sensitive["race"] == group).to_numpy()
        assert row["auc"] == pytest.approx(roc_auc_score(y[mask], score[mask]), abs=1e-12)
        assert row["brier"] == pytest.approx(brier_score_loss(y[mask], score[mask]), abs=1e-12)
        bins = np.clip((score[mask] * 5).astype(int), 0, 4)
        ece = sum((bins == b).sum() / mask.sum() * abs(y[mask][bins == b].mean() - score[mask][bins == b].mean())
                  for b in range(5) if (bins == b).any())
        assert row["ece"] == pytest.approx(ece, abs=1e-12)


def test_hand_worked_example():
    # group a: y 1 1 0 0, pred 1 0 1 0 -> selection 0.5, TPR 0.5, FPR 0.5
    # group b: y 1 1 0 0, pred 1 1 0 0 -> selection 0.5, TPR 1.0, FPR 0.0
    y = np.array([1, 1, 0, 0, 1, 1, 0, 0])
    pred = np.array([1, 0, 1, 0, 1, 1, 0, 0])
    sensitive = pd.DataFrame({"g": list("aaaabbbb")})
    audit = fairness_audit(y, pred, sensitive, rules(), 0.95)
    got = {r.check_id: r.value for r in audit.results}
    assert got["fairness.demographic_parity_difference"] == 0.0
    assert got["fairness.demographic_parity_ratio"] == 1.0
    assert got["fairness.equalized_odds_difference"] == 0.5  # max(|0.5 - 1.0|, |0.5 - 0.0|)
    assert got["fairness.equal_opportunity_difference"] == 0.5
    assert got["fairness.equalized_odds_ratio"] == 0.0  # min(0.5 / 1.0, 0.0 / 0.5)
    assert got["fairness.predictive_parity_difference"] == pytest.approx(0.5)  # PPV 0.5 vs 1.0


def _disparate(n_big=4000, n_small=20):
    """Groups a and b select at 0.5; a tiny group c selects nobody."""
    rng = np.random.default_rng(1)
    groups = np.array(["a"] * n_big + ["b"] * n_big + ["c"] * n_small)
    y = rng.integers(0, 2, len(groups))
    pred = np.where(groups == "c", 0, (rng.random(len(groups)) < 0.5).astype(int))
    return y, pred, pd.DataFrame({"g": groups})


def test_a_small_group_is_reported_but_never_the_sole_cause_of_a_fail():
    y, pred, sensitive = _disparate()
    audit = fairness_audit(y, pred, sensitive, rules(min_group_size=50), 0.95)
    ratio = next(r for r in audit.results if r.check_id == "fairness.demographic_parity_ratio")
    assert ratio.status is Status.PASS and "left out: c (20 rows, fewer than min_group_size 50)" in ratio.message
    small = _table(audit, "g")["c"]
    assert small["n"] == 20 and small["selection_rate"] == 0.0
    assert small["inconclusive"]["selection_rate"] == "20 rows, fewer than min_group_size 50"
    # Judged with the small group in, the same data fails.
    judged_in = fairness_audit(y, pred, sensitive, rules(min_group_size=10), 0.95)
    assert next(r for r in judged_in.results if r.check_id == "fairness.demographic_parity_ratio").status is Status.FAIL


def test_fewer_than_two_comparable_groups_is_inconclusive():
    y, pred, sensitive = _disparate(n_big=30)
    audit = fairness_audit(y, pred, sensitive, rules(min_group_size=50), 0.95)
    assert {r.status for r in audit.results} == {Status.INCONCLUSIVE}


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    y, pred, _score, sensitive = random_data(2)
    first = fairness_audit(y, pred, sensitive, rules(seed=11), 0.95)
    again = fairness_audit(y, pred, sensitive, rules(seed=11), 0.95)
    other = fairness_audit(y, pred, sensitive, rules(seed=12), 0.95)
    assert [r.ci for r in first.results] == [r.ci for r in again.results]
    assert [r.ci for r in first.results] != [r.ci for r in other.results]
    for row in first.groups:
        for name, ci in row["ci"].items():
            if ci is not None and row[name] is not None:
                assert ci[0] <= row[name] <= ci[1]
    for r in first.results:
        if r.ci is not None:
            assert r.ci[0] <= r.value <= r.ci[1]


def test_intervals_match_an_independent_row_bootstrap():
    """The count bootstrap against a plain row-level stratified bootstrap on the same data."""
    rng = np.random.default_rng(8)
    n = 4000
    g = rng.choice(["a", "b"], n)
    y = rng.integers(0, 2, n)
    pred = (rng.random(n) < np.where(g == "a", 0.5, 0.4)).astype(int)
    audit = fairness_audit(y, pred, pd.DataFrame({"g": g}), rules(resamples=2000, seed=3), 0.95)
    ours = next(r for r in audit.results if r.check_id == "fairness.demographic_parity_difference").ci
    draws = []
    ia, ib = np.flatnonzero(g == "a"), np.flatnonzero(g == "b")
    for _ in range(2000):
        sa, sb = rng.choice(ia, len(ia)), rng.choice(ib, len(ib))
        draws.append(abs(pred[sa].mean() - pred[sb].mean()))
    reference = np.quantile(draws, [0.025, 0.975])
    assert ours == pytest.approx(tuple(reference), abs=0.006)


def test_missing_sensitive_values_form_their_own_group():
    y, pred, _score, sensitive = random_data(5)
    sensitive.loc[:99, "sex"] = None
    audit = fairness_audit(y, pred, sensitive, rules(), 0.95)
    assert _table(audit, "sex")["missing"]["n"] == 100


def test_reference_group_comparison():
    y, pred, _score, sensitive = random_data(6)
    audit = fairness_audit(y, pred, sensitive[["race"]], rules(compare="to_reference", reference_groups={"race": "B"}), 0.95)
    by_group = MetricFrame(metrics=selection_rate, y_true=y, y_pred=pred, sensitive_features=sensitive["race"]).by_group
    diffs = {r.group: r.value for r in audit.results if r.check_id == "fairness.demographic_parity_difference"}
    assert set(diffs) == {"race=A", "race=C", "race=D"}
    for group in "ACD":
        assert diffs[f"race={group}"] == pytest.approx(abs(by_group[group] - by_group["B"]), abs=1e-12)
    largest = fairness_audit(y, pred, sensitive[["race"]], rules(compare="to_reference"), 0.95)
    assert "race=A" not in {r.group for r in largest.results}  # A is the largest group, so the reference


@pytest.mark.parametrize(
    ("y", "pred", "score", "says"),
    [
        (np.array([0, 1, 2, 1]), np.array([0, 1, 1, 1]), None, "label column 'outcome'"),
        (np.array([0, 1, 0, 1]), np.array([0, 0.5, 1, 1]), None, "prediction column 'decision'"),
        (np.array([0, 1, 0, 1]), np.array([0, 1, 1, 1]), np.array([0.1, 1.5, 0.2, 0.3]), "probabilities in [0, 1]"),
        (np.array([], dtype=int), np.array([], dtype=int), None, "no rows"),
    ],
)
def test_bad_input_is_an_error_naming_the_column(y, pred, score, says):
    sensitive = pd.DataFrame({"g": list("abab")[: len(y)]})
    audit = fairness_audit(y, pred, sensitive, rules(), 0.95, score=score, label_column="outcome",
                           prediction_column="decision")
    assert audit.results and all(r.status is Status.ERROR and says in r.message for r in audit.results)
    assert {r.check_id for r in audit.results} == {f"fairness.{name}" for name in ALL_RULES}


def test_no_sensitive_features_is_an_error():
    audit = fairness_audit(np.array([0, 1]), np.array([0, 1]), pd.DataFrame(index=range(2)), rules(), 0.95)
    assert all(r.status is Status.ERROR and "no sensitive features" in r.message for r in audit.results)


def test_calibration_gap_is_reported_on_the_point_estimate():
    y, pred, score, sensitive = random_data(3)
    audit = fairness_audit(y, pred, sensitive[["sex"]], rules(), 0.95, score=score)
    gap = next(r for r in audit.results if r.check_id == "fairness.calibration_gap")
    table = _table(audit, "sex")
    assert gap.value == pytest.approx(abs(table["f"]["ece"] - table["m"]["ece"]), abs=1e-12)
    assert gap.ci is None and "point estimate" in gap.message


def test_a_declared_category_without_rows_is_reported_empty_not_dropped():
    y, pred, _score, sensitive = random_data(7)
    sensitive["race"] = pd.Categorical(sensitive["race"], categories=["A", "B", "C", "D", "E"])
    audit = fairness_audit(y, pred, sensitive, rules(min_group_size=5), 0.95)
    empty = _table(audit, "race")["E"]
    assert empty["n"] == 0 and empty["selection_rate"] is None
    assert empty["inconclusive"]["selection_rate"] == "0 rows, fewer than min_group_size 5"
    assert "E&f" not in _table(audit, "race&sex")
    ratio = next(r for r in audit.results if r.check_id == "fairness.demographic_parity_ratio" and r.group == "race")
    assert "left out: E (0 rows" in ratio.message


@pytest.mark.parametrize("values", [["f"] * 400, [None] * 400], ids=["one_group", "all_null"])
def test_a_feature_with_fewer_than_two_groups_is_inconclusive_never_a_pass(values):
    rng = np.random.default_rng(3)
    y, pred = rng.integers(0, 2, 400), rng.integers(0, 2, 400)
    audit = fairness_audit(y, pred, pd.DataFrame({"sex": values}), rules(), 0.95)
    assert audit.results and all(r.status is Status.INCONCLUSIVE for r in audit.results)
    assert all("fewer than two groups can be compared" in r.message for r in audit.results)


def test_equalized_odds_is_undefined_when_one_of_its_rates_is_even_if_the_other_would_pass():
    rng = np.random.default_rng(4)
    sensitive = pd.DataFrame({"sex": rng.choice(["f", "m"], 2000)})
    pred = rng.integers(0, 2, 2000)
    audit = fairness_audit(np.zeros(2000, dtype=int), pred, sensitive, rules(), 0.95)  # every label 0: no TPR
    by_id = {r.check_id: r for r in audit.results}
    for check in ("equalized_odds_difference", "equalized_odds_ratio", "equal_opportunity_difference"):
        assert by_id[f"fairness.{check}"].status is Status.INCONCLUSIVE, check
    assert by_id["fairness.demographic_parity_ratio"].status is Status.PASS  # needs no positives


def test_a_sensitive_column_with_more_groups_than_the_policy_allows_is_refused_at_once():
    rng = np.random.default_rng(5)
    sensitive = pd.DataFrame({"applicant_id": [f"id{i}" for i in range(2000)]})
    audit = fairness_audit(rng.integers(0, 2, 2000), rng.integers(0, 2, 2000), sensitive, rules(max_groups=50), 0.95)
    assert {r.status for r in audit.results} == {Status.ERROR}
    assert "sensitive column 'applicant_id' has 2000 distinct values, more than max_groups 50" in audit.results[0].message

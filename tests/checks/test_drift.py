"""Drift scores against Evidently's own stattests on the same data, and the corrections on top."""

import numpy as np
import pandas as pd
import pytest
from evidently.legacy.calculations.stattests.chisquare_stattest import _chi_stat_test
from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
from evidently.legacy.calculations.stattests.ks_stattest import _ks_stat_test
from evidently.legacy.calculations.stattests.psi import _psi
from evidently.legacy.calculations.stattests.registry import _get_default_stattest
from evidently.legacy.calculations.stattests.wasserstein_distance_norm import _wasserstein_distance_norm
from evidently.legacy.calculations.stattests.z_stattest import _z_stat_test
from evidently.legacy.core import ColumnType
from statsmodels.stats.multitest import multipletests

from govflow.checks.drift import benjamini_hochberg, default_method, drift_report, score
from govflow.checks.policy import DriftChecks, DriftEffects, DriftThresholds, MaximumRule, Rule
from govflow.checks.results import Status

EVIDENTLY = {"wasserstein": _wasserstein_distance_norm, "jensenshannon": _jensenshannon, "psi": _psi,
             "ks": _ks_stat_test, "chisquare": _chi_stat_test, "z": _z_stat_test}
EVIDENTLY_NAMES = {"wasserstein": "wasserstein", "jensenshannon": "jensenshannon", "ks": "ks",
                   "chisquare": "chisquare", "z": "z"}


def rules(**overrides) -> DriftChecks:
    base = {"min_samples": 100, "report_rows": 1000, "seed": 1,
                "thresholds": DriftThresholds(wasserstein=0.1, jensenshannon=0.1, psi=0.1, ks=0.05, chisquare=0.05, z=0.05),
                "min_effect": DriftEffects(ks=0.1, chisquare=0.1, z=0.05),
                "feature": Rule(blocking=False), "share": MaximumRule(max=0.5)}
    return DriftChecks(**{**base, **overrides})


def _samples(kind: str, seed: int, n_ref: int = 3000, n_cur: int = 2000, shift: float = 0.3):
    rng = np.random.default_rng(seed)
    if kind == "numeric":
        return pd.Series(rng.normal(0, 1, n_ref)), pd.Series(rng.normal(shift, 1.2, n_cur))
    if kind == "few_values":
        return pd.Series(rng.integers(0, 4, n_ref).astype(float)), pd.Series(rng.integers(0, 5, n_cur).astype(float))
    if kind == "binary":
        return pd.Series(rng.choice(["y", "n"], n_ref)), pd.Series(rng.choice(["y", "n"], n_cur, p=[0.6, 0.4]))
    return (pd.Series(rng.choice(list("abcd"), n_ref, p=[0.4, 0.3, 0.2, 0.1])),
            pd.Series(rng.choice(list("abcde"), n_cur, p=[0.3, 0.3, 0.2, 0.1, 0.1])))


CASES = [("wasserstein", "numeric"), ("wasserstein", "few_values"), ("jensenshannon", "numeric"),
         ("jensenshannon", "categorical"), ("psi", "numeric"), ("psi", "categorical"), ("ks", "numeric"),
         ("chisquare", "categorical"), ("chisquare", "few_values"), ("z", "binary")]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("method", "kind"), CASES)
def test_scores_equal_evidently(method, kind, seed):
    ref, cur = _samples(kind, seed)
    numeric = kind in ("numeric", "few_values")
    column_type = ColumnType.Numerical if numeric else ColumnType.Categorical
    expected, _ = EVIDENTLY[method](ref, cur, column_type, 0.1)
    ours, p_value, _ = score(method, ref, cur, numeric)
    assert ours == pytest.approx(float(expected), rel=1e-12, abs=1e-15)
    assert (p_value is not None) == (method in ("ks", "chisquare", "z"))


@pytest.mark.parametrize(("kind", "n_ref"), [("numeric", 3000), ("numeric", 500), ("few_values", 3000),
                                              ("few_values", 500), ("categorical", 3000), ("categorical", 500),
                                              ("binary", 500)])
def test_default_method_equals_evidentlys_choice(kind, n_ref):
    ref, cur = _samples(kind, 0, n_ref=n_ref)
    numeric = kind in ("numeric", "few_values")
    expected = _get_default_stattest(ref, cur, ColumnType.Numerical if numeric else ColumnType.Categorical)
    assert default_method(ref, cur, numeric) == EVIDENTLY_NAMES[expected.name]


def test_benjamini_hochberg_equals_statsmodels():
    p = np.random.default_rng(1).random(40) ** 3
    assert benjamini_hochberg(p) == pytest.approx(multipletests(p, method="fdr_bh")[1].tolist(), abs=1e-15)


def test_a_null_comparison_of_a_large_sample_flags_nothing():
    rng = np.random.default_rng(5)
    n = 200_000
    reference = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(8)})
    current = pd.DataFrame({f"x{i}": rng.normal(0.01, 1, n) for i in range(8)})  # a trivial shift
    for methods in (None, {c: "ks" for c in reference}):
        report = drift_report(reference, current, list(reference), rules(), methods)
        assert not any(f["drifted"] for f in report.features)
        assert next(r for r in report.results if r.check_id == "drift.share").status is Status.PASS
    ks = drift_report(reference, current, list(reference), rules(), {c: "ks" for c in reference})
    assert min(f["p_value"] for f in ks.features) < 0.05  # significant, but far below the minimum effect


def test_real_drift_is_flagged_with_corrected_p_values():
    ref, cur = _samples("numeric", 2, n_ref=800, n_cur=800, shift=0.5)
    report = drift_report(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), ["x"], rules())
    (row,) = report.features
    assert row["method"] == "ks" and row["drifted"] and row["p_adjusted"] == row["p_value"]
    feature = next(r for r in report.results if r.check_id == "drift.feature")
    assert feature.status is Status.FAIL and "BH-adjusted" in feature.message


@pytest.mark.parametrize(("n", "status"), [(99, Status.INCONCLUSIVE), (100, Status.PASS), (101, Status.PASS)])
def test_min_samples_boundary(n, status):
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"x": rng.normal(size=500)})
    current = pd.DataFrame({"x": rng.normal(size=n)})
    report = drift_report(reference, current, ["x"], rules(min_samples=100))
    assert next(r for r in report.results if r.check_id == "drift.feature").status is status


@pytest.mark.parametrize(("drifted", "status"), [(1, Status.PASS), (2, Status.PASS), (3, Status.FAIL)])
def test_share_boundary(drifted, status):
    """Four features, limit 0.5: two drifted is at the limit and passes."""
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({f"x{i}": rng.normal(size=2000) for i in range(4)})
    current = pd.DataFrame({f"x{i}": rng.normal(2.0 if i < drifted else 0.0, 1, 2000) for i in range(4)})
    share = next(r for r in drift_report(reference, current, list(reference), rules()).results
                 if r.check_id == "drift.share")
    assert share.value == drifted / 4 and share.status is status


def test_missing_column_is_an_error_and_nothing_judged_is_inconclusive():
    report = drift_report(pd.DataFrame({"a": [1.0]}), pd.DataFrame({"b": [1.0]}), ["a"], rules())
    feature, share = report.results
    assert feature.status is Status.ERROR and feature.message == "current data has no column 'a'"
    assert share.status is Status.INCONCLUSIVE


def test_unknown_method_is_named():
    with pytest.raises(ValueError, match="unknown drift method 'energy'"):
        score("energy", pd.Series([1.0, 2.0]), pd.Series([1.0, 2.0]), True)


def test_shared_columns_keep_reference_order_and_drop_non_features():
    from govflow.checks.drift import shared_columns

    assert shared_columns(["a", "y", "b", "c"], ["c", "b", "a", "id"], {"y", "id", None}) == ["a", "b", "c"]


@pytest.mark.parametrize(("n", "m", "values"), [(500, 300, None), (1000, 1000, 7), (37, 5000, 3)])
def test_wasserstein_distance_equals_scipy_with_ties_and_unequal_sizes(n, m, values):
    from scipy.stats import wasserstein_distance as scipy_wasserstein

    from govflow.checks.drift import wasserstein_distance

    rng = np.random.default_rng(n)
    u, v = rng.normal(0, 1, n), rng.normal(0.4, 2, m)
    if values:
        u, v = np.round(u * values), np.round(v * values)  # many ties within and across the samples
    assert wasserstein_distance(u, v) == pytest.approx(scipy_wasserstein(u, v), rel=1e-12)


def test_default_method_looks_past_a_uniform_head():
    """The first rows hold five values, later ones more: the count must cover every row, like Evidently."""
    head = np.tile(np.arange(5.0), 1000)
    ref = pd.Series(np.concatenate([head, np.arange(5.0, 200.0)]))
    cur = pd.Series(np.tile(np.arange(5.0), 100))
    expected = _get_default_stattest(ref, cur, ColumnType.Numerical)
    assert default_method(ref, cur, True) == EVIDENTLY_NAMES[expected.name] == "wasserstein"


def test_infinities_are_left_out_and_reported():
    rng = np.random.default_rng(8)
    reference = pd.DataFrame({"x": rng.normal(size=2000)})
    current = pd.DataFrame({"x": np.concatenate([rng.normal(size=1990), [np.inf] * 6, [-np.inf] * 4])})
    report = drift_report(reference, current, ["x"], rules())
    (row,) = report.features
    assert row["infinite_current"] == 10 and row["n_current"] == 1990
    expected, _ = _wasserstein_distance_norm(reference["x"], current["x"][np.isfinite(current["x"])],
                                             ColumnType.Numerical, 0.1)
    assert row["score"] == pytest.approx(expected, rel=1e-12)
    feature = next(r for r in report.results if r.check_id == "drift.feature")
    assert feature.status is Status.PASS and "10 current infinite values left out" in feature.message


def test_all_null_constant_unseen_category_and_type_change_never_crash_or_pass_silently():
    rng = np.random.default_rng(9)
    n = 500
    reference = pd.DataFrame({"empty": rng.normal(size=n), "flat": np.ones(n), "cat": rng.choice(list("ab"), n),
                              "typed": rng.normal(size=n)})
    current = pd.DataFrame({"empty": np.full(n, np.nan), "flat": np.ones(n), "cat": rng.choice(list("abz"), n),
                            "typed": rng.choice(list("xy"), n)})
    report = drift_report(reference, current, list(reference), rules())
    by_column = {r.column: r for r in report.results if r.check_id == "drift.feature"}
    assert by_column["empty"].status is Status.INCONCLUSIVE
    assert by_column["empty"].message == "column 'empty' holds no value in the current data"
    assert by_column["flat"].status is Status.PASS and by_column["flat"].value == 1.0  # z-test p-value
    assert by_column["cat"].status is Status.FAIL  # a third of the rows are a category never seen
    assert by_column["typed"].status is Status.ERROR
    assert by_column["typed"].message == "column 'typed' changed type: numeric in the reference, categorical now"
    share = next(r for r in report.results if r.check_id == "drift.share")
    # Over all four columns: one drifted, two could not be judged and might have: not a pass by silence.
    assert share.n == 4 and share.value == 0.25 and share.status is Status.INCONCLUSIVE
    assert "2 could not be judged (empty, typed)" in share.message and "would be 75.00%" in share.message


@pytest.mark.parametrize("drifted, unjudged, expected", [
    (0, 0, Status.PASS), (1, 1, Status.PASS), (1, 2, Status.INCONCLUSIVE), (3, 0, Status.FAIL), (3, 1, Status.FAIL),
])
def test_the_drift_share_counts_columns_that_could_not_be_judged(drifted, unjudged, expected):
    from govflow.checks.drift import _share

    rows = ([{"column": f"d{i}", "drifted": True} for i in range(drifted)]
            + [{"column": f"u{i}", "drifted": None} for i in range(unjudged)]
            + [{"column": f"k{i}", "drifted": False} for i in range(6 - drifted - unjudged)])
    result = _share(rows, MaximumRule(max=0.34))  # two of six may drift
    assert result.status is expected and result.n == 6


def test_a_change_in_the_share_of_missing_values_is_its_own_drift_check():
    rng = np.random.default_rng(11)
    n = 900
    reference = pd.DataFrame({"x": rng.normal(size=n), "y": rng.normal(size=n), "z": rng.normal(size=n)})
    current = reference.sample(frac=1, random_state=1).reset_index(drop=True)
    current.loc[: n // 3 - 1, "x"] = np.nan          # a third went null: the remaining rows do not drift
    current["y"] = np.nan                             # wholly null
    current.loc[::10, "z"] = np.inf                   # a tenth infinite
    report = drift_report(reference, current, ["x", "y", "z"], rules(missing=MaximumRule(max=0.05)))
    missing = {r.column: r for r in report.results if r.check_id == "drift.missing"}
    assert missing["x"].status is Status.FAIL and missing["x"].value == pytest.approx(1 / 3)
    assert "0.0% in the reference, 33.3% now" in missing["x"].message
    assert missing["y"].status is Status.FAIL and missing["y"].value == 1.0
    assert missing["z"].status is Status.FAIL and missing["z"].value == pytest.approx(0.1)
    features = {r.column: r for r in report.results if r.check_id == "drift.feature"}
    assert features["x"].status is Status.PASS  # the distribution test alone would have said nothing
    unchanged = drift_report(reference, reference, ["x"], rules(missing=MaximumRule(max=0.05)))
    assert [r.status for r in unchanged.results if r.check_id == "drift.missing"] == [Status.PASS]


@pytest.mark.parametrize("check_id", ["drift.prediction", "drift.label"])
def test_output_drift_is_judged_alone_without_correction(check_id):
    rng = np.random.default_rng(10)
    reference = pd.DataFrame({"out": rng.choice([0, 1], 400, p=[0.8, 0.2])})
    current = pd.DataFrame({"out": rng.choice([0, 1], 300, p=[0.6, 0.4])})
    from govflow.checks.drift import output_drift

    result, row = output_drift(check_id, "out", reference, current, rules())
    expected, _ = _z_stat_test(reference["out"], current["out"], ColumnType.Categorical, 0.05)
    assert result.check_id == check_id == row["check_id"] and row["method"] == "z"
    assert row["p_value"] == pytest.approx(float(expected), rel=1e-12) and row["p_adjusted"] is None
    assert result.status is Status.FAIL
    same, _ = output_drift(check_id, "out", reference, reference, rules())
    assert same.status is Status.PASS
    missing, _ = output_drift(check_id, "nope", reference, current, rules())
    assert missing.check_id == check_id and missing.status is Status.ERROR

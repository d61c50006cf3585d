"""Proxy detection: Cramer's V against SciPy, the warn and fail bands at their edges, and the cross-validated
AUC on inputs that reveal an attribute exactly, partly, or not at all."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats.contingency import association

from govflow.checks.policy import BandRule, ProxyChecks
from govflow.checks.proxy import as_categories, association_results, cramers_v, proxy_audit
from govflow.checks.results import Status


def rules(**over) -> ProxyChecks:
    return ProxyChecks(sample_rows=5000, folds=5, bins=4, seed=1,
                       predictability=over.get("predictability", BandRule(warn=0.65, max=0.75)),
                       association=over.get("association", BandRule(warn=0.15, max=0.3)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cramers_v_equals_scipy(seed):
    rng = np.random.default_rng(seed)
    a = pd.Series(rng.choice(list("abc"), 400))
    b = pd.Series(np.where(rng.random(400) < 0.3, a, rng.choice(list("xyzw"), 400)))
    table = pd.crosstab(a, b).to_numpy()
    assert cramers_v(a, b) == pytest.approx(association(table, method="cramer"), abs=1e-12)


def test_hand_worked_cramers_v():
    # 2x2 table [[30, 10], [10, 30]]: chi2 = 20, n = 80, V = sqrt(20 / 80) = 0.5.
    a = pd.Series(["f"] * 40 + ["m"] * 40)
    b = pd.Series(["y"] * 30 + ["n"] * 10 + ["y"] * 10 + ["n"] * 30)
    assert cramers_v(a, b) == pytest.approx(0.5)
    assert cramers_v(a, pd.Series(["y"] * 80)) == 0.0


def test_numeric_inputs_are_binned_and_missing_is_a_category():
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, np.nan])
    cats = as_categories(values, 4)
    assert cats.nunique() == 5 and cats.iloc[-1] == "(missing)"
    assert as_categories(pd.Series([1, 2, 1]), 4).tolist() == ["1", "2", "1"]
    # A mass of zeros fills every inner quantile: zeros and the rest still fall apart.
    gaps = pd.Series([0.0] * 80 + list(np.linspace(0.5, 4.0, 20)))
    assert as_categories(gaps, 5).value_counts().to_dict() == {"<= 0": 80, "> 0.1": 20}


# A 2x2 table with V exactly 0.5 judged against limits just below, at and just above it.
@pytest.mark.parametrize(("warn", "fail", "status"), [
    (0.49, 0.499, Status.FAIL), (0.49, 0.5, Status.WARN), (0.5, 0.6, Status.PASS), (0.51, 0.6, Status.PASS),
])
def test_association_bands(warn, fail, status):
    frame = pd.DataFrame({"sex": ["f"] * 40 + ["m"] * 40,
                          "part_time": ["y"] * 30 + ["n"] * 10 + ["y"] * 10 + ["n"] * 30})
    results, rows = association_results(frame, ["part_time"], ["sex"], rules(association=BandRule(warn=warn, max=fail)))
    assert rows[0]["cramers_v"] == pytest.approx(0.5)
    assert results[0].status is status and results[0].column == "part_time" and results[0].group == "sex"


def test_audit_names_the_proxy_and_the_predictability():
    rng = np.random.default_rng(4)
    n = 2000
    sex = rng.choice(["female", "male"], n)
    frame = pd.DataFrame({
        "career_gap": np.where((sex == "female") & (rng.random(n) < 0.6), rng.gamma(2, 1, n), 0.0),
        "rating": rng.normal(3, 1, n), "dept": rng.choice(["a", "b"], n), "sex": sex,
        "band": rng.choice(["young", "old"], n),
    })
    results, doc = proxy_audit(frame, ["career_gap", "rating", "dept"], ["sex", "band"], rules())
    by = {(r.check_id, r.column, r.group): r for r in results}
    assert by[("proxy.association", "career_gap", "sex")].status is Status.FAIL
    assert by[("proxy.association", "rating", "sex")].status is Status.PASS
    predict_sex = by[("proxy.predictability", "sex", None)]
    assert predict_sex.status is Status.FAIL and predict_sex.value > 0.75 and "'career_gap'" in predict_sex.message
    predict_band = by[("proxy.predictability", "band", None)]
    assert predict_band.status is Status.PASS and abs(predict_band.value - 0.5) < 0.06
    assert doc["predictability"][0]["strongest_proxy"] == "career_gap"


def test_an_attribute_that_does_not_vary_is_inconclusive_not_a_pass():
    frame = pd.DataFrame({"x": np.arange(50.0), "sex": [None] * 49 + ["f"]})
    results, rows = association_results(frame, ["x"], ["sex"], rules())
    assert rows == [] and [r.status for r in results] == [Status.INCONCLUSIVE]
    assert "'sex' has fewer than two known values" in results[0].message


def test_an_exact_copy_predicts_with_auc_one_and_tiny_groups_are_inconclusive():
    rng = np.random.default_rng(0)
    group = rng.choice(["a", "b", "c"], 300)
    frame = pd.DataFrame({"copy": group, "x": rng.normal(size=300), "group": group,
                          "rare": ["r"] * 3 + ["s"] * 297})
    results, _ = proxy_audit(frame, ["copy", "x"], ["group", "rare"], rules())
    auc = next(r for r in results if r.check_id == "proxy.predictability" and r.column == "group")
    assert auc.value == pytest.approx(1.0)
    rare = next(r for r in results if r.check_id == "proxy.predictability" and r.column == "rare")
    assert rare.status is Status.INCONCLUSIVE and "fewer than two groups" in rare.message

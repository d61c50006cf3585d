"""The adverse impact ratio against statsmodels: Katz's log interval for a ratio of proportions and the pooled
two-proportion z-test."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from govflow.checks.adverse_impact import adverse_impact, ratio_interval, two_proportion_test


@pytest.mark.parametrize(("selected", "n", "ref_selected", "ref_n"), [(120, 400, 250, 500), (30, 90, 400, 1000)])
def test_interval_and_test_equal_statsmodels(selected, n, ref_selected, ref_n):
    low, high = ratio_interval(selected, n, ref_selected, ref_n, 0.95)
    expected = confint_proportions_2indep(selected, n, ref_selected, ref_n, method="log", compare="ratio", alpha=0.05)
    assert (low, high) == pytest.approx(expected, rel=1e-9)
    z, p = two_proportion_test(selected, n, ref_selected, ref_n)
    z_sm, p_sm = proportions_ztest([selected, ref_selected], [n, ref_n])
    assert (z, p) == pytest.approx((z_sm, p_sm), rel=1e-9)


def test_groups_against_the_most_favoured_and_small_groups_listed_without_a_ratio():
    decisions = np.r_[np.ones(60), np.zeros(40), np.ones(30), np.zeros(70), np.ones(5)]
    groups = pd.DataFrame({"race": ["A"] * 100 + ["B"] * 100 + ["C"] * 5})
    rows = {r["group"]: r for r in adverse_impact(decisions, groups, 0.95, min_group_size=30)}
    assert rows["A"]["reference_group"] == "A" and "adverse_impact_ratio" not in rows["A"]
    assert rows["B"]["adverse_impact_ratio"] == pytest.approx(0.5) and rows["B"]["below_four_fifths"]
    assert "adverse_impact_ratio" not in rows["C"]  # 5 rows: too few, though all were selected

"""The adverse impact ratio as a fair-lending review states it: each group's selection rate over the most
favoured group's, with a confidence interval for the ratio (Katz's log method) and a two-proportion z-test of
the difference, beside the four-fifths rule.

Checked against statsmodels' `test_proportions_2indep` and `confint_proportions_2indep`
(tests/checks/test_adverse_impact.py).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

FOUR_FIFTHS = 0.8  # the Uniform Guidelines' rule of thumb (29 CFR 1607.4(D)), reported beside the policy's own limit


def ratio_interval(selected: int, n: int, ref_selected: int, ref_n: int, confidence: float) -> tuple[float, float]:
    """Katz's log interval for the ratio of two proportions (a group's over the reference group's)."""
    if selected == 0 or ref_selected == 0:
        return (0.0, math.inf) if ref_selected else (math.nan, math.nan)
    ratio = (selected / n) / (ref_selected / ref_n)
    se = math.sqrt(1 / selected - 1 / n + 1 / ref_selected - 1 / ref_n)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return ratio * math.exp(-z * se), ratio * math.exp(z * se)


def two_proportion_test(selected: int, n: int, ref_selected: int, ref_n: int) -> tuple[float, float]:
    """(z, two-sided p-value) of the pooled two-proportion z-test."""
    pooled = (selected + ref_selected) / (n + ref_n)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / ref_n))
    if spread == 0:
        return 0.0, 1.0
    z = (selected / n - ref_selected / ref_n) / spread
    return z, float(2 * stats.norm.sf(abs(z)))


def adverse_impact(decisions: np.ndarray, sensitive: pd.DataFrame, confidence: float,
                   min_group_size: int) -> list[dict[str, Any]]:
    """Per sensitive column and group: the selection rate, and against the column's most favoured group (the
    highest rate among groups of at least `min_group_size` rows) the adverse impact ratio with its interval,
    the z-test, and whether the ratio falls below four-fifths. Smaller groups are listed without a ratio."""
    pred = np.asarray(decisions).astype(int)
    rows = []
    for column in sensitive.columns:
        values = sensitive[column].astype("string").fillna("<missing>").to_numpy()
        groups = {}
        for group in sorted(set(values)):
            chosen = values == group
            groups[group] = (int(pred[chosen].sum()), int(chosen.sum()))
        eligible = {g: v for g, v in groups.items() if v[1] >= min_group_size}
        if not eligible:
            continue
        reference = max(eligible, key=lambda g: (eligible[g][0] / eligible[g][1], eligible[g][1]))
        ref_selected, ref_n = eligible[reference]
        for group, (selected, n) in groups.items():
            row: dict[str, Any] = {"feature": column, "group": group, "n": n, "selected": selected,
                                   "selection_rate": selected / n, "reference_group": reference}
            if group in eligible and group != reference and ref_selected:
                ratio = (selected / n) / (ref_selected / ref_n)
                z, p = two_proportion_test(selected, n, ref_selected, ref_n)
                row |= {"adverse_impact_ratio": ratio,
                        "ci": list(ratio_interval(selected, n, ref_selected, ref_n, confidence)),
                        "z": z, "p_value": p, "below_four_fifths": ratio < FOUR_FIFTHS,
                        "significant": p < 1 - confidence}
            rows.append(row)
    return rows

"""Data drift per feature with Evidently's methods and defaults, made sound for large data:
p-values corrected across features (Benjamini-Hochberg), a minimum effect size on top of
significance, a minimum sample size, and the share of drifted features.

Scores equal Evidently's own stattests on the same data (tests/checks/test_drift.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from checks.data_validation import column_kind
from checks.policy import DriftChecks
from checks.results import CheckResult, Status

P_VALUE_METHODS = frozenset({"ks", "chisquare", "z"})
METHODS = ("wasserstein", "jensenshannon", "psi", "ks", "chisquare", "z")


def default_method(reference: pd.Series, current: pd.Series, numeric: bool) -> str:
    """Evidently's default: above 1000 reference rows, normed Wasserstein for numeric columns with more
    than 5 values and Jensen-Shannon otherwise; below, KS, or chi-square / z-test for few values."""
    n_values = pd.concat([reference, current]).nunique()
    if len(reference) > 1000:
        return "wasserstein" if numeric and n_values > 5 else "jensenshannon"
    if numeric and n_values > 5:
        return "ks"
    return "chisquare" if n_values > 2 else "z"


def _shares(reference: pd.Series, current: pd.Series, numeric: bool, bins: int, fill_zeros: bool):
    """Evidently's binning: Sturges bins over both samples for numeric columns with over 20 values,
    else each value's share; with `fill_zeros`, empty bins get a tiny share so logarithms stay finite."""
    if numeric and reference.nunique() > 20:
        edges = np.histogram_bin_edges(np.concatenate([reference.to_numpy(), current.to_numpy()]), bins="sturges")
        ref = np.histogram(reference, edges)[0] / len(reference)
        cur = np.histogram(current, edges)[0] / len(current)
    else:
        keys = list(set(reference.unique()) | set(current.unique()))
        ref = reference.value_counts().reindex(keys, fill_value=0).to_numpy() / len(reference)
        cur = current.value_counts().reindex(keys, fill_value=0).to_numpy() / len(current)
    if fill_zeros:
        for shares in (ref, cur):
            smallest = shares[shares != 0].min()
            shares[shares == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return ref.astype(float), cur.astype(float)


def score(method: str, reference: pd.Series, current: pd.Series, numeric: bool) -> tuple[float, float | None, float | None]:
    """(score, p-value or None, effect size or None) for one column; nulls already removed."""
    if method == "wasserstein":
        norm = max(float(np.std(reference)), 0.001)
        return float(stats.wasserstein_distance(reference, current) / norm), None, None
    if method == "jensenshannon":
        ref, cur = _shares(reference, current, numeric, 30, fill_zeros=False)
        return float(distance.jensenshannon(ref, cur)), None, None
    if method == "psi":
        ref, cur = _shares(reference, current, numeric, 30, fill_zeros=True)
        return float(np.sum((ref - cur) * np.log(ref / cur))), None, None
    if method == "ks":
        result = stats.ks_2samp(reference, current)
        return float(result.pvalue), float(result.pvalue), float(result.statistic)
    keys = sorted(set(reference.unique()) | set(current.unique()), key=str)
    ref_counts = reference.value_counts().reindex(keys, fill_value=0).to_numpy(dtype=float)
    cur_counts = current.value_counts().reindex(keys, fill_value=0).to_numpy(dtype=float)
    tvd = 0.5 * float(np.abs(ref_counts / len(reference) - cur_counts / len(current)).sum())
    if method == "chisquare":
        # A category the reference never had makes the statistic infinite and p zero, as in Evidently.
        with np.errstate(divide="ignore", invalid="ignore"):
            p = float(stats.chisquare(cur_counts, ref_counts * len(current) / len(reference))[1])
        return p, p, tvd
    if method == "z":
        if len(keys) == 1:
            return 1.0, 1.0, 0.0
        p1, p2 = float((reference != keys[0]).mean()), float((current != keys[0]).mean())
        pooled = (p1 * len(reference) + p2 * len(current)) / (len(reference) + len(current))
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / len(reference) + 1 / len(current)))
        p = float(2 * (1 - stats.norm.cdf(abs(z))))
        return p, p, abs(p1 - p2)
    raise ValueError(f"unknown drift method '{method}' (known: {', '.join(METHODS)})")


def shared_columns(reference: Sequence[str], current: Sequence[str], exclude: set[str | None]) -> list[str]:
    """Columns both datasets hold, in reference order, less the ones that are not features."""
    present = set(current)
    return [c for c in reference if c in present and c not in exclude]


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values: the false discovery rate at which each would be rejected."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p)
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out.tolist()


@dataclass(frozen=True)
class DriftReport:
    results: list[CheckResult]
    features: list[dict[str, Any]]


def _feature_row(column: str, method: str | None = None, **values: Any) -> dict[str, Any]:
    return {"column": column, "method": method, "score": None, "threshold": None, "p_value": None,
            "p_adjusted": None, "effect": None, "drifted": None, **values}


def drift_report(reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str], rules: DriftChecks,
                 methods: dict[str, str] | None = None) -> DriftReport:
    """Every column's drift and the dataset's share of drifted columns, judged by the policy."""
    rows, results = [], []
    for column in columns:
        missing = [name for name, frame in (("reference", reference), ("current", current)) if column not in frame]
        if missing:
            rows.append(_feature_row(column))
            results.append(CheckResult(check_id="drift.feature", status=Status.ERROR, column=column,
                                       message=f"{' and '.join(missing)} data has no column '{column}'"))
            continue
        ref, cur = reference[column].dropna(), current[column].dropna()
        if min(len(ref), len(cur)) < rules.min_samples:
            rows.append(_feature_row(column))
            results.append(CheckResult(
                check_id="drift.feature", status=Status.INCONCLUSIVE, column=column, n=len(cur),
                message=f"{len(ref)} reference and {len(cur)} current non-null rows; "
                        f"at least {rules.min_samples} each are needed"))
            continue
        numeric = column_kind(reference[column]) == "numeric" and column_kind(current[column]) == "numeric"
        method = (methods or {}).get(column) or default_method(ref, cur, numeric)
        value, p_value, effect = score(method, ref, cur, numeric)
        rows.append(_feature_row(column, method, score=value, threshold=getattr(rules.thresholds, method),
                                 p_value=p_value, effect=effect, n_reference=len(ref), n_current=len(cur)))
    tested = [r for r in rows if r["p_value"] is not None]
    for row, adjusted in zip(tested, benjamini_hochberg([r["p_value"] for r in tested])):
        row["p_adjusted"] = adjusted
    for row in rows:
        if row["score"] is None:
            continue
        if row["method"] in P_VALUE_METHODS:
            floor = getattr(rules.min_effect, row["method"])
            row["drifted"] = row["p_adjusted"] <= row["threshold"] and row["effect"] >= floor
            detail = (f"{row['method']} p={row['p_value']:.3g}, BH-adjusted {row['p_adjusted']:.3g} "
                      f"(significant at or below {row['threshold']}), effect {row['effect']:.4f} "
                      f"(counts from {floor})")
        else:
            row["drifted"] = row["score"] >= row["threshold"]
            detail = f"{row['method']} {row['score']:.4f} (drift at or above {row['threshold']})"
        results.append(CheckResult(
            check_id="drift.feature", status=Status.FAIL if row["drifted"] else Status.PASS, column=row["column"],
            value=row["score"], limit=row["threshold"], n=row["n_current"],
            message=("drifted: " if row["drifted"] else "no drift: ") + detail,
            hint="compare the feature's source and population with the reference period" if row["drifted"] else None,
        ))
    judged = [r for r in rows if r["drifted"] is not None]
    if rules.share is not None:
        if judged:
            share = sum(r["drifted"] for r in judged) / len(judged)
            status = Status.PASS if share <= rules.share.max else Status.FAIL
            results.append(CheckResult(
                check_id="drift.share", status=status, value=share, limit=rules.share.max, n=len(judged),
                message=f"{sum(r['drifted'] for r in judged)} of {len(judged)} judged features drifted ({share:.2%})"))
        else:
            results.append(CheckResult(check_id="drift.share", status=Status.INCONCLUSIVE, limit=rules.share.max,
                                       message="no feature could be judged"))
    return DriftReport(results, rows)

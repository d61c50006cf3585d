"""Data drift per feature with Evidently's methods and defaults, made sound for large data:
p-values corrected across features (Benjamini-Hochberg), a minimum effect size on top of
significance, a minimum sample size, and the share of drifted features.

Scores equal Evidently's own stattests on the same data (tests/checks/test_drift.py).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from govflow.checks.data_validation import column_kind
from govflow.checks.policy import DriftChecks, MaximumRule
from govflow.checks.results import CheckResult, Status

P_VALUE_METHODS = frozenset({"ks", "chisquare", "z"})
METHODS = ("wasserstein", "jensenshannon", "psi", "ks", "chisquare", "z")


def default_method(reference: pd.Series, current: pd.Series, numeric: bool) -> str:
    """Evidently's default: above 1000 reference rows, normed Wasserstein for numeric columns with more
    than 5 values and Jensen-Shannon otherwise; below, KS, or chi-square / z-test for few values."""
    if len(reference) > 1000:
        return "wasserstein" if numeric and _more_values_than(5, reference, current) else "jensenshannon"
    if numeric and _more_values_than(5, reference, current):
        return "ks"
    return "chisquare" if _more_values_than(2, reference, current) else "z"


def counts(series: pd.Series) -> pd.Series:
    """Each value's count, on a plain index: a categorical (strings read as dictionary codes) counts its codes,
    and categories no row holds are left out."""
    found = series.value_counts(sort=False)
    if isinstance(series.dtype, pd.CategoricalDtype):
        found = found[found > 0]
        found.index = pd.Index(found.index.astype(object))
    return found


def _more_values_than(limit: int, reference: pd.Series, current: pd.Series) -> bool:
    """Whether both samples together hold more than `limit` distinct values.

    A few thousand leading rows usually settle it, which spares hashing a million rows per column.
    """
    if isinstance(reference.dtype, pd.CategoricalDtype) or isinstance(current.dtype, pd.CategoricalDtype):
        return len(counts(reference).index.union(counts(current).index)) > limit
    head = pd.concat([reference.iloc[:4096], current.iloc[:4096]])
    if head.nunique() > limit:
        return True
    return pd.concat([reference, current]).nunique() > limit


def wasserstein_distance(u: np.ndarray, v: np.ndarray) -> float:
    """First Wasserstein distance between two samples: the area between their empirical CDFs.

    Equals scipy.stats.wasserstein_distance. Sorting each side and merging the two sorted runs
    (a stable sort does that in linear time) is several times faster on a million rows.
    """
    n, m = len(u), len(v)
    values = np.concatenate([np.sort(u), np.sort(v)])
    order = np.argsort(values, kind="stable")
    from_u = order < n
    cdf_u = np.cumsum(from_u)[:-1] / n
    cdf_v = np.cumsum(~from_u)[:-1] / m
    return float(np.sum(np.abs(cdf_u - cdf_v) * np.diff(values[order])))


def _shares(reference: pd.Series, current: pd.Series, numeric: bool, bins: int, fill_zeros: bool):
    """Evidently's binning: Sturges bins over both samples for numeric columns with over 20 values,
    else each value's share; with `fill_zeros`, empty bins get a tiny share so logarithms stay finite."""
    if numeric and reference.nunique() > 20:
        edges = np.histogram_bin_edges(np.concatenate([reference.to_numpy(), current.to_numpy()]), bins="sturges")
        ref = np.histogram(reference, edges)[0] / len(reference)
        cur = np.histogram(current, edges)[0] / len(current)
    else:
        ref_counts, cur_counts = counts(reference), counts(current)
        keys = ref_counts.index.union(cur_counts.index)
        ref = ref_counts.reindex(keys, fill_value=0).to_numpy() / len(reference)
        cur = cur_counts.reindex(keys, fill_value=0).to_numpy() / len(current)
    if fill_zeros:
        for shares in (ref, cur):
            smallest = shares[shares != 0].min()
            shares[shares == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return ref.astype(float), cur.astype(float)


def jensenshannon(p: np.ndarray, q: np.ndarray) -> float:
    """The Jensen-Shannon distance (natural logarithm) of two share vectors: scipy.spatial.distance.jensenshannon,
    without importing SciPy's spatial module for one formula."""
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def relative_entropy(x: np.ndarray) -> float:
        held = x > 0
        return float(np.sum(x[held] * np.log(x[held] / m[held])))

    return float(np.sqrt(max((relative_entropy(p) + relative_entropy(q)) / 2, 0.0)))


def score(method: str, reference: pd.Series, current: pd.Series, numeric: bool) -> tuple[float, float | None, float | None]:
    """(score, p-value or None, effect size or None) for one column; nulls already removed."""
    if method == "wasserstein":
        norm = max(float(np.std(reference)), 0.001)
        return float(wasserstein_distance(reference.to_numpy(float), current.to_numpy(float)) / norm), None, None
    if method == "jensenshannon":
        ref, cur = _shares(reference, current, numeric, 30, fill_zeros=False)
        return jensenshannon(ref, cur), None, None
    if method == "psi":
        ref, cur = _shares(reference, current, numeric, 30, fill_zeros=True)
        return float(np.sum((ref - cur) * np.log(ref / cur))), None, None
    from scipy import stats  # only the small-sample methods need it; its import costs a second

    if method == "ks":
        result: Any = stats.ks_2samp(reference, current)  # SciPy types its result without the named fields
        return float(result.pvalue), float(result.pvalue), float(result.statistic)
    ref_found, cur_found = counts(reference), counts(current)
    keys = sorted(set(ref_found.index) | set(cur_found.index), key=str)
    ref_counts = ref_found.reindex(keys, fill_value=0).to_numpy(dtype=float)
    cur_counts = cur_found.reindex(keys, fill_value=0).to_numpy(dtype=float)
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


def shared_columns(reference: Sequence[str], current: Sequence[str], exclude: AbstractSet[str | None]) -> list[str]:
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


def _usable(series: pd.Series, numeric: bool) -> tuple[pd.Series, int]:
    """Non-null values, and for numeric columns only finite ones; with the count of infinities dropped."""
    values = series.dropna()
    if not numeric:
        return values, 0
    finite = np.isfinite(values.to_numpy(dtype=float))
    return (values, 0) if finite.all() else (values[finite], int((~finite).sum()))


def measure_column(column: str, reference: pd.DataFrame, current: pd.DataFrame, rules: DriftChecks,
                   method: str | None = None) -> tuple[dict[str, Any], CheckResult | None]:
    """One column's drift figures, or the ERROR / INCONCLUSIVE result saying why it cannot be judged."""
    missing = [name for name, frame in (("reference", reference), ("current", current)) if column not in frame]
    if missing:
        return _feature_row(column), CheckResult(
            check_id="drift.feature", status=Status.ERROR, column=column,
            message=f"{' and '.join(missing)} data has no column '{column}'")
    empty = [name for name, frame in (("reference", reference), ("current", current)) if frame[column].isna().all()]
    if empty:  # a column with no value at all has no type to compare; drift.missing names the change
        return _feature_row(column), CheckResult(
            check_id="drift.feature", status=Status.INCONCLUSIVE, column=column, n=len(current),
            message=f"column '{column}' holds no value in the {' and '.join(empty)} data")
    kinds = {column_kind(reference[column]), column_kind(current[column])}
    if len(kinds) > 1:
        return _feature_row(column), CheckResult(
            check_id="drift.feature", status=Status.ERROR, column=column,
            message=f"column '{column}' changed type: {column_kind(reference[column])} in the reference, "
                    f"{column_kind(current[column])} now", hint="fix the feed or re-declare the reference data")
    numeric = kinds == {"numeric"}
    (ref, ref_inf), (cur, cur_inf) = _usable(reference[column], numeric), _usable(current[column], numeric)
    infinite: dict[str, Any] = {"infinite_reference": ref_inf, "infinite_current": cur_inf}
    dropped = f" ({ref_inf} reference and {cur_inf} current infinite values left out)" if ref_inf or cur_inf else ""
    if min(len(ref), len(cur)) < rules.min_samples:
        return _feature_row(column, **infinite), CheckResult(
            check_id="drift.feature", status=Status.INCONCLUSIVE, column=column, n=len(cur),
            message=f"{len(ref)} reference and {len(cur)} current usable rows; "
                    f"at least {rules.min_samples} each are needed{dropped}")
    method = method or default_method(ref, cur, numeric)
    value, p_value, effect = score(method, ref, cur, numeric)
    return _feature_row(column, method, score=value, threshold=getattr(rules.thresholds, method), p_value=p_value,
                        effect=effect, n_reference=len(ref), n_current=len(cur), note=dropped.strip(),
                        **infinite), None


def judge_row(row: dict[str, Any], rules: DriftChecks, check_id: str = "drift.feature") -> CheckResult:
    """Drift when the distance reaches its threshold, or when the corrected p-value is significant and
    the effect reaches the policy's minimum effect size."""
    if row["method"] in P_VALUE_METHODS:
        floor = getattr(rules.min_effect, row["method"])
        adjusted = row["p_value"] if row["p_adjusted"] is None else row["p_adjusted"]
        row["drifted"] = adjusted <= row["threshold"] and row["effect"] >= floor
        detail = (f"{row['method']} p={row['p_value']:.3g}, BH-adjusted {adjusted:.3g} "
                  f"(significant at or below {row['threshold']}), effect {row['effect']:.4f} (counts from {floor})")
    else:
        row["drifted"] = row["score"] >= row["threshold"]
        detail = f"{row['method']} {row['score']:.4f} (drift at or above {row['threshold']})"
    if row.get("note"):
        detail += f" {row['note']}"
    return CheckResult(
        check_id=check_id, status=Status.FAIL if row["drifted"] else Status.PASS, column=row["column"],
        value=row["score"], limit=row["threshold"], n=row["n_current"],
        message=("drifted: " if row["drifted"] else "no drift: ") + detail,
        hint="compare the column's source and population with the reference period" if row["drifted"] else None,
    )


def missing_share(series: pd.Series) -> float:
    """The share of a column's values that are null, or infinite in a numeric column: values no test can use."""
    if len(series) == 0:
        return float("nan")
    missing = series.isna().to_numpy()
    if column_kind(series) == "numeric":
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        missing = missing | np.isinf(values)
    return float(missing.mean())


def judge_missing(column: str, reference: pd.DataFrame, current: pd.DataFrame, rule: MaximumRule) -> CheckResult:
    """`drift.missing`: the share of missing values now against the reference, a change of at most `max`.

    A feed that starts sending nulls would otherwise shrink the sample the distribution test sees, without
    a word; a column that went wholly null could not be tested at all.
    """
    before, now = missing_share(reference[column]), missing_share(current[column])
    change = now - before
    failed = abs(change) > rule.max
    return CheckResult(
        check_id="drift.missing", status=Status.FAIL if failed else Status.PASS, column=column, value=change,
        limit=rule.max, n=len(current),
        message=(f"missing values {before:.1%} in the reference, {now:.1%} now: a change of {change * 100:+.1f} "
                 f"points, at most {rule.max * 100:.1f} allowed"),
        hint="find where the feed loses values (a join, a parser, a source outage)" if failed else None)


def _share(rows: list[dict[str, Any]], rule: MaximumRule) -> CheckResult:
    """`drift.share` over every column compared: a column that could not be judged might have drifted, so
    the share passes only if it would even then, and fails once the judged drift alone exceeds the limit."""
    drifted = sum(bool(r["drifted"]) for r in rows)
    unjudged = [r["column"] for r in rows if r["drifted"] is None]
    total = len(rows)
    share, worst = drifted / total, (drifted + len(unjudged)) / total
    message = f"{drifted} of {total} features drifted ({share:.2%})"
    if share > rule.max or worst <= rule.max:
        status = Status.FAIL if share > rule.max else Status.PASS
        if unjudged:
            message += f"; {len(unjudged)} could not be judged ({', '.join(unjudged)})"
    else:
        status = Status.INCONCLUSIVE
        message += (f"; {len(unjudged)} could not be judged ({', '.join(unjudged)}), and had they drifted the share "
                    f"would be {worst:.2%}")
    return CheckResult(check_id="drift.share", status=status, value=share, limit=rule.max, n=total,
                       message=message + f", at most {rule.max:.0%} allowed")


def drift_report(reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str], rules: DriftChecks,
                 methods: dict[str, str] | None = None) -> DriftReport:
    """Every column's drift and missing-value change, and the dataset's share of drifted columns, judged by
    the policy.

    p-values are corrected across the columns together (Benjamini-Hochberg) before judging.
    """
    rows, results = [], []
    # Columns are measured side by side: the sorts and counts release the GIL, so each core takes a column.
    with ThreadPoolExecutor(max_workers=min(len(columns), os.cpu_count() or 1) or 1) as pool:
        measured = list(pool.map(lambda c: measure_column(c, reference, current, rules, (methods or {}).get(c)),
                                 columns))
    for column, (row, unjudged) in zip(columns, measured, strict=True):
        rows.append(row)
        if unjudged is not None:
            results.append(unjudged)
        if rules.missing is not None and column in reference and column in current:
            results.append(judge_missing(column, reference, current, rules.missing))
    tested = [r for r in rows if r["p_value"] is not None]
    for row, adjusted in zip(tested, benjamini_hochberg([r["p_value"] for r in tested])):
        row["p_adjusted"] = adjusted
    results += [judge_row(row, rules) for row in rows if row["score"] is not None]
    if rules.share is not None:
        results.append(_share(rows, rules.share) if rows else CheckResult(
            check_id="drift.share", status=Status.INCONCLUSIVE, limit=rules.share.max, message="no feature to judge"))
    return DriftReport(results, rows)


def output_drift(check_id: str, column: str, reference: pd.DataFrame, current: pd.DataFrame,
                 rules: DriftChecks) -> tuple[CheckResult, dict[str, Any]]:
    """Drift of the model's output (`drift.prediction`) or of the outcome (`drift.label`) against the
    reference, judged alone: one test, so no correction across columns."""
    row, unjudged = measure_column(column, reference, current, rules)
    result = unjudged or judge_row(row, rules, check_id)
    # Model-level, not a feature: no column, so the figure trends as an MLflow metric; the message names it.
    result = result.model_copy(update={"check_id": check_id, "column": None,
                                       "message": f"column '{column}': {result.message}"})
    return result, {**row, "check_id": check_id}

"""Data validation: what a dataset must look like, derived from the reference data,
and the judgement of a validation run against it.

The expectations are plain data (`ColumnExpectation`); tasks/validation.py turns them
into a Great Expectations suite and hands the raw results back to `judge_validation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from pydantic import BaseModel, ConfigDict

from govflow.checks.policy import DataChecks
from govflow.checks.results import CheckResult, Status

Kind = Literal["numeric", "categorical", "datetime"]

# dtype names Great Expectations reports for pandas columns of each kind.
TYPE_LISTS: dict[str, tuple[str, ...]] = {
    "numeric": ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float16", "float32", "float64", "Int8", "Int16", "Int32", "Int64", "Float32", "Float64"),
    "categorical": ("object", "string", "str", "category", "bool", "boolean"),
    "datetime": ("datetime64[ns]", "datetime64[us]", "datetime64[ms]", "datetime64[s]"),
}


class ColumnExpectation(BaseModel):
    """What one column of a dataset must satisfy; `None` means that aspect is not checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    column: str
    kind: Kind | None = None
    reference_null_share: float = 0.0
    max_null_share: float | None = None
    max_missing_share: float | None = None
    min_value: float | None = None
    max_value: float | None = None
    max_outside: float | None = None
    categories: tuple[str, ...] | None = None
    max_unseen: float | None = None
    unique: bool = False


def column_kind(series: pd.Series) -> Kind:
    """Numeric, categorical (strings, categories, booleans) or datetime."""
    if ptypes.is_datetime64_any_dtype(series):
        return "datetime"
    if ptypes.is_numeric_dtype(series) and not ptypes.is_bool_dtype(series):
        return "numeric"
    return "categorical"


def check_readable(dataset: str, uri: str | None, rows: int | None, error: str | None,
                   empty: Status = Status.ERROR) -> list[CheckResult]:
    """ERROR when the dataset is undeclared or unreadable, `empty` when it has no rows (a monitoring batch
    with no rows is INCONCLUSIVE: nothing to judge); PASS with its row count otherwise."""
    check_id = "data.readable"
    if uri is None:
        return [CheckResult(check_id=check_id, status=Status.ERROR, column=dataset,
                            message=f"{dataset} data is not declared (tag governance.{dataset}_data)")]
    if error is not None:
        return [CheckResult(check_id=check_id, status=Status.ERROR, column=dataset,
                            message=f"cannot read {dataset} data '{uri}': {error}")]
    if not rows:
        return [CheckResult(check_id=check_id, status=empty, column=dataset, n=0, value=0, limit=1,
                            message=f"{dataset} data '{uri}' has no rows")]
    return [CheckResult(check_id=check_id, status=Status.PASS, column=dataset, n=rows, value=rows, limit=1,
                        message=f"{dataset} data '{uri}' read: {rows} rows")]


def check_columns_present(dataset: str, present: Iterable[str], required: Sequence[str]) -> list[CheckResult]:
    """One ERROR per required column the dataset lacks; the check cannot judge what is not there."""
    have = set(present)
    return [
        CheckResult(check_id="data.schema", status=Status.ERROR, column=col, value="missing", limit="present",
                    message=f"{dataset} data has no column '{col}'",
                    hint="the model, its label or a sensitive feature needs it; fix the data or the governance tags")
        for col in required if col not in have
    ]


def compare_columns(reference: Sequence[str], current: Sequence[str], ignore: Iterable[str | None]) -> list[CheckResult]:
    """A `data.schema` FAIL per column added or missing since the reference (types are the suite's job).

    `ignore` holds the columns that legitimately differ: label, ids, timestamps, logged outputs.
    """
    skip, ref, cur = set(ignore), set(reference), set(current)
    missing = [c for c in reference if c not in cur and c not in skip]
    added = [c for c in current if c not in ref and c not in skip]
    return [
        CheckResult(check_id="data.schema", status=Status.FAIL, column=col, value=change, limit="as in the reference",
                    message=message.format(col=col),
                    hint="the feed's schema changed; fix the feed or re-validate the model on the new schema")
        for col, change, message in [
            *((c, "missing", "column '{col}' of the reference data is missing") for c in missing),
            *((c, "added", "column '{col}' is new: the reference data has no such column") for c in added)]
    ]


def derive_expectations(reference: pd.DataFrame, columns: Sequence[str], rules: DataChecks) -> list[ColumnExpectation]:
    """Expectations per column from the reference profile widened by the policy's tolerances."""
    out = []
    for col in columns:
        series = reference[col]
        kind = column_kind(series)
        null_share = float(series.isna().mean()) if len(series) else 0.0
        fields: dict[str, Any] = {"column": col, "kind": kind, "reference_null_share": null_share}
        if rules.null_rate is not None:
            fields["max_null_share"] = min(1.0, null_share + rules.null_rate.max_increase)
        if rules.missing_share is not None:
            fields["max_missing_share"] = rules.missing_share.max_share
        values = series.dropna()
        finite = values[np.isfinite(values.to_numpy(dtype=float))] if kind == "numeric" else values
        if kind == "numeric" and rules.numeric_range is not None and len(finite):
            # Infinities in the reference are not a range; in production they fall outside it and are counted.
            low, high = float(finite.min()), float(finite.max())
            pad = (high - low) * rules.numeric_range.tolerance
            fields.update(min_value=low - pad, max_value=high + pad, max_outside=rules.numeric_range.max_outside)
        if kind == "categorical" and rules.category_set is not None:
            fields.update(categories=tuple(sorted(values.astype(str).unique())),
                          max_unseen=rules.category_set.max_unseen)
        out.append(ColumnExpectation(**fields))
    return out


def unique_expectations(columns: Sequence[str], rules: DataChecks) -> list[ColumnExpectation]:
    """Columns declared unique (a decision's id) may repeat no value; checked only where the policy says."""
    return [ColumnExpectation(column=c, unique=True) for c in columns] if rules.unique is not None else []


# Great Expectations expectation type -> our check id; the suite carries the id in `meta` too.
EXPECTATION_CHECKS: Mapping[str, str] = {
    "expect_column_values_to_be_in_type_list": "data.schema",
    "expect_column_values_to_not_be_null": "data.null_rate",  # data.missing_share names itself in meta
    "expect_column_values_to_be_between": "data.numeric_range",
    "expect_column_values_to_be_in_set": "data.category_set",
    "expect_column_values_to_be_unique": "data.unique",
}


def _exception_messages(info: Mapping[str, Any]) -> list[str]:
    """GX reports one exception flat, or several keyed by metric id; collect their messages."""
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    return [str(e.get("exception_message")) for e in entries if e.get("raised_exception")]


def judge_validation(validation: Mapping[str, Any]) -> list[CheckResult]:
    """Results from a Great Expectations validation result (its JSON dict), one per expectation.

    An expectation that raised is ERROR; one evaluated on no rows is INCONCLUSIVE.
    """
    out = []
    for item in validation.get("results", []):
        config = item["expectation_config"]
        meta = config.get("meta") or {}
        kwargs = config.get("kwargs") or {}
        check_id = meta.get("check_id") or EXPECTATION_CHECKS.get(config["type"], f"data.{config['type']}")
        column = kwargs.get("column")
        limit = meta.get("limit")
        raised = _exception_messages(item.get("exception_info") or {})
        result = item.get("result") or {}
        common = {"check_id": check_id, "column": column, "limit": limit}
        if raised:
            out.append(CheckResult(status=Status.ERROR, message=f"column '{column}' could not be evaluated: {raised[0]}",
                                   **common))
            continue
        if config["type"] == "expect_column_values_to_be_in_type_list" and "observed_value" in result:
            # A typed column is judged by its dtype; object columns fall through to a per-value check.
            observed = result["observed_value"]
            status = Status.PASS if item["success"] else Status.FAIL
            out.append(CheckResult(status=status, value=str(observed), message=(
                f"dtype {observed} {'is' if item['success'] else 'is not'} {meta.get('kind', 'the declared')}"),
                **{**common, "limit": meta.get("kind")}))
            continue
        n = result.get("element_count")
        if not n:
            out.append(CheckResult(status=Status.INCONCLUSIVE, n=0, message="no rows to evaluate", **common))
            continue
        share = float(result.get("unexpected_percent") or 0.0) / 100.0
        status = Status.PASS if item["success"] else Status.FAIL
        what = meta.get("describes", "unexpected values")
        relation = "within" if status is Status.PASS else "above"
        out.append(CheckResult(
            status=status, value=share, n=int(n),
            message=f"{what}: {share:.4f} of rows, {relation} the limit {limit}",
            hint=None if status is Status.PASS else meta.get("hint"), **common,
        ))
    return out

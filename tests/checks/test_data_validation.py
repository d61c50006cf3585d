import numpy as np
import pandas as pd
import pytest

from govflow.checks.data_validation import (
    check_columns_present,
    check_readable,
    column_kind,
    derive_expectations,
    judge_validation,
)
from govflow.checks.results import Status
from tests.checks.policies import tier

REFERENCE = pd.DataFrame({
    "income": [10.0, 20.0, 30.0, np.nan, 50.0],
    "grade": ["a", "b", "a", None, "c"],
    "flag": [True, False, True, True, False],
    "when": pd.to_datetime(["2026-01-01"] * 5),
})


def test_column_kinds():
    assert [column_kind(REFERENCE[c]) for c in REFERENCE] == ["numeric", "categorical", "categorical", "datetime"]


def test_expectations_from_reference_profile():
    income, grade, flag, when = derive_expectations(REFERENCE, list(REFERENCE), tier().data)
    # null share 1/5 plus the tier's max_increase 0.05; range [10, 50] widened by 10% of its width
    assert income.reference_null_share == 0.2
    assert income.max_null_share == pytest.approx(0.25)
    assert (income.min_value, income.max_value, income.max_outside) == (6.0, 54.0, 0.01)
    assert income.categories is None
    assert grade.categories == ("a", "b", "c") and grade.max_unseen == 0.0
    assert grade.min_value is None
    assert flag.categories == ("False", "True")
    assert when.categories is None and when.min_value is None


def test_checks_left_out_of_the_tier_derive_nothing():
    rules = tier().data.model_copy(update={"null_rate": None, "numeric_range": None, "category_set": None})
    (income,) = derive_expectations(REFERENCE, ["income"], rules)
    assert (income.max_null_share, income.min_value, income.categories) == (None, None, None)


@pytest.mark.parametrize(
    ("uri", "rows", "error", "status", "says"),
    [
        (None, None, None, Status.ERROR, "not declared"),
        ("x.parquet", None, "FileNotFoundError: gone", Status.ERROR, "cannot read evaluation data 'x.parquet'"),
        ("x.parquet", 0, None, Status.ERROR, "has no rows"),
        ("x.parquet", 1, None, Status.PASS, "1 rows"),
    ],
)
def test_readable(uri, rows, error, status, says):
    (result,) = check_readable("evaluation", uri, rows, error)
    assert result.check_id == "data.readable"
    assert result.status is status and says in result.message and result.column == "evaluation"


def test_missing_columns_are_errors_naming_each():
    results = check_columns_present("evaluation", ["a", "b"], ["a", "c", "d"])
    assert [(r.check_id, r.status, r.column) for r in results] == [
        ("data.schema", Status.ERROR, "c"), ("data.schema", Status.ERROR, "d")]
    assert results[0].message == "evaluation data has no column 'c'"


def _gx_item(kind, column, success, result, limit=0.01, exception=None):
    return {
        "success": success,
        "expectation_config": {"type": kind, "kwargs": {"column": column},
                               "meta": {"limit": limit, "describes": "share"}},
        "result": result,
        "exception_info": exception or {"raised_exception": False, "exception_message": None},
    }


def test_judge_validation_maps_each_outcome():
    validation = {"results": [
        _gx_item("expect_column_values_to_not_be_null", "a", True, {"element_count": 200, "unexpected_percent": 0.5}),
        _gx_item("expect_column_values_to_not_be_null", "b", False, {"element_count": 200, "unexpected_percent": 2.0}),
        _gx_item("expect_column_values_to_not_be_null", "c", True, {"element_count": 0, "unexpected_percent": None}),
        _gx_item("expect_column_values_to_not_be_null", "d", False, {}, exception={
            "id-1": {"raised_exception": True, "exception_message": 'The column "d" in BatchData does not exist.'}}),
    ]}
    a, b, c, d = judge_validation(validation)
    assert {r.check_id for r in (a, b, c, d)} == {"data.null_rate"}  # from the expectation type when meta lacks it
    assert (a.status, a.value, a.n, a.column) == (Status.PASS, 0.005, 200, "a")
    assert (b.status, b.value, b.limit) == (Status.FAIL, 0.02, 0.01)
    assert c.status is Status.INCONCLUSIVE
    assert d.status is Status.ERROR and '"d"' in d.message


def test_judge_validation_type_by_dtype():
    item = _gx_item("expect_column_values_to_be_in_type_list", "a", False, {"observed_value": "object"})
    item["expectation_config"]["meta"]["kind"] = "numeric"
    (result,) = judge_validation({"results": [item]})
    assert (result.status, result.value, result.limit) == (Status.FAIL, "object", "numeric")


def test_columns_added_or_missing_since_the_reference_fail_by_name():
    from govflow.checks.data_validation import compare_columns

    results = compare_columns(["a", "b", "label"], ["a", "c", "scored_at"], ignore={"label", "scored_at", None})
    assert [(r.check_id, r.status, r.column) for r in results] == [
        ("data.schema", Status.FAIL, "b"), ("data.schema", Status.FAIL, "c")]
    assert results[0].message == "column 'b' of the reference data is missing"
    assert results[1].message == "column 'c' is new: the reference data has no such column"
    assert compare_columns(["a"], ["a"], ignore=()) == []


def test_an_empty_monitoring_batch_is_inconclusive_not_an_error():
    from govflow.checks.data_validation import check_readable

    (result,) = check_readable("monitoring", "batches/", 0, None, empty=Status.INCONCLUSIVE)
    assert result.status is Status.INCONCLUSIVE and "has no rows" in result.message


def test_reference_infinities_do_not_become_the_range():
    from govflow.checks.data_validation import derive_expectations

    reference = pd.DataFrame({"x": [0.0, 10.0, np.inf, -np.inf, np.nan]})
    (exp,) = derive_expectations(reference, ["x"], tier().data)
    assert (exp.min_value, exp.max_value) == pytest.approx((-1.0, 11.0))  # 10% of the finite width each side

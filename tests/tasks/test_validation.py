"""The Great Expectations suite on hand-made data: its shares equal pandas' own counts."""

import numpy as np
import pandas as pd
import pytest

from govflow.checks.data_validation import derive_expectations, judge_validation
from govflow.checks.results import Status
from govflow.tasks.validation import run_expectations
from tests.checks.policies import tier

REFERENCE = pd.DataFrame({
    "income": np.linspace(100.0, 200.0, 100),
    "grade": ["a", "b"] * 50,
})


@pytest.fixture(scope="module")
def judged():
    current = pd.DataFrame({
        # 10 nulls of 100; 3 of the 90 non-null values beyond [90, 210]
        "income": [np.nan] * 10 + [50.0, 300.0, 211.0] + [150.0] * 87,
        "grade": ["a"] * 98 + ["z", None],
    })
    expectations = derive_expectations(REFERENCE, ["income", "grade"], tier().data)
    run = run_expectations.fn(current, expectations, "unit")
    assert run.error is None
    assert {e["meta"]["check_id"] for e in run.suite["expectations"]} == {
        "data.schema", "data.null_rate", "data.numeric_range", "data.category_set"}
    return current, {(r.check_id, r.column): r for r in judge_validation(run.result)}


def test_null_share_equals_pandas(judged):
    current, results = judged
    result = results[("data.null_rate", "income")]
    assert result.value == pytest.approx(current["income"].isna().mean(), abs=1e-12)
    assert result.status is Status.FAIL  # 0.10 > 0.0 + 0.05
    assert results[("data.null_rate", "grade")].status is Status.PASS  # 0.01 <= 0.05


def test_out_of_range_share_equals_pandas(judged):
    current, results = judged
    values = current["income"].dropna()
    expected = ((values < 90.0) | (values > 210.0)).mean()
    result = results[("data.numeric_range", "income")]
    assert result.value == pytest.approx(expected, abs=1e-12)
    assert result.status is Status.FAIL and result.limit == 0.01


def test_unseen_category_share_equals_pandas(judged):
    current, results = judged
    values = current["grade"].dropna()
    result = results[("data.category_set", "grade")]
    assert result.value == pytest.approx((~values.isin(["a", "b"])).mean(), abs=1e-12)
    assert result.status is Status.FAIL


def test_types_pass_for_matching_columns(judged):
    _, results = judged
    assert results[("data.schema", "income")].status is Status.PASS
    assert results[("data.schema", "grade")].status is Status.PASS


def test_numbers_sent_as_text_fail_the_type_check():
    expectations = derive_expectations(REFERENCE, ["income"], tier().data)
    run = run_expectations.fn(pd.DataFrame({"income": ["150", "160"]}), expectations, "types")
    results = {r.check_id: r for r in judge_validation(run.result)}
    assert results["data.schema"].status is Status.FAIL


def test_missing_column_is_an_error_not_a_pass():
    expectations = derive_expectations(REFERENCE, ["income"], tier().data)
    run = run_expectations.fn(pd.DataFrame({"other": [1.0]}), expectations, "missing")
    results = judge_validation(run.result)
    assert results and all(r.status is Status.ERROR for r in results)
    assert all("income" in r.message for r in results)


def test_infinities_in_production_count_as_out_of_range():
    reference = pd.DataFrame({"x": np.linspace(0, 1, 200)})
    current = pd.DataFrame({"x": np.r_[np.linspace(0, 1, 190), [np.inf] * 5, [-np.inf] * 5]})
    run = run_expectations.fn(current, derive_expectations(reference, ["x"], tier().data), "inf")
    by_id = {r.check_id: r for r in judge_validation(run.result)}
    assert by_id["data.numeric_range"].status is Status.FAIL
    assert by_id["data.numeric_range"].value == pytest.approx(10 / 200)
    assert by_id["data.null_rate"].value == 0.0  # infinite is not missing


def test_repeated_ids_share_equals_pandas():
    from govflow.checks.data_validation import unique_expectations

    frame = pd.DataFrame({"application_id": ["a", "b", "b", "c", "d", "d", "d", "e"]})
    run = run_expectations.fn(frame, unique_expectations(["application_id"], tier().data), "ids")
    (result,) = judge_validation(run.result)
    assert result.check_id == "data.unique" and result.status is Status.FAIL
    assert result.value == pytest.approx(frame["application_id"].duplicated(keep=False).mean())  # 5 of 8 rows
    assert unique_expectations(["application_id"], tier().data.model_copy(update={"unique": None})) == []


def test_missing_share_is_an_absolute_cap_the_reference_does_not_widen():
    from govflow.checks.policy import MissingShareRule

    # The reference is 40% missing, so null_rate (reference + 0.05) allows 45%; the cap of 0.30 does not.
    reference = pd.DataFrame({"income": [np.nan] * 40 + list(np.linspace(1.0, 2.0, 60))})
    current = pd.DataFrame({"income": [np.nan] * 35 + [1.5] * 65})
    rules = tier().data.model_copy(update={"missing_share": MissingShareRule(blocking=True, max_share=0.30)})
    run = run_expectations.fn(current, derive_expectations(reference, ["income"], rules), "missing")
    results = {r.check_id: r for r in judge_validation(run.result)}
    assert results["data.null_rate"].status is Status.PASS  # 0.35 <= 0.40 + 0.05
    capped = results["data.missing_share"]
    assert capped.value == pytest.approx(current["income"].isna().mean(), abs=1e-12)  # 35 of 100, by pandas
    assert capped.status is Status.FAIL and capped.limit == 0.30 and capped.column == "income"
    within = pd.DataFrame({"income": [np.nan] * 30 + [1.5] * 70})
    run = run_expectations.fn(within, derive_expectations(reference, ["income"], rules), "missing")
    assert {r.check_id: r for r in judge_validation(run.result)}["data.missing_share"].status is Status.PASS


def test_one_suite_run_period_by_period_judges_each_period_as_its_own_run_would(judged):
    """The monitoring night builds the suite once and runs it on each period: each period's result is the one a
    suite of its own gives, and no period's rows leak into another's."""
    from govflow.tasks.validation import run_expectations_by_period

    current, _ = judged
    clean = REFERENCE.sample(frac=1.0, random_state=3).reset_index(drop=True)
    expectations = derive_expectations(REFERENCE, ["income", "grade"], tier().data)
    runs = run_expectations_by_period([("week 1", current), ("week 2", clean), ("week 3", current)], expectations,
                                      "unit")
    assert list(runs) == ["week 1", "week 2", "week 3"]
    alone = {key: judge_validation(run_expectations(frame, expectations, "unit").result)
             for key, frame in (("week 1", current), ("week 2", clean))}
    for key in ("week 1", "week 2"):
        together = judge_validation(runs[key].result)
        assert [(r.check_id, r.column, r.status, r.value) for r in together] == \
            [(r.check_id, r.column, r.status, r.value) for r in alone[key]]
    assert {r.status for r in judge_validation(runs["week 2"].result)} == {Status.PASS}
    assert judge_validation(runs["week 3"].result) == judge_validation(runs["week 1"].result)

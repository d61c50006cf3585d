"""Stakeholder feedback: entries checked field by field, bulk files keep good rows and name bad ones, and
the severity threshold decides which feedback opens a finding."""

import json

import pytest

from govflow.checks.feedback import (
    entry,
    feedback_result,
    parse_bulk,
    resolution_result,
    summary,
)
from govflow.checks.policy import FeedbackRule
from govflow.checks.results import Status


def test_an_entry_needs_role_severity_and_text():
    assert entry({"from": "applicant", "severity": "HIGH", "text": " denied "}, "cli")["severity"] == "high"
    with pytest.raises(ValueError, match="cli: missing 'text'"):
        entry({"from": "applicant", "severity": "high"}, "cli")
    with pytest.raises(ValueError, match="severity 'urgent' is not one of low, medium, high, critical"):
        entry({"from": "applicant", "severity": "urgent", "text": "x"}, "cli")


def test_csv_keeps_good_rows_and_names_bad_ones():
    text = ("model,from,severity,text,theme\n"
            "loan_approval,applicant,high,declined without reason,explanation\n"
            "loan_approval,,low,no role,\n"
            "loan_approval,branch staff,urgent,bad severity,\n"
            "loan_approval,regulator,critical,complaint,fairness,extra\n"
            "loan_approval,ombudsman,medium,slow appeal,\n")
    good, bad = parse_bulk(text, "feedback.csv")
    assert [g["from"] for g in good] == ["applicant", "ombudsman"]
    assert good[1]["theme"] == "unthemed" and good[0]["model"] == "loan_approval"
    assert bad == ["feedback.csv, line 3: missing 'from'",
                   "feedback.csv, line 4: severity 'urgent' is not one of low, medium, high, critical",
                   "feedback.csv, line 5: more cells than the header has columns"]


def test_json_items_are_named_and_a_broken_file_is_one_error():
    items = [{"from": "applicant", "severity": "low", "text": "ok"}, "not an object",
             {"from": "x", "severity": "low", "text": "y", "colour": "red"}]
    good, bad = parse_bulk(json.dumps(items), "in.json")
    assert len(good) == 1
    assert bad[0] == "in.json, item 2: expected an object, got str" and "item 3: unknown field(s) ['colour']" in bad[1]
    assert parse_bulk("[{", "in.json")[1][0].startswith("in.json: not valid JSON")


# The threshold is `high`: medium is just below it, high at it, critical above it.
@pytest.mark.parametrize(("severity", "opens"), [("low", False), ("medium", False), ("high", True), ("critical", True)])
def test_severity_threshold(severity, opens):
    result = feedback_result([{"from": "applicant", "severity": severity, "text": "t", "theme": "fairness"}],
                             FeedbackRule(open_at="high"))
    assert (result is not None) is opens
    if opens:
        assert result.check_id == "feedback.stakeholder" and result.status is Status.FAIL


def test_the_worst_entry_is_named_and_resolution_passes():
    entries = [{"from": "a", "severity": "high", "text": "one", "theme": "x"},
               {"from": "regulator", "severity": "critical", "text": "two", "theme": "fairness"}]
    result = feedback_result(entries, FeedbackRule(open_at="high"))
    assert result.value == "critical" and "regulator" in result.message and "1 more" in result.message
    assert resolution_result("ana", "explained the decision").status is Status.PASS
    assert summary(entries) == {"total": 2, "by_severity": {"high": 1, "critical": 1},
                                "by_role": {"a": 1, "regulator": 1}, "by_theme": {"x": 1, "fairness": 1}}

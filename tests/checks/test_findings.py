"""Findings: severity from the tier, due dates from the policy's fix-within days, review dates."""

from datetime import date

import pytest

from govflow.checks.findings import findings, review_dates, severity
from govflow.checks.policy import FixWithin, Lifecycle
from govflow.checks.results import CheckResult, Status
from tests.checks.policies import tier

LIFE = Lifecycle(review_every_days=90, retention_years=10, fix_within_days=FixWithin(critical=14, major=30, minor=90))


@pytest.mark.parametrize(("blocking", "status", "level"), [
    (True, Status.FAIL, "critical"), (True, Status.ERROR, "major"), (True, Status.INCONCLUSIVE, "major"),
    (True, Status.PASS, None), (True, Status.WAIVED, None), (False, Status.WARN, "minor"),
    (False, Status.ERROR, None),
])
def test_severity_follows_the_tier(blocking, status, level):
    result = CheckResult(check_id="performance.auc", status=status, message="m")
    assert severity(result, tier(blocking=blocking)) == level


def test_findings_are_due_by_severity_with_the_owner():
    policy = tier().model_copy(update={"lifecycle": LIFE})
    results = [CheckResult(check_id="performance.auc", status=Status.FAIL, message="low"),
               CheckResult(check_id="data.null_rate", status=Status.ERROR, column="income", message="?"),
               CheckResult(check_id="performance.accuracy", status=Status.PASS, message="ok")]
    rows = findings(results, policy, "owner@bank.example", date(2026, 11, 22))
    assert [(r["check_id"], r["severity"], r["due"], r["subject"]) for r in rows] == [
        ("performance.auc", "critical", "2026-12-06", None), ("data.null_rate", "major", "2026-12-22", "income")]
    assert {r["owner"] for r in rows} == {"owner@bank.example"}


def test_review_and_retention_dates():
    policy = tier().model_copy(update={"lifecycle": LIFE})
    assert review_dates(policy, date(2026, 11, 22)) == {"review_due": "2027-02-20", "retain_until": "2036-11-22"}
    assert review_dates(policy, date(2028, 2, 29))["retain_until"] == "2038-02-28"
    assert review_dates(tier(), date(2026, 11, 22)) == {"review_due": None, "retain_until": None}

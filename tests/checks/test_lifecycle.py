"""Lifecycle checks of the retirement sweep on hand-made registry facts, at and around each limit."""

from datetime import UTC, datetime, timedelta

import pytest

from govflow.checks.lifecycle import (
    VersionFacts,
    check_monitoring,
    check_owner,
    check_retirement,
    check_review,
    check_superseded,
    lifecycle_results,
    superseded_by,
)
from govflow.checks.policy import FixWithin, Lifecycle, Rule, StaleRule
from govflow.checks.results import Status

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
RULES = Lifecycle(review_every_days=90, retention_years=7, fix_within_days=FixWithin(critical=14, major=30, minor=90),
                  review=Rule(blocking=True), owner=Rule(blocking=True),
                  monitoring=StaleRule(blocking=True, max_days_without_data=7), superseded=Rule(blocking=False),
                  retirement=Rule(blocking=True))


def facts(**change) -> VersionFacts:
    base = {"model": "credit", "version": "3", "aliases": ("champion",), "status": "APPROVED", "lifecycle": None,
                "owner": "A. Rivera", "registered": NOW - timedelta(days=200), "last_gate": NOW - timedelta(days=10),
                "monitored_through": NOW - timedelta(days=1), "completed_runs": 4}
    return VersionFacts(**(base | change))


@pytest.mark.parametrize("days_since_gate, status", [(89, Status.PASS), (90, Status.PASS), (91, Status.FAIL)])
def test_lifecycle_review_is_overdue_the_day_after_it_is_due(days_since_gate, status):
    result = check_review(facts(last_gate=NOW - timedelta(days=days_since_gate)), RULES, NOW.date())
    assert result.status is status
    assert result.value == (NOW - timedelta(days=days_since_gate) + timedelta(days=90)).date().isoformat()
    if status is Status.FAIL:
        assert "overdue by 1 day(s)" in result.message


def test_lifecycle_review_of_a_version_never_gated_is_inconclusive():
    assert check_review(facts(last_gate=None), RULES, NOW.date()).status is Status.INCONCLUSIVE


@pytest.mark.parametrize("owner, status", [("A. Rivera", Status.PASS), ("", Status.FAIL), ("  ", Status.FAIL),
                                           (None, Status.FAIL)])
def test_lifecycle_owner(owner, status):
    assert check_owner(facts(owner=owner)).status is status


@pytest.mark.parametrize("age, status", [(timedelta(days=6, hours=23), Status.PASS), (timedelta(days=7), Status.PASS),
                                         (timedelta(days=7, seconds=60), Status.FAIL)])
def test_lifecycle_monitoring_goes_stale_just_past_the_limit(age, status):
    result = check_monitoring(facts(monitored_through=NOW - age), 7, NOW)
    assert result.status is status and result.value == pytest.approx(age.total_seconds() / 86_400, abs=0.005)


def test_lifecycle_monitoring_never_run_counts_from_registration():
    fresh = check_monitoring(facts(monitored_through=None, registered=NOW - timedelta(days=2)), 7, NOW)
    stale = check_monitoring(facts(monitored_through=None, registered=NOW - timedelta(days=30)), 7, NOW)
    assert fresh.status is Status.PASS and stale.status is Status.FAIL
    assert "registration" in stale.message and "30.0 days" in stale.message


def test_superseded_by_names_the_newest_approved_serving_version():
    versions = [facts(version="1", aliases=("legacy",)), facts(version="2", aliases=("challenger",), status="REJECTED"),
                facts(version="3", aliases=("champion",)), facts(version="4", aliases=())]
    # v2 is older than v3 and still serves; v4 does not serve, so it supersedes nothing yet.
    assert superseded_by(versions) == {"1": "3", "2": "3"}
    assert superseded_by([facts(version="1", aliases=("a",), status="BLOCKED")]) == {}


def test_lifecycle_superseded():
    assert check_superseded(facts(), None).status is Status.PASS
    failed = check_superseded(facts(version="1", aliases=("legacy",)), "3")
    assert failed.status is Status.FAIL and "v3" in failed.message and "govflow retire credit 1" in failed.hint


@pytest.mark.parametrize("change, named", [
    ({"aliases": ("champion",)}, "still serves as champion"),
    ({"completed_runs": 0}, "no completed governance run"),
    ({"deleted_runs": ("r1",)}, "r1 were deleted"),
    ({"incomplete_runs": ("r2",)}, "r2 stopped before their manifest"),
])
def test_lifecycle_retirement_waits_for_what_remains(change, named):
    result = check_retirement(facts(**({"lifecycle": "retiring", "aliases": ()} | change)))
    assert result.status is Status.FAIL and named in result.message


def test_lifecycle_retirement_completes_with_no_alias_and_whole_evidence():
    result = check_retirement(facts(lifecycle="retiring", aliases=()))
    assert result.status is Status.PASS and "4 completed run(s)" in result.message


def test_lifecycle_results_apply_by_state():
    serving = {r.check_id for r in lifecycle_results(facts(), None, RULES, NOW)}
    assert serving == {"lifecycle.review", "lifecycle.owner", "lifecycle.monitoring", "lifecycle.superseded"}
    assert [r.check_id for r in lifecycle_results(facts(lifecycle="retiring"), None, RULES, NOW)] == ["lifecycle.retirement"]
    assert lifecycle_results(facts(aliases=()), None, RULES, NOW) == []  # neither serving nor retiring
    only_owner = Lifecycle(**(RULES.model_dump(exclude={"review", "monitoring", "superseded", "retirement"})))
    assert [r.check_id for r in lifecycle_results(facts(), None, only_owner, NOW)] == ["lifecycle.owner"]

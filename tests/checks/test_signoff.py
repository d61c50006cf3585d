"""Sign-off by distinct people in the tier's roles, and serving without approval."""

import pytest

from govflow.checks.policy import SignoffRule
from govflow.checks.results import Status
from govflow.checks.signoff import check_serving, check_signoffs, signoff_record, signoff_tag

RULE = SignoffRule(roles=("owner", "validator"))


def _tags(**people):
    return {signoff_tag(role): signoff_record(name, role, "2026-11-22T10:00:00+00:00", "BLOCKED", "run1", None)
            for role, name in people.items()}


@pytest.mark.parametrize(("people", "status", "message"), [
    ({}, Status.INCONCLUSIVE, "awaiting sign-off by owner, validator"),
    ({"owner": "A. Rivera"}, Status.INCONCLUSIVE, "awaiting sign-off by validator"),
    ({"owner": "A. Rivera", "validator": "a. rivera "}, Status.INCONCLUSIVE, "more than one role"),
    ({"owner": "A. Rivera", "validator": "M. Chen"}, Status.PASS, "owner: A. Rivera"),
])
def test_governance_signoff_needs_each_role_by_a_different_person(people, status, message):
    result = check_signoffs(_tags(**people), RULE)
    assert result.check_id == "governance.signoff" and result.status is status and message in result.message


def test_a_tag_that_is_no_signoff_record_is_an_error():
    result = check_signoffs({signoff_tag("owner"): "yes"}, RULE)
    assert result.status is Status.ERROR and "govflow approve" in result.hint


@pytest.mark.parametrize(("aliases", "status", "expected"), [
    ((), "BLOCKED", []), (("champion",), "APPROVED", [Status.PASS]),
    (("champion",), "APPROVED_WITH_WAIVERS", [Status.PASS]), (("champion",), "BLOCKED", [Status.FAIL]),
    (("challenger",), None, [Status.FAIL]),
])
def test_governance_serving_flags_an_unapproved_version_that_serves(aliases, status, expected):
    results = check_serving(aliases, status)
    assert [r.status for r in results] == expected
    if expected == [Status.FAIL]:
        assert results[0].check_id == "governance.serving" and aliases[0] in results[0].message

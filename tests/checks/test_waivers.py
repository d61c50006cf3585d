"""Waivers: applied only before their expiry date, narrowed by subject, reported when expired; a waiver
file with a bad key, no expiry or an unknown check id names the file, key and line."""

from datetime import date

import pytest

from govflow.checks import CHECKS
from govflow.checks.policy import PolicyError
from govflow.checks.results import CheckResult, Status
from govflow.checks.waivers import Waiver, apply_waivers, parse_waivers

WAIVER = Waiver(check="fairness.demographic_parity_ratio", model="m", versions=("2",), subject="sex",
                reason="reviewed by second line, MRM-114", approved_by="J. Okafor", expires=date(2026, 12, 31))
FAILED = CheckResult(check_id="fairness.demographic_parity_ratio", status=Status.FAIL, value=0.7, limit=0.8,
                     group="sex", message="ratio 0.70 below 0.8")


@pytest.mark.parametrize(("today", "status", "report"), [
    (date(2026, 12, 30), Status.WAIVED, Status.PASS),   # the day before expiry: applies
    (date(2026, 12, 31), Status.FAIL, Status.WARN),     # on the expiry date: no longer
    (date(2027, 1, 1), Status.FAIL, Status.WARN),
])
def test_a_waiver_applies_only_before_its_expiry(today, status, report):
    result, waiver = apply_waivers([FAILED], [WAIVER], "m", "2", today)
    assert result.status is status and result.value == 0.7  # the waived result still ran and is kept
    assert waiver.check_id == "governance.waivers" and waiver.status is report
    if status is Status.WAIVED:
        assert "was FAIL; waived until 2026-12-31 by J. Okafor: reviewed by second line" in result.message
    else:
        assert "expired on 2026-12-31" in waiver.message


@pytest.mark.parametrize(("model", "version", "group", "status"), [
    ("m", "2", "sex", Status.WAIVED), ("m", "3", "sex", Status.FAIL), ("other", "2", "sex", Status.FAIL),
    ("m", "2", "race", Status.FAIL),
])
def test_a_waiver_covers_only_its_model_versions_and_subject(model, version, group, status):
    (result, *_) = apply_waivers([FAILED.model_copy(update={"group": group})], [WAIVER], model, version,
                                 date(2026, 12, 1))
    assert result.status is status


def test_passing_results_are_not_waived():
    passed = FAILED.model_copy(update={"status": Status.PASS})
    assert apply_waivers([passed], [WAIVER], "m", "2", date(2026, 12, 1))[0].status is Status.PASS


GOOD = """version: 1
waivers:
  - check: fairness.demographic_parity_ratio
    model: m
    versions: [2]
    reason: reviewed by second line
    approved_by: J. Okafor
    expires: 2026-12-31
"""


def test_a_waiver_file_parses_versions_as_text():
    (waiver,) = parse_waivers(GOOD, "waivers.yaml", CHECKS)
    assert waiver.versions == ("2",) and waiver.expires == date(2026, 12, 31)


@pytest.mark.parametrize(("edit", "message"), [
    (("    expires: 2026-12-31\n", ""), "waivers.yaml, line 3: key 'waivers.0.expires': Field required"),
    (("    model: m\n", "    model: m\n    modle: n\n"), "waivers.yaml, line 5: key 'waivers.0.modle': unknown key"),
    (("demographic_parity_ratio", "demographic_parity"),
     "waivers.yaml, line 3: key 'waivers.0.check': no check 'fairness.demographic_parity' exists"),
    (("2026-12-31", "soon"), "waivers.yaml, line 8: key 'waivers.0.expires'"),
])
def test_a_bad_waiver_file_names_file_key_and_line(edit, message):
    with pytest.raises(PolicyError) as info:
        parse_waivers(GOOD.replace(*edit), "waivers.yaml", CHECKS)
    assert message in str(info.value)


def test_the_shipped_waiver_file_is_valid():
    from govflow.policy_file import load_waivers
    from govflow.settings import DEFAULT_WAIVERS

    assert load_waivers(DEFAULT_WAIVERS)[0] == ()

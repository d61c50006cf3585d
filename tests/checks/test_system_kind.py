"""Kinds of AI system (issue 31): the registry says which checks a vendor system and a generative-AI
application are judged by; the rest are listed SKIPPED with the reason and do not hold up the verdict."""

import pytest

from govflow.checks.check_registry import Stage, expected_at, not_expected_at, skipped_for_kind
from govflow.checks.decision import Verdict, decide
from govflow.checks.governance_tags import VersionTags, check_required_tags
from govflow.checks.results import CheckResult, Status
from govflow.checks.system_kind import SystemKind, told_kind
from govflow.policy_file import load_policy
from govflow.settings import DEFAULT_POLICY

POLICY = load_policy(DEFAULT_POLICY)[0]
HIGH = POLICY.tier("high")


def _tags(kind: str | None) -> VersionTags:
    return VersionTags.parse({"governance.kind": kind} if kind else {})


def test_a_version_without_a_kind_tag_is_a_model_and_an_unknown_kind_is_an_error_naming_the_tag():
    assert _tags(None).kind is SystemKind.MODEL and _tags("Vendor").kind is SystemKind.VENDOR
    assert told_kind("robot") is None
    [error] = [r for r in check_required_tags({"governance.kind": "robot"}, ()) if r.status is Status.ERROR]
    assert error.column == "governance.kind" and "robot" in error.message


def test_a_vendor_system_skips_what_needs_a_model_and_keeps_the_checks_on_its_logged_decisions():
    vendor = _tags("vendor")
    expected = expected_at(Stage.GATE, HIGH, vendor)
    assert "fairness.demographic_parity_difference" in expected and "performance.auc" in expected
    assert not {"explainability.importance", "robustness.noise", "robustness.missing_value",
                "proxy.association"} & set(expected)
    skipped = {r.check_id: r for r in skipped_for_kind(Stage.GATE, HIGH, vendor)}
    assert {"explainability.importance", "robustness.missing_value", "proxy.predictability"} <= set(skipped)
    assert all(r.status is Status.SKIPPED and r.message.startswith("not run: no model") for r in skipped.values())
    assert not any(c.startswith("genai.") for c in skipped), "a genai check never applied to a vendor system"
    assert skipped_for_kind(Stage.GATE, HIGH, _tags(None)) == []


def test_a_genai_application_is_judged_by_the_genai_checks_and_skips_the_tabular_ones_saying_why():
    genai = _tags("genai")
    expected = set(expected_at(Stage.GATE, HIGH, genai))
    assert {"genai.pii_leak_rate", "genai.counterfactual_gap", "governance.required_tags",
            "documentation.model_card"} <= expected
    assert not any(c.startswith(("performance.", "fairness.", "data.schema")) for c in expected)
    assert "genai.pii_leak_rate" not in expected_at(Stage.GATE, HIGH, _tags(None))
    reasons = {r.check_id: r.message for r in skipped_for_kind(Stage.GATE, HIGH, genai)}
    assert "no model" in reasons["robustness.noise"] and "genai.* checks" in reasons["performance.auc"]


@pytest.mark.parametrize("kind", ["vendor", "genai"])
def test_skipped_checks_do_not_block_but_a_skipped_check_the_job_judges_does(kind):
    tags = _tags(kind)
    not_judged = not_expected_at(Stage.GATE, HIGH, tags)
    passes = [CheckResult(check_id=c, status=Status.PASS, message="ok") for c in expected_at(Stage.GATE, HIGH, tags)]
    decision = decide(passes + skipped_for_kind(Stage.GATE, HIGH, tags), HIGH, not_judged=not_judged)
    assert decision.verdict is Verdict.APPROVED, decision.reasons
    judged = expected_at(Stage.GATE, HIGH, tags)[0]
    blocked = decide([r if r.check_id != judged else r.with_status(Status.SKIPPED, "x") for r in passes],
                     HIGH, not_judged=not_judged)
    assert blocked.verdict is Verdict.BLOCKED


def test_a_genai_application_carries_its_own_required_tags():
    assert "governance.label" in POLICY.required_for("model")
    assert "governance.label" not in POLICY.required_for("genai")
    assert "governance.label" in POLICY.required_for("vendor")

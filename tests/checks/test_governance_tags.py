
from govflow.checks.governance_tags import check_required_tags, declared_columns, effective_tags
from govflow.checks.policy import parse_policy
from govflow.checks.results import Status
from govflow.settings import DEFAULT_POLICY

POLICY = parse_policy(DEFAULT_POLICY.read_text(), "policy.yaml")
REQUIRED = ("governance.owner", "governance.risk_tier", "governance.label")


def test_version_tags_override_model_tags():
    merged = effective_tags({"governance.owner": "a", "governance.label": "y"}, {"governance.owner": "b"})
    assert merged == {"governance.owner": "b", "governance.label": "y"}


def test_all_required_tags_pass():
    results = check_required_tags({"governance.owner": "o", "governance.risk_tier": "low", "governance.label": "y"},
                                  REQUIRED)
    assert [(r.check_id, r.status) for r in results] == [("governance.required_tags", Status.PASS)]


def test_each_missing_or_blank_tag_is_an_error_naming_it():
    results = check_required_tags({"governance.owner": "  ", "governance.label": "y"}, REQUIRED)
    assert [(r.status, r.column) for r in results] == [
        (Status.ERROR, "governance.owner"), (Status.ERROR, "governance.risk_tier")]
    assert "governance.owner" in results[0].message


def test_invalid_tier_is_an_error():
    results = check_required_tags({"governance.owner": "o", "governance.risk_tier": "critical",
                                   "governance.label": "y"}, REQUIRED)
    assert [(r.status, r.value) for r in results] == [(Status.ERROR, "critical")]


def test_declared_columns():
    assert declared_columns({"governance.label": "y", "governance.sensitive_features": "race, sex,"}) == ["y", "race", "sex"]
    assert declared_columns({}) == []

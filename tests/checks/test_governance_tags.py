
from govflow.checks.governance_tags import VersionTags, check_required_tags, effective_tags
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
    tags = VersionTags.parse({"governance.label": "y", "governance.sensitive_features": "race, sex,"})
    assert tags.columns.declared() == ["y", "race", "sex"]
    assert VersionTags.parse({}).columns.declared() == []


def test_the_tags_parse_once_into_typed_fields_and_blank_reads_as_unset():
    tags = VersionTags.parse({
        "governance.owner": "risk@bank", "governance.risk_tier": " ", "governance.label": "y",
        "governance.prediction": "p", "governance.score": "s", "governance.timestamp": "t", "governance.id_column": "id",
        "governance.reference_data": "ref.csv", "governance.evaluation_data": "eval.csv",
        "governance.monitoring_data": "prod.csv", "governance.labels_data": "labels.csv",
        "governance.jurisdictions": "eu", "governance.status": "APPROVED", "governance.last_gate_run": "r1",
        "governance.custom": "kept"})
    assert (tags.owner, tags.declared_tier, tags.jurisdictions, tags.status, tags.last_gate_run) == (
        "risk@bank", None, "eu", "APPROVED", "r1")
    assert tags.columns.not_features() == {"y", "p", "s", "t", "id"}
    assert (tags.data.reference, tags.data.evaluation, tags.data.monitoring, tags.data.labels) == (
        "ref.csv", "eval.csv", "prod.csv", "labels.csv")
    assert tags.raw["governance.custom"] == "kept"

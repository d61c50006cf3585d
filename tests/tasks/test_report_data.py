"""read_models and read_runs against a temporary MLflow: a run's evidence read back, a run whose evidence is
missing shown as such, a superseded run left out, and the registry's facts with a version's own tier."""

import json

from mlflow import MlflowClient

from tasks.evidence import open_governance_run, write_evidence
from tasks.report_data import read_models, read_runs, run_link


def _run(uri, tmp_path, model, flow, files, tags=None):
    run = open_governance_run.fn(uri, "governance", tmp_path / "artifacts", model, "1", flow, "flow-run")
    write_evidence.fn(uri, run.run_id, files, {"artifacts": {}}, tags={"governance.verdict": "REJECTED",
                                                                        "governance.risk_tier": "high", **(tags or {})},
                      metrics={"drift.share": 0.4})
    return run.run_id


def test_runs_are_read_with_their_evidence_and_missing_files_are_named(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    verdict = {"review_due": "2027-01-01", "results": [
        {"check_id": "drift.share", "status": "PASS", "message": ""},
        {"check_id": "drift.share", "status": "FAIL", "message": ""},
        {"check_id": "data.schema", "status": "PASS", "message": ""}]}
    findings = {"findings": [{"check_id": "drift.share", "severity": "critical", "due": "2026-12-01"}]}
    judged = _run(uri, tmp_path, "m", "gate", {"evidence/verdict.json": json.dumps(verdict).encode(),
                                               "evidence/findings.json": json.dumps(findings).encode()})
    lost = _run(uri, tmp_path, "m", "monitor", {"evidence/other.json": b"{}"})
    _run(uri, tmp_path, "m", "monitor", {}, tags={"governance.superseded_by": lost})
    records, latest = read_runs.fn(uri, "governance", {"m": "1"})
    by_id = {r.run_id: r for r in records}
    assert set(by_id) == {judged, lost}
    gate = by_id[judged]
    assert gate.judged == {"drift.share": "FAIL", "data.schema": "PASS"}  # the worst status per check
    assert gate.findings[0]["severity"] == "critical" and gate.review_due == "2027-01-01"
    assert gate.metrics == {"drift.share": 0.4} and gate.tier == "high" and gate.link.startswith("file:")
    assert by_id[lost].missing == ("evidence/verdict.json", "evidence/findings.json") and not by_id[lost].judged
    assert len(latest["m"]["gate"].results) == 3 and latest["m"]["monitor"].run.run_id == lost
    assert read_runs.fn(uri, "no-such-experiment", {}) == ([], {})


def test_models_carry_owner_status_aliases_and_the_current_versions_tier(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    client.create_registered_model("scorer", tags={"governance.owner": "risk@bank", "governance.risk_tier": "low"})
    for _ in range(2):
        client.create_model_version("scorer", "file:///nowhere", tags={"governance.status": "APPROVED"})
    client.set_model_version_tag("scorer", "2", "governance.risk_tier", "high")
    client.set_registered_model_alias("scorer", "champion", "1")
    client.create_registered_model("empty")
    facts = {f.model: f for f in read_models.fn(uri)}
    scorer = facts["scorer"]
    assert scorer.owner == "risk@bank" and scorer.versions["1"] == ("APPROVED", None, ("champion",))
    assert scorer.current == "1" and scorer.tier == "low"  # version 2 is high but does not serve
    assert facts["empty"].status == "NO_VERSIONS" and facts["empty"].owner is None


def test_links_prefer_the_mlflow_ui():
    assert run_link("http://mlflow:5000/", "3", "abc", "s3://b/x") == "http://mlflow:5000/#/experiments/3/runs/abc/artifacts"
    assert run_link(None, "3", "abc", "s3://b/x") is None
    assert run_link(None, "3", "abc", "file:///data/x") == "file:///data/x"

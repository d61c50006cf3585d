"""read_models and read_runs against a temporary MLflow: a run's evidence read back, a run whose evidence is
missing shown as such, a superseded run left out, and the registry's facts with a version's own tier."""

import json

import pytest
from mlflow import MlflowClient

from govflow.tasks.artifacts import write_evidence
from govflow.tasks.report_data import read_models, read_runs, run_link
from govflow.tasks.runs import open_governance_run

pytestmark = pytest.mark.slow  # writes and reads governance runs in a local MLflow store


def _run(uri, tmp_path, model, flow, files, tags=None):
    run = open_governance_run.fn(uri, "governance", tmp_path / "artifacts", model, "1", flow, "flow-run")
    write_evidence(uri, run.run_id, files, {"artifacts": {}}, tags={"governance.verdict": "REJECTED",
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
    stopped = open_governance_run.fn(uri, "governance", tmp_path / "artifacts", "m", "1", "monitor", "flow-run")
    MlflowClient(uri).set_tag(stopped.run_id, "governance.superseded_by", lost)  # stopped early, rerun as `lost`
    beside = _run(uri, tmp_path, "m", "monitor", {}, tags={"governance.superseded_by": lost})
    records, latest = read_runs.fn(uri, "governance", {"m": "1"})
    by_id = {r.run_id: r for r in records}
    # A run marked superseded while it was still running, that then committed, is evidence like any other.
    assert set(by_id) == {judged, lost, beside}
    gate = by_id[judged]
    assert gate.judged == {"drift.share": "FAIL", "data.schema": "PASS"}  # the worst status per check
    assert gate.findings[0]["severity"] == "critical" and gate.review_due == "2027-01-01"
    assert gate.metrics == {"drift.share": 0.4} and gate.tier == "high" and gate.link.startswith("file:")
    assert by_id[lost].missing == ("evidence/verdict.json", "evidence/findings.json") and not by_id[lost].judged
    assert len(latest["m"]["gate"].results) == 3 and latest["m"]["monitor"].run.run_id == beside
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


def test_malformed_evidence_is_named_and_judges_nothing(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    good_findings = json.dumps({"findings": []}).encode()
    not_a_result = json.dumps({"results": [{"check_id": "drift.share", "status": "GREAT", "message": ""}]}).encode()
    bad_due = json.dumps({"findings": [{"check_id": "drift.share", "severity": "critical", "due": "soon"}]}).encode()
    ok_verdict = json.dumps({"results": [{"check_id": "drift.share", "status": "PASS", "message": ""}],
                             "review_due": "next year"}).encode()
    a = _run(uri, tmp_path, "m", "monitor", {"evidence/verdict.json": not_a_result,
                                             "evidence/findings.json": good_findings})
    b = _run(uri, tmp_path, "m", "monitor", {"evidence/verdict.json": ok_verdict, "evidence/findings.json": bad_due})
    c = _run(uri, tmp_path, "m", "finding_note", {"evidence/note.json": json.dumps({"by": 3}).encode()})
    d = _run(uri, tmp_path, "m", "approval", {"evidence/signoff.json": json.dumps({"by": "A", "role": "owner"}).encode()})
    records = {r.run_id: r for r in read_runs.fn(uri, "governance", {"m": "1"})[0]}
    assert records[a].missing == ("evidence/verdict.json (not a verdict)",) and records[a].judged == {}
    assert records[b].missing == ("evidence/findings.json (not findings)",) and records[b].judged == {}
    assert records[b].review_due is None  # "next year" is no date
    assert records[c].note is None and records[c].missing == ("evidence/note.json (unreadable)",)
    assert records[d].signoff == {"by": "A", "role": "owner", "at": None, "verdict": None, "note": None}


def test_a_verdict_without_its_findings_file_judges_nothing_but_is_shown(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    verdict = json.dumps({"results": [{"check_id": "drift.share", "status": "PASS", "message": ""}]}).encode()
    run = _run(uri, tmp_path, "m", "gate", {"evidence/verdict.json": verdict})
    records, latest = read_runs.fn(uri, "governance", {"m": "1"})
    assert records[0].missing == ("evidence/findings.json",) and records[0].judged == {}
    assert latest["m"]["gate"].run.run_id == run and len(latest["m"]["gate"].results) == 1


def test_the_cache_skips_runs_whose_manifest_is_unchanged_and_rereads_the_rest(tmp_path, monkeypatch):
    from govflow.tasks import report_data

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    cache = tmp_path / "cache.jsonl"
    verdict = json.dumps({"results": [{"check_id": "drift.share", "status": "FAIL", "message": ""}]}).encode()
    findings = json.dumps({"findings": [{"check_id": "drift.share", "severity": "critical", "due": None}]}).encode()
    files = {"evidence/verdict.json": verdict, "evidence/findings.json": findings}
    old = [_run(uri, tmp_path, "m", "monitor", files) for _ in range(3)]
    lost = _run(uri, tmp_path, "m", "monitor", {"evidence/other.json": b"{}"})
    newest = _run(uri, tmp_path, "m", "monitor", files)
    cold, cold_latest = read_runs.fn(uri, "governance", {"m": "1"}, cache=cache)
    assert len(cache.read_text().splitlines()) == 4  # the run with missing files is not cached

    reads = []
    real = report_data._read_json
    monkeypatch.setattr(report_data, "_read_json", lambda u, a, p: reads.append(a) or real(u, a, p))
    MlflowClient(uri).set_tag(old[0], "governance.manifest_sha256", "rewritten")
    warm, warm_latest = read_runs.fn(uri, "governance", {"m": "1"}, cache=cache)
    reread = {a.rstrip("/").split("/")[-2] for a in reads}
    assert reread == {old[0], lost, newest}  # changed manifest, missing files, and the latest run's results
    assert [r.run_id for r in warm] == [r.run_id for r in cold]
    assert [(r.judged, r.findings, r.metrics, r.started, r.link) for r in warm] == \
        [(r.judged, r.findings, r.metrics, r.started, r.link) for r in cold]
    assert warm_latest["m"]["monitor"].results == cold_latest["m"]["monitor"].results
    cache.write_text("not json\n")
    assert len(read_runs.fn(uri, "governance", {"m": "1"}, cache=cache)[0]) == 5  # a broken cache is read past

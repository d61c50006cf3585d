"""When a gate's evaluation may be carried into the next gate (checks/carried_evaluation.py): only from intact,
committed evidence of a gate of the same version that judged exactly what is there now."""

import json

import pytest

from govflow.checks.carried_evaluation import EVALUATION, Evaluation, Judged, carried, evaluation_document
from govflow.checks.governance_tags import VersionTags
from govflow.checks.manifest import build_manifest, canonical_json, sha256_hex
from govflow.checks.model_task import ModelTask
from govflow.checks.results import CheckResult, Status

RESULTS = [CheckResult(check_id="performance.auc", status=Status.PASS, value=0.8125, limit=0.7,
                       ci=(0.7901234567890123, 0.83), n=5000, message="AUC 0.8125"),
           CheckResult(check_id="fairness.demographic_parity_ratio", status=Status.FAIL, value=0.71, limit=0.8,
                       group="sex", message="ratio 0.71")]
GROUPS = [{"feature": "sex", "group": "F", "rate": 0.31, "n": 2400}]
INPUTS = {"model_source": "models:/m/1", "reference_data": "sha256:aa", "evaluation_data": "sha256:bb",
          "judged_tags": "sha256:cc"}
NOW = Judged("loan", "3", INPUTS, "policy-sha", "govflow 1.0")


def _gate(inputs=INPUTS, flow="gate", version="3", policy="policy-sha", code="govflow 1.0"):
    """(manifest bytes, the run's recorded hash, files) of a committed gate run that evaluated RESULTS."""
    evaluated = {"evidence/great_expectations/validation_result.json": b'{"success": true}'}
    files = {**evaluated, "evidence/verdict.json": b"{}",
             EVALUATION: evaluation_document(RESULTS, ModelTask.BINARY, GROUPS, evaluated)}
    manifest = canonical_json(build_manifest(
        model="loan", version=version, flow=flow, created_at="2026-12-07T00:00:00+00:00", artifacts=files,
        inputs=inputs, policy_sha256=policy, code_version=code, previous_manifest_sha256=None))
    return manifest, sha256_hex(manifest), files


def test_an_unchanged_version_carries_its_evaluation_exactly():
    manifest, recorded, files = _gate()
    found = carried("run-1", manifest, recorded, files, NOW)
    assert isinstance(found, Evaluation)
    assert found.results == tuple(RESULTS)  # every field, floats to the last digit
    assert (found.task, found.fairness_groups, found.evaluated_in) == (ModelTask.BINARY, GROUPS, "run-1")
    assert set(found.files) == {"evidence/great_expectations/validation_result.json"}


def test_a_carried_evaluation_names_the_run_that_evaluated_it():
    manifest, recorded, files = _gate({**INPUTS, "carried_from": "run-0"})
    assert carried("run-1", manifest, recorded, files, NOW).evaluated_in == "run-0"


@pytest.mark.parametrize("change, reason", [
    ({"inputs": {**INPUTS, "evaluation_data": "sha256:other"}}, "changed since the previous gate run: evaluation_data"),
    ({"inputs": {**INPUTS, "judged_tags": "sha256:other"}}, "changed since the previous gate run: judged_tags"),
    ({"inputs": {**INPUTS, "model_source": "models:/m/2"}}, "changed since the previous gate run: model_source"),
    ({"inputs": {**INPUTS, "risk_assessment": "sha256:dd"}}, "changed since the previous gate run: risk_assessment"),
    ({"policy": "other"}, "changed since the previous gate run: policy"),
    ({"code": "govflow 1.1"}, "changed since the previous gate run: code"),
    ({"flow": "approval"}, "not a gate of this version"),
    ({"version": "2"}, "not a gate of this version"),
])
def test_anything_judged_that_changed_means_evaluating_again(change, reason):
    manifest, recorded, files = _gate(**change)
    assert reason in carried("run-1", manifest, recorded, files, NOW)


def test_evidence_that_is_not_intact_or_not_committed_is_not_carried():
    manifest, recorded, files = _gate()
    altered = {**files, EVALUATION: files[EVALUATION].replace(b'"FAIL"', b'"PASS"')}
    assert "does not match its manifest" in carried("run-1", manifest, recorded, altered, NOW)
    assert "no committed manifest" in carried("run-1", manifest, None, files, NOW)  # uncommitted
    assert "no committed manifest" in carried("run-1", manifest, sha256_hex(b"x"), files, NOW)
    assert "no committed manifest" in carried("run-1", None, recorded, files, NOW)
    stopped = {k: v for k, v in files.items() if k != EVALUATION}  # a gate that stopped early keeps none
    manifest = canonical_json({**json.loads(manifest), "artifacts": {
        k: v for k, v in json.loads(manifest)["artifacts"].items() if k != EVALUATION}})
    assert "no complete evaluation" in carried("run-1", manifest, sha256_hex(manifest), stopped, NOW)


def test_the_judged_tags_leave_out_only_what_records_a_decision():
    tags = VersionTags.parse({"governance.owner": "a@b", "governance.label": "y", "governance.status": "BLOCKED",
                              "governance.last_gate_run": "r1", "governance.last_monitor_run": "r2",
                              "governance.signoff.owner": "{}", "governance.lifecycle": "serving"})
    assert tags.judged({"governance.task": "binary"}) == {
        "governance.label": "y", "governance.lifecycle": "serving", "governance.owner": "a@b",
        "governance.task": "binary"}


def test_an_evaluation_that_cannot_be_read_is_not_carried_and_raises_nothing():
    """Bytes that match their manifest but are not the document this code writes (another version's, or written
    by hand with the hashes re-made): the gate evaluates."""
    for broken in (b"not json", b'{"results": [{"check_id": "x"}], "task": null, "fairness_groups": null}',
                   b'{"results": [], "task": "ranking", "fairness_groups": null, "files": []}',
                   b'{"results": [], "task": null, "fairness_groups": null, "files": ["evidence/absent.json"]}'):
        manifest, _, files = _gate()
        files = {**files, EVALUATION: broken}
        manifest = canonical_json({**json.loads(manifest), "artifacts": {
            **json.loads(manifest)["artifacts"], EVALUATION: sha256_hex(broken)}})
        assert "cannot be read" in carried("run-1", manifest, sha256_hex(manifest), files, NOW)
    assert "not JSON" in carried("run-1", b"{", sha256_hex(b"{"), {}, NOW)

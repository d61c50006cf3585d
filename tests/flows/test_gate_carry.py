"""A sign-off's gate carries the last gate's evaluation where nothing it judged has changed (flows/gate_carry.py),
and evaluates again where anything has: the carried verdict is the one a full gate gives."""

import json
import shutil

import pandas as pd
import pytest

from govflow.flows.approval import sign_off
from govflow.flows.gate import registration_gate
from tests.evidence_check import assert_manifest_intact

pytestmark = pytest.mark.usefixtures("prefect_harness")
MODEL = "loan_approval"


def _new_version(client, tags: dict[str, str]) -> str:
    """Another version of the loan model from the same source (other modules sign v1 off)."""
    first = client.get_model_version(MODEL, "1")
    return str(client.create_model_version(MODEL, first.source, run_id=first.run_id, tags=tags).version)


def _task_runs(flow_run_name: str) -> list[str]:
    """The names (without Prefect's suffix) of the task runs of the flow run of that name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[flow_run_name])))
    return [run.name.rsplit("-", 1)[0] if run.name.startswith(("upload", "append", "commit")) else run.name
            for run in runs]


def _judged(outcome) -> list[tuple]:
    """Every result but the governance family's (the sign-offs differ by design), as compared here."""
    return sorted((r.check_id, r.group or "", r.column or "", r.status.value, r.value, r.ci, r.n, r.message)
                  for r in outcome.results if not r.check_id.startswith("governance."))


def test_a_signoff_carries_the_evaluation_and_its_verdict_is_a_full_gates(fleet, client, tmp_path):
    version = _new_version(client, {})
    first = registration_gate(MODEL, version)
    assert first.verdict == "BLOCKED"  # awaiting the owner's and a validator's sign-off
    # The recording is one task run of the gate's, its reads and writes steps of it (flows/recording.py).
    recorded = _task_runs(f"gate-{MODEL}-v{version}")
    assert "record-gate" in recorded and not {"upload_evidence", "append_head", "commit_run"} & set(recorded)
    owner = sign_off(MODEL, version, "A. Rivera", "owner", "reviewed the evidence")
    approved = sign_off(MODEL, version, "M. Chen", "validator", "challenged the model")
    assert approved.verdict == "APPROVED"
    for carried, folder in ((owner, "owner"), (approved, "validator")):
        manifest = assert_manifest_intact(client, carried.run_id, tmp_path / folder)
        # Both name the run that evaluated, and hold its evaluation's files as their own evidence.
        assert manifest["inputs"]["carried_from"] == first.run_id
        assert "evidence/great_expectations/validation_result.json" in manifest["artifacts"]
        assert _judged(carried) == _judged(first)
    full = registration_gate(MODEL, version)  # asked for by a person: evaluates whatever the tags say
    manifest = assert_manifest_intact(client, full.run_id, tmp_path / "full")
    assert "carried_from" not in manifest["inputs"]
    assert (full.verdict, _judged(full)) == (approved.verdict, _judged(approved))
    assert [r for r in full.results if r.check_id == "governance.signoff"] == [
        r for r in approved.results if r.check_id == "governance.signoff"]
    for page in ("evidence/fairness.html", "evidence/fairness_groups.json"):
        assert (tmp_path / "full" / page).read_bytes() == (tmp_path / "validator" / page).read_bytes(), page
    # The verdicts agree but for how the task was told: the full gate reads the tag the first gate wrote, the
    # carried one says how that gate told it.
    full_verdict, carried_verdict = (json.loads((tmp_path / f / "evidence" / "verdict.json").read_text())
                                     for f in ("full", "validator"))
    told = [(a["message"], b["message"]) for a, b in zip(full_verdict["results"], carried_verdict["results"],
                                                         strict=True) if a != b]
    assert told == [("binary (declared by tag governance.task)",
                     "binary (inferred: the model gives probabilities for 2 classes)")]
    assert {k: v for k, v in full_verdict.items() if k != "results"} == {
        k: v for k, v in carried_verdict.items() if k != "results"}


def test_a_signoff_after_the_evaluation_data_changed_evaluates_again(fleet, client, tmp_path):
    data = tmp_path / "evaluation.parquet"
    shutil.copyfile(fleet[MODEL].data["evaluation"], data)
    version = _new_version(client, {"governance.evaluation_data": str(data)})
    first = registration_gate(MODEL, version)
    before = assert_manifest_intact(client, first.run_id, tmp_path / "first")["inputs"]["evaluation_data"]
    frame = pd.read_parquet(data)
    frame.iloc[: len(frame) // 2].to_parquet(data, index=False)  # half the rows, in place
    owner = sign_off(MODEL, version, "A. Rivera", "owner", "reviewed the evidence")
    manifest = assert_manifest_intact(client, owner.run_id, tmp_path / "owner")
    assert "carried_from" not in manifest["inputs"]
    assert manifest["inputs"]["evaluation_data"] != before and _judged(owner) != _judged(first)
    rows = {r.n for r in owner.results if r.check_id == "performance.auc"}
    assert rows == {len(frame) // 2}

"""write_evidence against a temporary MLflow: every file, the manifest, tags, and a long metric history."""

import pytest
from mlflow import MlflowClient

from govflow.tasks.artifacts import write_evidence
from govflow.tasks.runs import open_governance_run


@pytest.mark.slow  # logs a thousand metric steps to a local MLflow store
def test_a_long_period_history_is_logged_with_its_own_steps(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run = open_governance_run.fn(uri, "governance", tmp_path / "artifacts", "m", "1", "monitor", "flow-run")
    history = [("fairness.demographic_parity_ratio.sex", i / 2000, 86_400_000 * i) for i in range(1500)]
    digest = write_evidence(uri, run.run_id, {"evidence/a.json": b"{}\n"}, {"artifacts": {}},
                               tags={"governance.verdict": "APPROVED"}, metrics={"performance.auc": 0.8},
                               history=history)
    client = MlflowClient(uri)
    logged = client.get_metric_history(run.run_id, "fairness.demographic_parity_ratio.sex")
    assert sorted(m.step for m in logged) == list(range(1500))
    finished = client.get_run(run.run_id)
    assert finished.info.status == "FINISHED"
    assert finished.data.tags["governance.manifest_sha256"] == digest
    assert {f.path for f in client.list_artifacts(run.run_id)} == {"evidence", "manifest.json"}


def test_a_missing_evidence_file_reads_as_none_and_a_store_error_is_raised(tmp_path, monkeypatch):
    import mlflow.artifacts
    import pytest
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import TEMPORARILY_UNAVAILABLE

    from govflow.tasks.artifacts import read_evidence_json

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run = open_governance_run.fn(uri, "governance", tmp_path / "artifacts", "m", "1", "gate", "flow-run")
    assert read_evidence_json.fn(uri, run.run_id, "evidence/absent.json") is None

    def unavailable(**kwargs):
        raise MlflowException("the artifact store answered 503", error_code=TEMPORARILY_UNAVAILABLE)

    monkeypatch.setattr(mlflow.artifacts, "download_artifacts", unavailable)
    with pytest.raises(MlflowException, match="503"):
        read_evidence_json.fn(uri, run.run_id, "evidence/verdict.json")


@pytest.mark.slow  # a local MLflow store
@pytest.mark.parametrize("what", ["manifest.json", "evidence/a.json"])
def test_a_file_the_store_holds_other_than_sent_is_never_vouched_for(tmp_path, monkeypatch, what):
    """MLflow's client retries a PUT after a dropped connection with the same, already read, file object; a
    store that then keeps a short copy must make the upload fail (and the task upload again), before a head
    is published for bytes that are not there."""
    from govflow.tasks.artifacts import StoredCopyDiffers, upload_evidence, upload_manifest

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run = open_governance_run.fn(uri, "governance", tmp_path / "artifacts", "m", "1", "monitor", "flow-run")
    real = MlflowClient.log_artifacts

    def short_copy(self, run_id, local_dir, artifact_path=None):
        real(self, run_id, local_dir, artifact_path)
        target = tmp_path / "short" / what
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"{")
        real(self, run_id, str(target.parent), artifact_path or (what.rpartition("/")[0] or None))

    monkeypatch.setattr(MlflowClient, "log_artifacts", short_copy)
    with pytest.raises(StoredCopyDiffers, match=what):
        if what == "manifest.json":
            upload_manifest.fn(uri, run.run_id, {"artifacts": {}, "sequence": 1})
        else:
            upload_evidence.fn(uri, run.run_id, {what: b'{"a": 1}\n'})
    monkeypatch.setattr(MlflowClient, "log_artifacts", real)  # the retry finds an honest store
    if what == "manifest.json":
        assert upload_manifest.fn(uri, run.run_id, {"artifacts": {}, "sequence": 1})
    else:
        upload_evidence.fn(uri, run.run_id, {what: b'{"a": 1}\n'})


def test_a_run_recorded_under_govflow_now_is_stamped_then_and_says_so(tmp_path, monkeypatch):
    from datetime import UTC, datetime

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    real = open_governance_run.fn(uri, "governance", tmp_path / "artifacts", "m", "1", "monitor", "flow-run")
    from govflow import clock

    monkeypatch.setenv("GOVFLOW_NOW", "2026-10-12T02:00:00")  # no zone: UTC
    monkeypatch.setattr(clock, "_STARTED", {})  # the moment starts running when this test first reads it
    past = open_governance_run.fn(uri, "governance", tmp_path / "artifacts", "m", "1", "monitor", "flow-run")
    write_evidence(uri, past.run_id, {"evidence/a.json": b"{}\n"}, {"artifacts": {}}, tags={},
                   metrics={"drift.share": 0.1})
    client = MlflowClient(uri)
    then = int(datetime(2026, 10, 12, 2, tzinfo=UTC).timestamp() * 1000)
    stored = client.get_run(past.run_id)
    assert then <= stored.info.start_time <= stored.info.end_time < then + 60_000  # the simulated clock runs on
    assert client.get_metric_history(past.run_id, "drift.share")[0].timestamp == stored.info.end_time
    assert stored.data.tags["governance.clock"] == "simulated: GOVFLOW_NOW=2026-10-12T02:00:00+00:00"
    now = client.get_run(real.run_id)
    assert "governance.clock" not in now.data.tags and now.info.start_time > then

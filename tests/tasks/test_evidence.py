"""write_evidence against a temporary MLflow: every file, the manifest, tags, and a long metric history."""

import pytest
from mlflow import MlflowClient

from govflow.tasks.evidence import open_governance_run, write_evidence


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

    from govflow.tasks.evidence import read_evidence_json

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run = open_governance_run.fn(uri, "governance", tmp_path / "artifacts", "m", "1", "gate", "flow-run")
    assert read_evidence_json.fn(uri, run.run_id, "evidence/absent.json") is None

    def unavailable(**kwargs):
        raise MlflowException("the artifact store answered 503", error_code=TEMPORARILY_UNAVAILABLE)

    monkeypatch.setattr(mlflow.artifacts, "download_artifacts", unavailable)
    with pytest.raises(MlflowException, match="503"):
        read_evidence_json.fn(uri, run.run_id, "evidence/verdict.json")

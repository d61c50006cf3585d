"""write_evidence against a temporary MLflow: every file, the manifest, tags, and a long metric history."""

from mlflow import MlflowClient

from tasks.evidence import open_governance_run, write_evidence


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

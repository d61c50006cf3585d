"""The MLflow server going away mid-run (a proxy that starts answering 503 as the manifest is uploaded):
the gate retries, then stops with its evidence incomplete; `verify` names the incomplete run; once the
server is back, the rerun completes it and `verify` is intact again."""

import os
import subprocess

import pytest
from mlflow import MlflowClient

from tests.servers.processes import BIN, FaultyProxy, start_mlflow, stop


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    url, proc = start_mlflow(tmp_path_factory.mktemp("outage"))
    proxy = FaultyProxy(url)
    yield url, proxy
    proxy.close()
    stop(proc)


def _govflow(args, env):
    return subprocess.run([str(BIN / "govflow"), *args], check=False, capture_output=True, text=True, env=env, timeout=600)


def test_a_run_cut_off_mid_write_is_incomplete_until_the_rerun(proxied, tmp_path):
    from govflow.demo.seed import seed_fleet

    url, proxy = proxied
    client = MlflowClient(url)
    [seeded] = seed_fleet(client, tmp_path / "datasets", None, only=("vendor_fraud_score",))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")},
           "MLFLOW_TRACKING_URI": proxy.url, "GOVFLOW_DATA_DIR": str(tmp_path / "data"),
           "PREFECT_HOME": str(tmp_path / "prefect"), "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
           "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0"}

    proxy.cut_on = ("PUT", "/manifest.json")
    cut = _govflow(["gate", "vendor_fraud_score", seeded.version], env)
    assert cut.returncode == 1, cut.stderr[-3000:]
    assert "could not be written whole" in cut.stderr and "govflow verify vendor_fraud_score" in cut.stderr
    assert any("manifest.json" in r for r in proxy.refused)
    proxy.restore()

    experiment = client.get_experiment_by_name("governance").experiment_id
    [stopped] = client.search_runs([experiment], "tags.`governance.model` = 'vendor_fraud_score'")
    assert "governance.manifest_sha256" not in stopped.data.tags
    assert "governance.status" not in client.get_model_version("vendor_fraud_score", seeded.version).tags

    broken = _govflow(["verify", "vendor_fraud_score"], env)
    assert broken.returncode == 1
    assert f"INCOMPLETE run {stopped.info.run_id} stopped before its manifest" in broken.stdout

    rerun = _govflow(["gate", "vendor_fraud_score", seeded.version], env)
    assert rerun.returncode == 1 and "BLOCKED" in rerun.stdout  # it lacks an owner; the verdict is recorded
    after = client.get_run(stopped.info.run_id)
    assert after.info.status == "FAILED" and after.data.tags["governance.superseded_by"] != stopped.info.run_id
    intact = _govflow(["verify", "vendor_fraud_score"], env)
    assert intact.returncode == 0, intact.stdout
    assert f"NOTE       run {stopped.info.run_id} stopped before it was committed; run " \
           f"{after.data.tags['governance.superseded_by']} completed it" in intact.stdout

"""A password in the tracking URI appears nowhere: not in any output of the gate, verify, the reports or a
failing command, and in no file under the data directory (pages, head log, ledger, Prefect's database)."""

import os
import subprocess

import pytest
from mlflow import MlflowClient

from tests.servers.processes import BIN, start_mlflow, stop

PASSWORD = "Pa55-w0rd-that-must-never-show"
MODEL = "secretive"
pytestmark = pytest.mark.servers


def test_a_tracking_password_is_masked_everywhere(tmp_path):
    (tmp_path / "server").mkdir()
    url, proc = start_mlflow(tmp_path / "server")
    try:
        client = MlflowClient(url)
        client.create_registered_model(MODEL, tags={"governance.owner": "tests", "governance.risk_tier": "low"})
        run = client.create_run("0")
        client.set_terminated(run.info.run_id)
        version = client.create_model_version(MODEL, f"runs:/{run.info.run_id}/model", run.info.run_id).version
        secret_uri = url.replace("http://", f"http://auditor:{PASSWORD}@")
        data = tmp_path / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
        env |= {"MLFLOW_TRACKING_URI": secret_uri, "GOVFLOW_DATA_DIR": str(data), "PREFECT_HOME": str(data / "prefect")}
        outputs = []
        for args in (["gate", MODEL, version], ["verify", MODEL], ["report"], ["gate", "no_such_model", "1"],
                     ["evidence", "pull", MODEL, "--out", str(data / "bundle")]):
            done = subprocess.run([str(BIN / "govflow"), *args], check=False, capture_output=True, text=True, env=env, timeout=600)
            outputs.append((args, done.returncode, done.stdout + done.stderr))
        # The commands did their work through the URI that holds the password.
        assert [code for _, code, _ in outputs] == [1, 0, 0, 2, 0], [(a, c, o[-800:]) for a, c, o in outputs]
        for args, _, text in outputs:
            assert PASSWORD not in text, args
        leaks = [str(p) for p in data.rglob("*") if p.is_file() and PASSWORD.encode() in p.read_bytes()]
        assert leaks == []
        # The pages name the store they were read from: with the user, never the password.
        assert b"http://auditor:***@127.0.0.1" in (data / "reports" / "dashboard.html").read_bytes()
    finally:
        stop(proc)

"""The gate through the real CLI against a real `mlflow server` on loopback (HTTP tracking, proxied artifacts)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from tests.evidence_check import assert_manifest_intact
from tests.servers.processes import start_mlflow, stop

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    url, proc = start_mlflow(tmp_path_factory.mktemp("mlflow-server"))
    yield url
    stop(proc)


def _govflow(args, env):
    return subprocess.run([str(BIN / "govflow"), *args], check=False, capture_output=True, text=True, env=env, timeout=600)


def test_gate_cli_against_an_http_tracking_server(mlflow_server, tmp_path):
    from govflow.demo.seed import seed_fleet

    client = MlflowClient(mlflow_server)
    seeded = seed_fleet(client, tmp_path / "datasets", None, only=("loan_approval", "vendor_fraud_score"))
    env = {**os.environ, "MLFLOW_TRACKING_URI": mlflow_server, "GOVFLOW_DATA_DIR": str(tmp_path / "data"),
           "PREFECT_HOME": str(tmp_path / "prefect")}

    from govflow.checks.signoff import signoff_record, signoff_tag

    # The high tier needs an owner's and a validator's sign-off (the approval flow is tested in test_gate_flow).
    for role, person in (("owner", "A. Rivera"), ("validator", "M. Chen")):
        client.set_model_version_tag("loan_approval", seeded[0].version, signoff_tag(role),
                                     signoff_record(person, role, "2026-11-22T09:00:00+00:00", None, None, None))
    approved = _govflow(["gate", "loan_approval", seeded[0].version, "--json"], env)
    assert approved.returncode == 0, approved.stderr[-3000:]
    report = json.loads(approved.stdout)  # stdout holds the JSON object and nothing else
    assert report["verdict"] == "APPROVED"
    for result in report["results"]:
        assert {"check_id", "status", "value", "limit", "ci", "n", "message", "group", "column"} <= set(result)
    assert report["evidence"].startswith("mlflow-artifacts:")
    assert_manifest_intact(client, report["run_id"], tmp_path / "evidence")

    blocked = _govflow(["gate", "vendor_fraud_score", seeded[1].version], env)
    assert blocked.returncode == 1
    assert "BLOCKED" in blocked.stdout and "governance.owner" in blocked.stdout

    unknown = _govflow(["gate", "no_such_model", "1"], env)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines()[-1] == (
        f"govflow: model 'no_such_model' is not registered in MLflow ({mlflow_server})")

"""No registration is lost to a dead receiver: a burst of signed deliveries to a real `govflow webhook serve`,
the receiver SIGKILLed mid-burst (accepted jobs unfinished, later deliveries refused), then one reconciliation
pass, and every version is gated with its chain intact."""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from mlflow import MlflowClient

from govflow.webhooks.signature import sign
from tests.servers.processes import BIN, free_port, spawn, start_mlflow, stop, wait_healthy

SECRET = "loss-test-webhook-secret-0123456"
MODEL, VERSIONS = "burst", 6
pytestmark = pytest.mark.servers


def _deliver(url: str, version: str) -> int | str:
    body = json.dumps({"entity": "model_version", "action": "created",
                       "data": {"name": MODEL, "version": version}}).encode()
    stamp, delivery = str(int(time.time())), f"burst-{version}"
    request = urllib.request.Request(f"{url}/webhooks/mlflow", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-MLflow-Delivery-Id": delivery, "X-MLflow-Timestamp": stamp,
        "X-MLflow-Signature": sign(SECRET, delivery, stamp, body)})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError as exc:
        return type(exc).__name__


def test_a_receiver_killed_mid_burst_loses_nothing_after_reconciliation(tmp_path):
    url, mlflow_proc = start_mlflow(tmp_path)
    receiver = None
    try:
        client = MlflowClient(url)
        client.create_registered_model(MODEL, tags={"governance.owner": "tests", "governance.risk_tier": "low"})
        run = client.create_run("0")
        client.set_terminated(run.info.run_id)
        versions = [client.create_model_version(MODEL, f"runs:/{run.info.run_id}/model", run.info.run_id).version
                    for _ in range(VERSIONS)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
        env |= {"MLFLOW_TRACKING_URI": url, "GOVFLOW_DATA_DIR": str(tmp_path / "data"),
                "PREFECT_HOME": str(tmp_path / "prefect"), "GOVFLOW_WEBHOOK_SECRET": SECRET}
        port = free_port()
        log = tmp_path / "receiver.log"
        receiver = spawn([str(BIN / "govflow"), "webhook", "serve", "--port", str(port)], log, env)
        wait_healthy(f"http://127.0.0.1:{port}/health", receiver, log)
        answers = {}
        for version in versions:
            answers[version] = _deliver(f"http://127.0.0.1:{port}", version)
            if list(answers.values()).count(202) == VERSIONS // 2 and receiver.poll() is None:
                os.killpg(receiver.pid, signal.SIGKILL)  # mid-burst: jobs accepted, not all run
                receiver.wait(timeout=30)
        assert list(answers.values())[:VERSIONS // 2] == [202] * (VERSIONS // 2), answers
        assert all(a != 202 for a in list(answers.values())[VERSIONS // 2:]), answers  # refused: lost
        ungated = [v for v in versions if "governance.status" not in client.get_model_version(MODEL, v).tags]
        assert len(ungated) > VERSIONS // 2  # the kill lost deliveries and accepted jobs alike

        reconciled = subprocess.run([str(BIN / "govflow"), "reconcile"], check=False, capture_output=True, text=True, env=env,
                                    timeout=900)
        assert reconciled.returncode in (0, 1), reconciled.stderr[-3000:]
        statuses = {v: client.get_model_version(MODEL, v).tags.get("governance.status") for v in versions}
        assert all(statuses.values()), statuses
        assert all(f"{MODEL} v{v} had no governance status" in reconciled.stdout for v in ungated)
        verified = subprocess.run([str(BIN / "govflow"), "verify", MODEL, "--json"], check=False, capture_output=True, text=True,
                                  env=env, timeout=300)
        assert verified.returncode == 0, verified.stdout[-3000:]
    finally:
        if receiver is not None:
            stop(receiver)
        stop(mlflow_proc)

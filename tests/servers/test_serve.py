"""`govflow serve` end to end: a loopback Prefect server, the deployments of prefect.yaml with their
schedules, triggers and concurrency limits, and the webhook receiver in the same process. A signed
registration event reaches the gate through a Prefect event and the gate deployment's trigger."""

import json
import os
import time
import urllib.request

import pytest
from mlflow import MlflowClient

from govflow.serve import read_deployments
from govflow.webhooks.signature import sign
from tests.servers.processes import BIN, free_port, spawn, stop, wait_healthy

SECRET = "serve-test-webhook-secret-01234"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    prefect_port, webhook_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"GOVFLOW_DATA_DIR": str(root / "data"), "PREFECT_HOME": str(root / "prefect"),
            "GOVFLOW_WEBHOOK_SECRET": SECRET}
    log = root / "serve.log"
    proc = spawn([str(BIN / "govflow"), "serve", "--prefect-port", str(prefect_port), "--webhook-port", str(webhook_port)],
                 log, env, cwd=root)
    wait_healthy(f"http://127.0.0.1:{webhook_port}/health", proc, log, seconds=240)
    api = f"http://127.0.0.1:{prefect_port}/api"
    deadline = time.time() + 120
    while len(_api(api, "/deployments/filter", {})) < len(read_deployments()):
        if time.time() > deadline or proc.poll() is not None:
            stop(proc)
            pytest.fail(f"govflow serve did not register its deployments: {log.read_text()[-3000:]}")
        time.sleep(1)
    yield {"api": f"http://127.0.0.1:{prefect_port}/api", "webhooks": f"http://127.0.0.1:{webhook_port}",
           "root": root, "log": log, "proc": proc}
    stop(proc)


def _api(url: str, path: str, body: dict) -> list | dict:
    request = urllib.request.Request(f"{url}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_serve_registers_the_deployments_of_prefect_yaml(served):
    deployments = {d["name"]: d for d in _api(served["api"], "/deployments/filter", {})}
    assert set(deployments) == {e["name"] for e in read_deployments()}
    nightly = deployments["nightly-governance"]
    assert [s["schedule"]["cron"] for s in nightly["schedules"]] == ["0 2 * * *"]
    assert nightly["concurrency_limit"] == 1 or nightly["global_concurrency_limit"]["limit"] == 1
    assert nightly["concurrency_options"]["collision_strategy"] == "ENQUEUE"
    sweep = deployments["retirement-sweep"]
    assert [s["schedule"]["cron"] for s in sweep["schedules"]] == ["0 4 * * 1"]
    automations = _api(served["api"], "/automations/filter", {})
    assert {tuple(a["trigger"]["expect"]) for a in automations} == {
        ("govflow.model_version.created",), ("govflow.model_version_alias.created",)}


def test_a_signed_registration_event_runs_the_gate_deployment(served, tmp_path):
    from govflow.demo.seed import seed_fleet

    client = MlflowClient(f"sqlite:///{served['root'] / 'data' / 'mlflow.db'}")
    [seeded] = seed_fleet(client, tmp_path / "datasets", served["root"] / "data" / "mlartifacts",
                          only=("vendor_fraud_score",))
    body = json.dumps({"entity": "model_version", "action": "created", "timestamp": "now",
                       "data": {"name": "vendor_fraud_score", "version": seeded.version}}).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(f"{served['webhooks']}/webhooks/mlflow", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-MLflow-Delivery-Id": "serve-1", "X-MLflow-Timestamp": stamp,
        "X-MLflow-Signature": sign(SECRET, "serve-1", stamp, body)})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 202
    deadline = time.time() + 300
    while time.time() < deadline:
        status = client.get_model_version("vendor_fraud_score", seeded.version).tags.get("governance.status")
        if status:
            break
        time.sleep(2)
    else:
        pytest.fail(f"the gate deployment did not run: {served['log'].read_text()[-4000:]}")
    assert status == "BLOCKED"  # it names no owner
    # The status tag is written before the gate's last steps; the flow run ends a moment later.
    while True:
        runs = _api(served["api"], "/flow_runs/filter", {"deployments": {"name": {"any_": ["registration-gate"]}}})
        if time.time() > deadline or (runs and runs[0]["state"]["type"] not in ("SCHEDULED", "PENDING", "RUNNING")):
            break
        time.sleep(1)
    # A delivery's gate is automation: it gates a version only if nothing gated it meanwhile.
    assert [r["parameters"] for r in runs] == [{"model": "vendor_fraud_score", "version": seeded.version,
                                                "only_if_ungated": True}]
    assert runs[0]["state"]["type"] == "COMPLETED"


def test_sigterm_stops_serve_and_the_prefect_server_it_started(served):
    """Last in this module: SIGTERM to `govflow serve`'s process group (as `systemctl stop` sends it by default,
    and a terminal's Ctrl-C) ends it, exit 0, with the loopback Prefect server it started. Before, Prefect's
    runner left its stop unawaited, then waited on the dying API to pause the schedules: the process ran on until
    it was killed (still running 60 s after the signal, measured; the suite's `stop` waited 30 s for it)."""
    import signal
    import subprocess

    proc = served["proc"]
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        code = proc.wait(timeout=120)  # a bound, not a speed: only a process that never stops reaches it
    except subprocess.TimeoutExpired:
        pytest.fail(f"govflow serve still runs 120 s after SIGTERM: {served['log'].read_text()[-2000:]}")
    assert code == 0, served["log"].read_text()[-3000:]
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{served['api']}/health", timeout=5)

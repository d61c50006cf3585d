"""End to end: a real `mlflow server` with registry webhooks, the `govflow webhook serve` receiver, and a
notification sink. Registering a version gates it; an alias on an unapproved version is a critical finding
that notifies; forged, stale and replayed calls start nothing."""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from mlflow import MlflowClient

from govflow.webhooks.signature import sign
from tests.servers.processes import BIN, Sink, free_port, spawn, start_mlflow, stop, wait_healthy

SECRET = "end-to-end-webhook-secret-0123"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("webhook-stack")
    mlflow_url, mlflow_proc = start_mlflow(root, {
        "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true", "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
        "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY": Fernet.generate_key().decode(), "MLFLOW_WEBHOOK_CACHE_TTL": "1",
    })
    sink = Sink()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"MLFLOW_TRACKING_URI": mlflow_url, "GOVFLOW_DATA_DIR": str(root / "govflow"),
            "PREFECT_HOME": str(root / "prefect"), "GOVFLOW_WEBHOOK_SECRET": SECRET,
            "GOVFLOW_NOTIFY_URL": sink.apprise_url}
    log = root / "receiver.log"
    receiver = spawn([str(BIN / "govflow"), "webhook", "serve", "--port", str(port)], log, env)
    receiver_url = f"http://127.0.0.1:{port}"
    wait_healthy(f"{receiver_url}/health", receiver, log, seconds=60)
    yield {"mlflow": mlflow_url, "receiver": receiver_url, "env": env, "sink": sink, "log": log, "root": root}
    stop(receiver)
    sink.close()
    stop(mlflow_proc)


def _wait(predicate, seconds: float, what: str, log: Path):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if value := predicate():
            return value
        time.sleep(1)
    pytest.fail(f"{what} within {seconds} s; receiver log:\n{log.read_text()[-4000:]}")


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"{url}/webhooks/mlflow", data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _signed(body: bytes, delivery: str, stamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(stamp if stamp is not None else int(time.time()))
    return {"X-MLflow-Delivery-Id": delivery, "X-MLflow-Timestamp": ts,
            "X-MLflow-Signature": sign(secret, delivery, ts, body)}


def _pending(url: str) -> int:
    with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
        return json.loads(response.read())["pending_jobs"]


def test_registration_is_gated_and_forged_calls_start_nothing(stack, tmp_path):
    from govflow.demo.seed import seed_fleet

    client = MlflowClient(stack["mlflow"])
    # Registered before the webhook exists: only forged calls could ever gate it.
    untouched = seed_fleet(client, tmp_path / "datasets-a", None, only=("vendor_fraud_score",))[0]

    registered = subprocess.run(
        [str(BIN / "govflow"), "webhook", "register", "--url", f"{stack['receiver']}/webhooks/mlflow"],
        check=False, capture_output=True, text=True, env=stack["env"], timeout=120)
    assert registered.returncode == 0, registered.stderr[-2000:]
    hooks = client.list_webhooks()
    assert [h.name for h in hooks] == ["govflow-gate"]
    assert {str(e) for e in hooks[0].events} >= {"model_version.created", "model_version_alias.created"}

    started = time.time()
    seeded = seed_fleet(client, tmp_path / "datasets-b", None, only=("loan_approval",))[0]
    def gated() -> str | None:  # MLflow takes a version's tags one request each: both must be there
        tags = client.get_model_version("loan_approval", seeded.version).tags
        return tags.get("governance.status") if "governance.last_gate_run" in tags else None

    status = _wait(gated, 300, "the receiver did not gate the new version", stack["log"])
    gated_in = time.time() - started
    # Not yet signed off (the high tier needs owner and validator), so the gate blocks it.
    assert status == "BLOCKED", gated_in
    gate_run = client.get_run(client.get_model_version("loan_approval", seeded.version).tags["governance.last_gate_run"])
    assert gate_run.data.tags["governance.flow"] == "gate"

    # Forged, stale, unsigned and malformed calls for the version that was never gated.
    body = json.dumps({"entity": "model_version", "action": "created", "timestamp": "now",
                       "data": {"name": "vendor_fraud_score", "version": untouched.version}}).encode()
    assert _post(stack["receiver"], body, _signed(body, "forged-1", secret="an-attacker-guess-000000")) == 401
    assert _post(stack["receiver"], body, _signed(body, "stale-1", stamp=int(time.time()) - 3600)) == 401
    assert _post(stack["receiver"], body, {}) == 401
    garbage = b'{"entity": "model_version", "action": "created", "data": {"name": "vendor_fraud_score"}}'
    assert _post(stack["receiver"], garbage, _signed(garbage, "bad-1")) == 400
    # A signed event for a model that does not exist is answered and logged; the receiver carries on.
    ghost = json.dumps({"entity": "model_version", "action": "created",
                        "data": {"name": "no_such_model", "version": "1"}}).encode()
    headers = _signed(ghost, "ghost-1")
    assert _post(stack["receiver"], ghost, headers) == 202
    assert _post(stack["receiver"], ghost, headers) == 409  # the same delivery again is a replay
    _wait(lambda: _pending(stack["receiver"]) == 0 or None, 60, "the receiver did not settle", stack["log"])
    assert "no_such_model" in stack["log"].read_text()
    assert "governance.status" not in client.get_model_version("vendor_fraud_score", untouched.version).tags

    # An alias on the blocked version: a critical finding, and the notification sink hears of it.
    client.set_registered_model_alias("loan_approval", "champion", seeded.version)
    run = _wait(lambda: next(iter(client.search_runs(
        [client.get_experiment_by_name("governance").experiment_id],
        filter_string="tags.`governance.flow` = 'serving' and tags.`governance.model` = 'loan_approval' "
                      "and tags.`governance.manifest_sha256` != ''")), None),
        180, "no serving-check run was recorded", stack["log"])
    assert run.data.tags["governance.verdict"] == "REJECTED"
    path = client.download_artifacts(run.info.run_id, "evidence/findings.json", str(tmp_path))
    findings = json.loads(Path(path).read_text())["findings"]
    assert [(f["check_id"], f["severity"]) for f in findings] == [("governance.serving", "critical")]
    _wait(lambda: stack["sink"].bodies, 30, "no notification reached the sink", stack["log"])
    message = stack["sink"].bodies[-1]
    assert "loan_approval" in message["title"] and "REJECTED" in message["title"]
    assert "governance.serving" in message["message"]

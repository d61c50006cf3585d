"""The production topology (deploy/) on loopback: PostgreSQL under MLflow, Prefect and govflow's own head store
and ledger; MLflow's basic auth; Prefect's auth string; the prefect.yaml deployments on a process pool with two
workers; real MLflow registry webhooks to the receiver. A burst of registrations with the receiver killed
mid-burst: every version gated exactly once, every chain linear, nothing lost, no lock error.

Sizes: GOVFLOW_BURST_REGISTRATIONS over GOVFLOW_BURST_MODELS (default 12 over 4, for CI's time; the issue's
100 over 20 with those variables set), bounded by GOVFLOW_BURST_SECONDS."""

import base64
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from datetime import UTC

import pytest
from mlflow import MlflowClient
from pydantic import SecretStr

from govflow.checks.verification import evidence_problems
from govflow.tasks.artifacts import fetch_runs
from govflow.tasks.chain import read_heads
from govflow.tasks.head_store import DatabaseHeadStore
from tests.servers.processes import BIN
from tests.servers.topology import Topology

pytestmark = pytest.mark.servers
REGISTRATIONS = int(os.environ.get("GOVFLOW_BURST_REGISTRATIONS", "12"))
MODELS = int(os.environ.get("GOVFLOW_BURST_MODELS", "4"))
DEADLINE = float(os.environ.get("GOVFLOW_BURST_SECONDS", "1200"))


@pytest.fixture(scope="module")
def topology(postgres, tmp_path_factory):
    stack = Topology(tmp_path_factory.mktemp("topology"), postgres)
    stack.start()
    # This process talks to MLflow as govflow does: with the service account's credentials.
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")}
    os.environ.update({k: stack.env[k] for k in saved})
    yield stack
    for key, value in saved.items():
        os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
    stack.stop()


def _status(url: str, headers: dict[str, str] | None = None, body: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})},
                                     method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_mlflow_and_prefect_refuse_calls_without_their_credentials(topology):
    search = f"{topology.mlflow_url}/api/2.0/mlflow/registered-models/search"
    assert _status(search) == 401
    assert _status(search, _basic("admin", "not-the-password")) == 401
    assert _status(search, _basic(topology.env["MLFLOW_TRACKING_USERNAME"], topology.env["MLFLOW_TRACKING_PASSWORD"])) == 200
    runs = f"{topology.config['PREFECT_API_URL']}/flow_runs/filter"
    assert _status(runs, body=b"{}") == 401
    auth = base64.b64encode(topology.env["PREFECT_API_AUTH_STRING"].encode()).decode()
    assert _status(runs, {"Authorization": f"Basic {auth}"}, b"{}") == 200


def test_the_deployments_schedules_create_their_runs(topology):
    """The server schedules the reconciliation, nightly and retirement runs (SQLAlchemy 2.1 silently broke this
    in Prefect 3.8.8's scheduler: no scheduled run was ever created)."""
    def scheduled() -> set[str]:
        return {r["deployment_id"] for r in _flow_runs(topology, ["SCHEDULED"])}

    # The scheduler fills one deployment after another: wait for all three, not for the first run to appear
    # (a loaded machine once caught it between the second and the third).
    _wait(lambda: len(scheduled()) >= 3, "scheduled runs of the reconciliation, nightly and retirement deployments",
          topology, time.monotonic() + 180)
    assert len(scheduled()) >= 3
    assert "bulk_dml" not in (topology.root / "prefect-server.log").read_text()


ACTIVE = ["PENDING", "RUNNING", "COMPLETED", "FAILED", "CRASHED", "CANCELLED", "CANCELLING", "PAUSED"]


def _prefect_api(topology, path: str, body: dict | None = None):
    """POST `body` to the topology's Prefect API, with its auth string; the decoded answer, if any."""
    auth = base64.b64encode(topology.env["PREFECT_API_AUTH_STRING"].encode()).decode()
    request = urllib.request.Request(f"{topology.config['PREFECT_API_URL']}{path}",
                                     data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = response.read()
    return json.loads(answer) if answer else None


def _flow_runs(topology, states: list[str] = ACTIVE, due: bool = False) -> list[dict]:
    """Flow runs in these state types (by default all but the schedules' future runs), or SCHEDULED ones now due."""
    query: dict = {"state": {"type": {"any_": ["SCHEDULED"] if due else states}}}
    if due:
        query["expected_start_time"] = {"before_": _now_iso()}
    return _prefect_api(topology, "/flow_runs/filter", {"flow_runs": query, "limit": 200})


SCHEDULED_DEPLOYMENTS = ("reconciliation", "nightly-governance", "retirement-sweep")


def _only_the_tests_runs(topology) -> None:
    """Pause the deployments on a schedule (Prefect deletes their scheduled runs) and let any run in flight
    finish: a reconciliation pass a worker started every 5 minutes once gated beside the nightly runs these
    tests start, and a gate it lost to MLflow's restart stayed incomplete, as no later run of it was due."""
    for deployment in _prefect_api(topology, "/deployments/filter", {"limit": 200}):
        if deployment["name"] in SCHEDULED_DEPLOYMENTS:
            _prefect_api(topology, f"/deployments/{deployment['id']}/pause_deployment")
    _wait(lambda: not _flow_runs(topology, ["PENDING", "RUNNING", "CANCELLING"]), "the runs in flight to end",
          topology, time.monotonic() + 600)


def _wait(condition, what: str, topology, deadline: float) -> None:
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{topology.logs()}")
        time.sleep(2)


def _govflow(topology, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "govflow"), *args], check=False, capture_output=True, text=True, env=topology.env,
                          timeout=timeout)


def test_a_burst_of_registrations_through_webhooks_is_gated_once_each_with_a_receiver_killed_mid_burst(topology):
    started = time.monotonic()
    deadline = started + DEADLINE
    registered = _govflow(topology, "webhook", "register", "--url", f"{topology.receiver_url}/webhooks/mlflow")
    assert registered.returncode == 0, registered.stderr[-2000:]
    client = MlflowClient(topology.mlflow_url)
    models = [f"burst-{n:02d}" for n in range(MODELS)]
    for model in models:
        client.create_registered_model(model, tags={"governance.owner": "tests", "governance.risk_tier": "low"})
    run = client.create_run("0")
    client.set_terminated(run.info.run_id)
    versions: list[tuple[str, str]] = []

    def register(i: int) -> None:
        model = models[i % MODELS]
        versions.append((model, client.create_model_version(model, f"runs:/{run.info.run_id}/model",
                                                            run.info.run_id).version))

    half = REGISTRATIONS // 2
    for i in range(half):
        register(i)
    # Mid-burst: once the first half's deliveries have been handed off, the receiver dies with their jobs
    # queued on the workers; the second half's deliveries find no receiver and are lost.
    _wait(lambda: len([r for r in _flow_runs(topology, ACTIVE + ["SCHEDULED"]) if r["name"] and r["parameters"].get("model", "").startswith(
        "burst-")]) >= half, "the first half's deliveries", topology, deadline)
    os.killpg(topology.processes["receiver"].pid, signal.SIGKILL)
    topology.processes.pop("receiver").wait(timeout=30)
    for i in range(half, REGISTRATIONS):
        register(i)
    burst_seconds = time.monotonic() - started
    time.sleep(20)  # longer than MLflow's retries of one delivery (1, 2, 4 s): what the dead receiver missed is lost
    topology.start_receiver()

    def drained() -> bool:
        """No run pending or running, and none scheduled for now (the schedules' future runs aside)."""
        return not _flow_runs(topology, ["PENDING", "RUNNING"]) and not _flow_runs(topology, due=True)
    time.sleep(5)  # the last deliveries' runs are created
    _wait(drained, "the delivered gate runs to finish", topology, deadline)
    # What the receivers handed off; the rest was lost with the dead one (the scheduled reconciliation may
    # already have gated some of it by now).
    delivered = {m.groups() for log in topology.root.glob("receiver-*.log")
                 for m in re.finditer(r"accepted model_version\.created:([^:]+):(\d+):", log.read_text())}
    lost = [mv for mv in versions if mv not in delivered]
    assert lost, "the receiver's kill lost no delivery: the burst proves nothing about reconciliation"
    assert len(lost) < len(versions), "no delivery reached the receiver:\n" + topology.logs()

    # Reconciliation, as its schedule would run it, through the deployment on a worker.
    ran = _start(topology, "reconciliation/reconciliation", {})
    assert ran.returncode == 0, ran.stderr[-2000:]
    _wait(lambda: all("governance.status" in client.get_model_version(*mv).tags for mv in versions),
          "every version to carry a governance status", topology, deadline)
    last_status_seconds = time.monotonic() - started

    failed = _flow_runs(topology, ["FAILED", "CRASHED"])
    assert not failed, [(r["name"], r["state_name"]) for r in failed]
    store = DatabaseHeadStore(SecretStr(topology.env["GOVFLOW_DATABASE_URL"]))
    heads = read_heads(store)
    gates: dict[tuple[str, str], int] = {}
    for model in models:
        fetched = [f.stored for f in fetch_runs.fn(topology.mlflow_url, "governance", model)]
        for stored in fetched:
            gates[(model, stored.version)] = gates.get((model, stored.version), 0) + 1
        assert [h.sequence for h in heads.of(model)] == list(range(1, len(heads.of(model)) + 1)), model
        assert evidence_problems(fetched, heads, model) == [], model
    assert gates == {mv: 1 for mv in versions}  # each version gated once: none lost, none doubled
    logs = topology.logs() + "".join(p.read_text(errors="replace") for p in topology.root.glob("*.log"))
    assert "database is locked" not in logs
    verified = _govflow(topology, "verify", models[0], "--json")
    assert verified.returncode == 0, verified.stdout[-2000:]
    for secret in topology.secrets.values():
        assert secret not in verified.stdout + verified.stderr + registered.stdout + registered.stderr
    print(f"\nburst: {REGISTRATIONS} registrations over {MODELS} models in {burst_seconds:.1f} s; "
          f"{len(lost)} lost with the receiver and gated by reconciliation; last status after "
          f"{last_status_seconds:.1f} s; gated once each: {len(gates)}/{len(versions)}")


def _start(topology, deployment: str, parameters: dict) -> subprocess.CompletedProcess:
    """A flow run of the deployment, created through Prefect's CLI as an operator would."""
    return subprocess.run([str(BIN / "prefect"), "deployment", "run", deployment, "--params", json.dumps(parameters)],
                          check=False, capture_output=True, text=True, env=topology.env, timeout=120)


def _now_iso() -> str:
    from datetime import datetime

    return datetime.now(UTC).isoformat()


@pytest.fixture(scope="module")
def fleet(topology):
    """The demo fleet in the topology's MLflow, every first version deployed (alias `champion`), not yet gated:
    the nightly run gates and monitors it, and nothing on a schedule runs beside it."""
    from govflow.demo.seed import seed_fleet

    _only_the_tests_runs(topology)
    client = MlflowClient(topology.mlflow_url)
    seeded = seed_fleet(client, topology.root / "datasets", None)
    for s in seeded:
        client.set_registered_model_alias(s.model, "champion", s.version)
    return {s.model: s.version for s in seeded}


def _committed(client: MlflowClient, model: str, flow: str) -> list:
    return [f for f in fetch_runs.fn(client.tracking_uri, "governance", model)
            if f.tags.get("governance.flow") == flow and f.tags.get("governance.manifest_sha256")]


def _problems(topology, model: str) -> list:
    fetched = [f.stored for f in fetch_runs.fn(topology.mlflow_url, "governance", model)]
    heads = read_heads(DatabaseHeadStore(SecretStr(topology.env["GOVFLOW_DATABASE_URL"])))
    assert [h.sequence for h in heads.of(model)] == list(range(1, len(heads.of(model)) + 1)), model  # never a fork
    return evidence_problems(fetched, heads, model)


def test_an_mlflow_restart_mid_nightly_leaves_only_named_incomplete_runs(topology, fleet):
    client = MlflowClient(topology.mlflow_url)
    night = subprocess.Popen([str(BIN / "govflow"), "nightly"], env=topology.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 900
    # Once the first model's monitoring is recorded, the others are mid-flight: take MLflow away for 15 s.
    _wait(lambda: night.poll() is not None or any(_committed(client, m, "monitor") for m in fleet),
          "the first monitoring run", topology, deadline)
    assert night.poll() is None, "the nightly run finished before MLflow could be restarted"
    topology.restart("mlflow", down_seconds=15)
    out, err = night.communicate(timeout=900)
    assert night.returncode in (0, 1), err[-3000:]
    assert "Traceback" not in out + err, err[-3000:]
    for model in fleet:
        problems = _problems(topology, model)
        assert {p.kind for p in problems} <= {"incomplete"}, (model, problems)
        for version in client.search_model_versions(f"name='{model}'"):
            # An interrupted run vouches for nothing: a version it judged shows no verdict from it.
            runs = {f.stored.run_id for f in _committed(client, model, "monitor") + _committed(client, model, "gate")}
            for key in ("governance.last_monitor_run", "governance.last_gate_run"):
                if key in version.tags:
                    assert version.tags[key] in runs, (model, version.version, key)


def test_the_nightly_run_fans_out_over_a_dask_cluster_and_completes_what_the_restart_interrupted(topology, fleet):
    from distributed import Client

    from tests.servers.processes import free_port, spawn, stop

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    # Started as separate commands, as on separate hosts; the workers get govflow's environment.
    processes = [spawn([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                       topology.root / "dask-scheduler.log", topology.env)]
    try:
        processes += [spawn([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard",
                             "--name", f"dask-{n}", "--memory-limit", "6GiB"], topology.root / f"dask-worker-{n}.log",
                            topology.env) for n in range(2)]
        with Client(address, timeout=60) as cluster:
            cluster.wait_for_workers(2, timeout=120)
            started = time.monotonic()
            night = subprocess.run([str(BIN / "govflow"), "nightly"], check=False, env=topology.env | {"GOVFLOW_DASK_ADDRESS": address},
                                   capture_output=True, text=True, timeout=1200)
            seconds = time.monotonic() - started
            prefixes = cluster.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    finally:
        for proc in processes[::-1]:
            stop(proc)
    assert night.returncode in (0, 1), night.stderr[-3000:]
    assert any("govern" in p for p in prefixes), prefixes  # the models' nights ran on the cluster's workers
    client = MlflowClient(topology.mlflow_url)
    for model, version in fleet.items():
        assert _problems(topology, model) == [], model  # the restart's incomplete runs were superseded
        monitored = [f for f in _committed(client, model, "monitor") if f.stored.version == version]
        assert monitored, (model, night.stdout[-4000:], night.stderr[-6000:])
    print(f"\nnightly on a 2-worker Dask cluster (PostgreSQL MLflow): {len(fleet)} models in {seconds:.1f} s")


def test_two_workers_gating_and_monitoring_one_model_at_once_leave_one_linear_chain(topology, fleet):
    client = MlflowClient(topology.mlflow_url)
    model = "credit_scoring"
    first = client.get_model_version(model, fleet[model])
    fresh = client.create_model_version(model, first.source, run_id=first.run_id).version
    before = len(read_heads(DatabaseHeadStore(SecretStr(topology.env["GOVFLOW_DATABASE_URL"]))).of(model))
    runs = [_start(topology, name, params) for name, params in (
        ("registration-gate/registration-gate", {"model": model, "version": fresh}),
        ("nightly-governance/nightly-governance", {"models": [model]}))]
    assert all(r.returncode == 0 for r in runs), [(r.stdout + r.stderr)[-1500:] for r in runs]
    deadline = time.monotonic() + 900
    _wait(lambda: "governance.status" in client.get_model_version(model, fresh).tags and not [
        r for r in _flow_runs(topology, ["PENDING", "RUNNING"])], "both runs", topology, deadline)
    assert _problems(topology, model) == []
    assert len(read_heads(DatabaseHeadStore(SecretStr(topology.env["GOVFLOW_DATABASE_URL"]))).of(model)) > before


def test_a_prefect_server_restart_while_a_worker_runs_the_gate_leaves_the_version_gated_once(topology, fleet):
    client = MlflowClient(topology.mlflow_url)
    model = "hiring_promotion"
    first = client.get_model_version(model, fleet[model])
    # The webhook's delivery starts a gate too; with this one, two automated gates race for the version.
    fresh = client.create_model_version(model, first.source, run_id=first.run_id).version
    ran = _start(topology, "registration-gate/registration-gate",
                 {"model": model, "version": fresh, "only_if_ungated": True})
    assert ran.returncode == 0, (ran.stdout + ran.stderr)[-2000:]
    deadline = time.monotonic() + 900
    _wait(lambda: any(r["parameters"].get("version") == fresh for r in _flow_runs(topology, ["RUNNING"])),
          "the gate to run on a worker", topology, deadline)
    topology.restart("prefect", down_seconds=10)
    _wait(lambda: not [r for r in _flow_runs(topology, ["PENDING", "RUNNING"]) if r["parameters"].get("version") == fresh],
          "the interrupted gate to end", topology, deadline)
    if "governance.status" not in client.get_model_version(model, fresh).tags:  # not recovered: reconciliation reruns it
        reconciled = _govflow(topology, "reconcile", "--model", model)
        assert reconciled.returncode in (0, 1), reconciled.stderr[-2000:]
    assert "governance.status" in client.get_model_version(model, fresh).tags
    gates = [f for f in _committed(client, model, "gate") if f.stored.version == fresh]
    assert len(gates) == 1, [f.stored.run_id for f in gates]  # recovered or rerun, never recorded twice
    assert {p.kind for p in _problems(topology, model)} <= {"incomplete"}

"""A model's evidence chain under real concurrency and real crashes, against `mlflow server` and a
`prefect server` on loopback: several processes recording on one model at once leave one unforked chain,
and a process SIGKILLed at every step of recording leaves a state `verify` names, which the rerun clears.

Sizes: four processes of GOVFLOW_CHAIN_RECORDINGS recordings each (default 5, for the suite's time: the
recordings queue on the model's lock, about 3.5 s each on a loaded 2-core machine; raise it for a longer soak)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from govflow.checks.verification import evidence_notes, evidence_problems
from govflow.failpoints import POINTS
from govflow.tasks.artifacts import fetch_runs
from govflow.tasks.chain import read_heads
from tests.servers.processes import BIN, free_port, spawn, start_mlflow, stop, wait_healthy

REPO = Path(__file__).resolve().parents[2]
CHECK = "fairness.demographic_parity_ratio"
AUTH = "govflow:chain-test-auth-string-0123456789"
RECORDINGS = int(os.environ.get("GOVFLOW_CHAIN_RECORDINGS", "5"))
pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`mlflow server` and `prefect server` on loopback; the environment a govflow process runs with."""
    root = tmp_path_factory.mktemp("chain")
    url, mlflow_proc = start_mlflow(root)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"PREFECT_HOME": str(root / "prefect"), "GOVFLOW_DATA_DIR": str(root / "data"), "MLFLOW_TRACKING_URI": url,
            "PREFECT_LOGGING_LEVEL": "WARNING"}
    log = root / "prefect-server.log"
    # The server refuses every call without the auth string; govflow's processes send it (README).
    prefect_proc = spawn([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                          "--port", str(port)], log, env | {"PREFECT_SERVER_API_AUTH_STRING": AUTH})
    try:
        wait_healthy(f"http://127.0.0.1:{port}/api/health", prefect_proc, log, seconds=240)
    except RuntimeError:
        stop(mlflow_proc)
        raise
    env |= {"PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "PREFECT_API_AUTH_STRING": AUTH}
    yield {"url": url, "env": env, "log": root / "data" / "chain-heads.jsonl"}
    stop(prefect_proc)
    stop(mlflow_proc)


def test_the_prefect_api_refuses_a_call_without_the_auth_string(stack):
    import base64
    import urllib.error
    import urllib.request

    url = f"{stack['env']['PREFECT_API_URL']}/flow_runs/filter"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, data=b"{}", method="POST"), timeout=10)
    assert refused.value.code == 401
    authorised = urllib.request.Request(url, data=b"{}", method="POST", headers={
        "Authorization": f"Basic {base64.b64encode(AUTH.encode()).decode()}", "Content-Type": "application/json"})
    with urllib.request.urlopen(authorised, timeout=10) as response:
        assert response.status == 200


def _register(url: str, model: str) -> None:
    client = MlflowClient(url)
    client.create_registered_model(model, tags={"governance.owner": "tests", "governance.risk_tier": "low"})
    run = client.create_run("0")
    client.set_terminated(run.info.run_id)
    client.create_model_version(model, source=f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)


def _state(stack, model: str) -> tuple[list, list[str], list[int]]:
    """What `verify` computes (problems, notes) and the model's published sequence numbers."""
    runs = [f.stored for f in fetch_runs.fn(stack["url"], "governance", model)]
    log = read_heads(stack["log"])
    return (evidence_problems(runs, log, model), evidence_notes(runs, log, model),
            [h.sequence for h in log.of(model)])


def _note(stack, model: str, failpoint: str | None = None) -> subprocess.CompletedProcess:
    env = {**stack["env"], **({"GOVFLOW_FAILPOINT": failpoint} if failpoint else {})}
    return subprocess.run([str(BIN / "govflow"), "finding", "note", model, CHECK, "--by", "tests", "--text", "t"],
                          check=False, capture_output=True, text=True, env=env, timeout=300)


def test_concurrent_processes_recording_on_one_model_leave_one_unforked_chain(stack):
    model, processes, each = "concurrent", 4, RECORDINGS
    _register(stack["url"], model)
    workers = [subprocess.Popen([sys.executable, "-m", "tests.servers.record_worker", model, str(each), f"w{i}"],
                                cwd=REPO, env=stack["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for i in range(processes)]
    outputs = [w.communicate(timeout=900) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err[-2000:] for _, err in outputs]
    recorded = [line.split()[1] for out, _ in outputs for line in out.splitlines() if line.startswith("RECORDED ")]
    assert len(recorded) == len(set(recorded)) == processes * each
    problems, notes, sequences = _state(stack, model)
    assert problems == [] and notes == []
    assert sequences == list(range(1, processes * each + 1))
    verified = subprocess.run([str(BIN / "govflow"), "verify", model, "--json"], check=False, capture_output=True, text=True,
                              env=stack["env"], timeout=300)
    assert verified.returncode == 0 and json.loads(verified.stdout)["runs"] == processes * each


# What `verify` says after a SIGKILL at each step, before the rerun.
BEFORE_RERUN = {
    "before_artifacts": "stopped before its manifest was written",
    "after_artifacts": "stopped before its manifest was written",
    "after_manifest": "stopped after writing its manifest but before it was committed",
    "after_head": "was committed (its head is published) but stopped before MLflow recorded its hash",
    "after_recorded_hash": None,
}


def test_a_kill_at_every_step_of_recording_is_named_and_the_rerun_clears_it(stack):
    model = "crashing"
    _register(stack["url"], model)
    assert _note(stack, model).returncode == 0
    assert set(BEFORE_RERUN) == set(POINTS)
    for point in POINTS:
        killed = _note(stack, model, point)
        assert killed.returncode == -9, (point, killed.stderr[-2000:])
        problems, _, sequences = _state(stack, model)
        if BEFORE_RERUN[point] is None:
            assert problems == [], point
        else:
            assert [p.kind for p in problems] == ["incomplete"], (point, problems)
            assert BEFORE_RERUN[point] in problems[0].message, (point, problems[0].message)
        assert sequences == list(range(1, len(sequences) + 1)), point  # never a fork in the head log
        rerun = _note(stack, model)
        assert rerun.returncode == 0, (point, rerun.stderr[-2000:])
        problems, _, sequences = _state(stack, model)
        assert problems == [], (point, problems)
        assert sequences == list(range(1, len(sequences) + 1)), point
    # Three runs stopped before they were committed and were superseded; one was completed from its head.
    verified = subprocess.run([str(BIN / "govflow"), "verify", model, "--json"], check=False, capture_output=True, text=True,
                              env=stack["env"], timeout=300)
    outcome = json.loads(verified.stdout)
    assert verified.returncode == 0 and outcome["problems"] == []
    assert sum("stopped before it was committed" in n for n in outcome["notes"]) == 3
    assert sum("from its published head" in n for n in outcome["notes"]) == 1

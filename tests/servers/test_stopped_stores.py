"""Every command against a stopped store (issue 28, item 6): MLflow's server stopped, then govflow's
PostgreSQL stopped. Each returns with one line on stderr naming the store and what to do, exit 1, never a
traceback, and no password in what it prints. A command that hangs (as they did, for minutes) fails at the
subprocess's limit, set well past the 35 s the default budget needs so a loaded machine does not fail it;
the times themselves are measured, not asserted (`python bench/stopped_stores.py` prints them, on the default
budget). Here each command retries once (GOVFLOW_STORE_RETRIES=1): the retried path is the same, without the
seconds of backoff that sixteen commands would wait in turn."""

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from mlflow import MlflowClient

from tests.servers.processes import BIN, free_port, start_mlflow, stop

pytestmark = [pytest.mark.servers, pytest.mark.slow]
MODEL = "vendor_fraud_score"
PASSWORD = "Db-Secret-9f3a"


def _commands(version: str, out) -> list[list[str]]:
    return [["gate", MODEL, version], ["verify", MODEL], ["inventory"], ["report", "--out", str(out)], ["nightly"],
            ["retirement"], ["reconcile"], ["finding", "note", MODEL, "data.schema", "--by", "A. Rivera", "--text", "x"],
            ["evidence", "pull", MODEL, "--out", str(out / "bundle")], ["controls", "coverage", MODEL],
            ["approve", MODEL, version, "--by", "A. Rivera", "--role", "owner"], ["retire", MODEL, version],
            ["feedback", "add", MODEL, "--from", "applicant", "--severity", "low", "--text", "x"],
            ["feedback", "resolve", MODEL, "--by", "A. Rivera", "--text", "x"], ["mitigate", MODEL, version],
            ["webhook", "register", "--url", "http://127.0.0.1:9/webhooks/mlflow"]]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "govflow"), *args], capture_output=True, text=True, env=env, timeout=240,
                          check=False)


def _run_all(commands: list[list[str]], env: dict[str, str]) -> list[tuple[list[str], subprocess.CompletedProcess]]:
    """Each command with how it ended, four at a time: with MLflow's server stopped no store is shared, and each
    spends most of its seconds starting up and waiting on a refused port (56 s one at a time, 39 s so, alone)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(zip(commands, pool.map(lambda args: _run(args, env), commands), strict=True))


def _one_line(done: subprocess.CompletedProcess) -> str:
    """The one `govflow:` line a failed command printed, after checking it failed without a traceback or the
    database password."""
    lines = [line for line in done.stderr.splitlines() if line.startswith("govflow: ")]
    assert done.returncode in (1, 2), (done.returncode, done.stdout[-1500:], done.stderr[-3000:])
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert PASSWORD not in done.stdout + done.stderr
    assert len(lines) == 1, done.stderr[-3000:]
    return lines[0]


@pytest.fixture(scope="module")
def gated(tmp_path_factory):
    """A version gated against a live `mlflow server`, whose server is then stopped."""
    from govflow.demo.seed import seed_fleet

    root = tmp_path_factory.mktemp("stopped")
    url, proc = start_mlflow(root)
    try:
        [seeded] = seed_fleet(MlflowClient(url), root / "datasets", None, only=(MODEL,))
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "MLFLOW_HTTP"))},
               "MLFLOW_TRACKING_URI": url, "GOVFLOW_DATA_DIR": str(root / "data"), "PREFECT_HOME": str(root / "prefect"),
               "GOVFLOW_WEBHOOK_SECRET": "stopped-store-webhook-secret-0123", "GOVFLOW_STORE_RETRIES": "1"}
        first = _run(["gate", MODEL, seeded.version], env)
        assert first.returncode in (0, 1) and "Traceback" not in first.stderr, first.stderr[-3000:]
    finally:
        stop(proc)
    return root, env, seeded.version


def test_every_command_against_a_stopped_mlflow_returns_one_line(gated):
    """With Prefect's temporary server forbidden: no command starts one (some nine seconds of CPU) before it
    finds MLflow gone; the nightly run, a flow that would, asks the registry first."""
    root, env, version = gated
    for args, done in _run_all(_commands(version, root / "out"), env | {"PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false"}):
        assert "MLflow at http://127.0.0.1:" in _one_line(done), args


def test_every_command_against_a_stopped_database_returns_one_line(tmp_path, monkeypatch):
    """A local MLflow store that works; the database's port has nothing listening (a stopped PostgreSQL)."""
    from govflow.checks.heads import Head, head_line
    from govflow.demo.seed import seed_fleet
    from govflow.settings import Settings

    data = tmp_path / "data"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "MLFLOW_TRACKING"))},
           "GOVFLOW_DATA_DIR": str(data), "PREFECT_HOME": str(tmp_path / "prefect"),
           "GOVFLOW_DATABASE_URL": f"postgresql://govflow:{PASSWORD}@127.0.0.1:{free_port()}/govflow"}
    monkeypatch.setenv("GOVFLOW_DATA_DIR", str(data))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    settings = Settings()
    [seeded] = seed_fleet(MlflowClient(settings.resolved_tracking_uri), tmp_path / "datasets",
                          settings.local_artifact_root, only=(MODEL,))
    log = tmp_path / "moved-heads.jsonl"
    log.write_bytes(head_line(Head(MODEL, 1, "0" * 64, "r" * 32, "2026-12-06T00:00:00+00:00")))
    # One at a time: MLflow's store here is a live SQLite file that the gate writes while others would read it.
    for args in [["gate", MODEL, seeded.version], ["verify", MODEL],
                 ["finding", "note", MODEL, "data.schema", "--by", "A. Rivera", "--text", "x"],
                 ["evidence", "pull", MODEL, "--out", str(tmp_path / "bundle")],
                 ["evidence", "import-heads", "--from", str(log)]]:
        assert "govflow's database" in _one_line(_run(args, env)), args

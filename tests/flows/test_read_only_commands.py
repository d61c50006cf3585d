"""Commands that only read (inventory, verify, controls coverage, evidence pull, report) start no Prefect server and
call no Prefect API (issue 32, item 1): run as the installed command with PREFECT_API_URL naming a port nobody
listens on, each still answers from MLflow alone. Before, each started a temporary Prefect server (about ten
seconds), and with that URL each failed. Jobs run by hand (gate, approve, feedback, retire) with no server
configured run their flow's function and record the same evidence."""

import json
import os
import subprocess

import pytest
from mlflow import MlflowClient

from tests.flows.conftest import own_data_dir
from tests.servers.processes import BIN, free_port

pytestmark = pytest.mark.usefixtures("prefect_harness")
MODEL = "read_only_subject"


@pytest.fixture(scope="module")
def gated_store(tmp_path_factory):
    """A data dir of its own holding one version gated once (BLOCKED: it has no data), so there is evidence."""
    from govflow.flows.gate import registration_gate

    root = tmp_path_factory.mktemp("read-only")
    with own_data_dir(root) as settings:
        client = MlflowClient(settings.resolved_tracking_uri)
        client.create_registered_model(MODEL)
        client.create_model_version(MODEL, source=str(root))
        registration_gate(MODEL, "1")
    return root


def _govflow(root, *args: str, prefect: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    dead = f"http://127.0.0.1:{free_port()}/api"  # nothing listens: any Prefect call would fail the command
    env = {**{k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI" and not k.startswith("PREFECT_API")},
           "GOVFLOW_DATA_DIR": str(root / "data"), **(prefect if prefect is not None else {"PREFECT_API_URL": dead})}
    return subprocess.run([str(BIN / "govflow"), *args], capture_output=True, text=True, env=env, timeout=300,
                          check=False, cwd=root)


def test_read_only_commands_answer_without_prefect(gated_store):
    inventory = _govflow(gated_store, "inventory", "--json")  # exit 0: the blocked version does not serve
    rows = json.loads(inventory.stdout.splitlines()[-1])["models"]
    assert inventory.returncode == 0 and [(r["model"], r["gate"]) for r in rows] == [(MODEL, "BLOCKED")], \
        inventory.stderr[-3000:]

    verify = _govflow(gated_store, "verify", MODEL, "--json")
    document = json.loads(verify.stdout.splitlines()[-1])
    assert verify.returncode == 0 and document["intact"] and document["runs"] == 1, verify.stderr[-3000:]

    coverage = _govflow(gated_store, "controls", "coverage", MODEL, "--json")
    assert coverage.returncode == 0 and json.loads(coverage.stdout.splitlines()[-1])["models"] == {MODEL: "1"}, \
        coverage.stderr[-3000:]

    pulled = _govflow(gated_store, "evidence", "pull", MODEL, "--out", str(gated_store / "bundle"))
    assert pulled.returncode == 0 and "1 run(s) written" in pulled.stdout, pulled.stderr[-3000:]
    offline = _govflow(gated_store, "verify", MODEL, "--bundle", str(gated_store / "bundle"), "--json")
    assert offline.returncode == 0 and json.loads(offline.stdout.splitlines()[-1])["intact"], offline.stderr[-3000:]

    report = _govflow(gated_store, "report", "--out", str(gated_store / "pages"))
    assert report.returncode == 0 and MODEL in (gated_store / "pages" / "dashboard.html").read_text(), \
        report.stderr[-3000:]
    for done in (inventory, verify, coverage, pulled, report):
        assert "Traceback" not in done.stderr and "Prefect" not in done.stderr, done.stderr[-3000:]


def test_a_gate_with_no_prefect_server_configured_runs_without_one(gated_store):
    """No PREFECT_API_URL and Prefect's temporary server forbidden: `govflow gate` still judges and records the
    version (its function alone, every task a plain call), and the chain verifies. Before, it started a
    temporary server for the one command (about six seconds), and here it failed."""
    with own_data_dir(gated_store) as settings:
        client = MlflowClient(settings.resolved_tracking_uri)
        version = client.create_model_version(MODEL, source=str(gated_store)).version
    gated = _govflow(gated_store, "gate", MODEL, str(version), "--json",
                     prefect={"PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false"})
    outcome = json.loads(gated.stdout.splitlines()[-1])
    assert gated.returncode == 1 and outcome["verdict"] == "BLOCKED", gated.stderr[-3000:]
    run = client.get_run(outcome["run_id"])
    assert run.data.tags["governance.prefect_flow_run_id"] == ""  # no flow run wrote it
    verify = _govflow(gated_store, "verify", MODEL, "--json")
    assert verify.returncode == 0 and json.loads(verify.stdout.splitlines()[-1])["runs"] == 2, verify.stderr[-3000:]


def test_jobs_with_no_prefect_server_configured_run_without_one(gated_store):
    """A sign-off (which gates the version again, a subflow inside a flow run), feedback and a retirement, with
    Prefect's temporary server forbidden: each is recorded as evidence and the chain verifies. Before, each
    started a temporary server for the one command, and here each failed."""
    with own_data_dir(gated_store) as settings:
        client = MlflowClient(settings.resolved_tracking_uri)
        version = client.create_model_version(MODEL, source=str(gated_store)).version
    no_server = {"PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false"}
    before = json.loads(_govflow(gated_store, "verify", MODEL, "--json").stdout.splitlines()[-1])["runs"]
    signed = _govflow(gated_store, "approve", MODEL, str(version), "--by", "A. Rivera", "--role", "owner",
                      prefect=no_server)
    assert signed.returncode == 0 and "sign-off recorded: A. Rivera as owner" in signed.stdout, signed.stderr[-3000:]
    fed = _govflow(gated_store, "feedback", "add", MODEL, "--version", str(version), "--from", "applicant",
                   "--severity", "low", "--text", "slow answer", prefect=no_server)
    assert fed.returncode == 0, fed.stderr[-3000:]
    retired = _govflow(gated_store, "retire", MODEL, str(version), "--by", "M. Chen", prefect=no_server)
    assert retired.returncode == 0 and "retired" in retired.stdout, retired.stderr[-3000:]
    for done in (signed, fed, retired):
        assert "Traceback" not in done.stderr, done.stderr[-3000:]
    verify = _govflow(gated_store, "verify", MODEL, "--json")
    document = json.loads(verify.stdout.splitlines()[-1])
    # the sign-off's run and the gate it ran, the feedback's, the retirement's: all committed, all in the chain
    assert verify.returncode == 0 and document["intact"] and document["runs"] == before + 4, verify.stdout[-3000:]


def test_a_flow_job_with_no_prefect_at_all_says_so_in_one_line(gated_store):
    """The nightly run and the demo run only as Prefect flows: with no server configured and Prefect's temporary
    one forbidden, each says what to set, exit 2, where Prefect raised "No Prefect API URL provided" as a
    traceback; the nightly run's store is read first, so a stopped MLflow is still what it names."""
    for args in (["nightly"], ["demo"]):
        done = _govflow(gated_store, *args, prefect={"PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false"})
        lines = [line for line in done.stderr.splitlines() if line.startswith("govflow: ")]
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-3000:]
        assert len(lines) == 1 and "PREFECT_API_URL" in lines[0], done.stderr[-3000:]

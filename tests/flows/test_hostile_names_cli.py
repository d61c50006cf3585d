"""Every command over a registry whose model names attack filters and readers (issue 28, item 1): a quote, a
filter written into a name, both quotes, a right-to-left override. In a data dir of their own, so no other test
sees these models. No command prints a traceback; each name's gate and verify find its own runs; a name no
MLflow filter can hold is refused with a message, exit 2, and never breaks a fleet-wide job."""

import json

import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from govflow.cli import app
from tests.flows.conftest import own_data_dir

pytestmark = pytest.mark.usefixtures("prefect_harness")
QUOTE, INJECTION, DOUBLE, RTL = "o'brien", "x' and tags.`governance.model` != '", 'say "hi"', "rtl\u202egnp.exe"
BOTH = """it's "odd\""""
runner = CliRunner()


@pytest.fixture(scope="module")
def hostile_registry(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    with own_data_dir(root) as settings:
        client = MlflowClient(settings.resolved_tracking_uri)
        for name in (QUOTE, INJECTION, DOUBLE, RTL, BOTH):
            client.create_registered_model(name)
            client.create_model_version(name, source=str(root))
        yield root


def _run(*args: str):
    """In process, so an exception the command let out is `result.exception` (a traceback in a real process;
    the installed command is run once below, for its stderr)."""
    result = runner.invoke(app, list(args))
    assert not (result.exception and not isinstance(result.exception, SystemExit)), (args, result.exception)
    return result


def test_every_command_over_hostile_names(hostile_registry):
    for name in (QUOTE, INJECTION, DOUBLE, RTL):
        gated = _run("gate", name, "1", "--json")
        assert gated.exit_code == 1 and json.loads(gated.stdout.splitlines()[-1])["verdict"] == "BLOCKED", name
        verified = _run("verify", name, "--json")
        document = json.loads(verified.stdout.splitlines()[-1])
        assert verified.exit_code == 0 and document["intact"] and document["runs"] == 1, (name, document)
    refused = _run("gate", BOTH, "1")
    assert refused.exit_code == 2 and "holds both ' and \"" in refused.output
    assert _run("verify", BOTH).exit_code == 2

    nightly = _run("nightly")  # BOTH cannot be named in a filter: its gate is refused, the other models go on
    assert nightly.exit_code in (0, 1), nightly.output[-2000:]
    reconciled = _run("reconcile")
    assert reconciled.exit_code in (0, 1)
    inventory = _run("inventory", "--json")
    listed = {row["model"] for row in json.loads(inventory.stdout.splitlines()[-1])["models"]}
    assert {QUOTE, INJECTION, DOUBLE, RTL, BOTH} <= listed
    retirement = _run("retirement")
    assert retirement.exit_code in (0, 1)
    report = _run("report", "--out", str(hostile_registry / "pages"))
    assert report.exit_code == 0, report.output[-2000:]
    dashboard = (hostile_registry / "pages" / "dashboard.html").read_text()
    assert "o&#39;brien" in dashboard and "rtl\\u202egnp.exe" in dashboard and "\u202e" not in dashboard


def test_the_installed_command_prints_no_traceback_for_a_name_that_writes_a_filter(hostile_registry):
    import os
    import subprocess

    from tests.servers.processes import BIN

    env = {**{k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"},
           "GOVFLOW_DATA_DIR": str(hostile_registry / "data")}
    for args in (["verify", INJECTION], ["gate", BOTH, "1"]):
        done = subprocess.run([str(BIN / "govflow"), *args], capture_output=True, text=True, env=env, timeout=300,
                              check=False)
        assert done.returncode in (0, 2) and "Traceback" not in done.stderr, done.stderr[-3000:]

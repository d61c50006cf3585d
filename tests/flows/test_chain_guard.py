"""Recording refuses to extend a chain its head store has fallen behind (issue 28, item 3): the model's latest
head line damaged, the head log restored from an older backup, emptied or deleted. Each refusal names both
positions and how to restore, opens no run, and reaches the CLI as one line, exit 1."""

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govflow.cli import app
from govflow.flows.chain_guard import ChainHeadsMissing
from govflow.flows.finding_note import finding_note
from govflow.tasks.chain import read_heads
from tests.flows.conftest import own_data_dir

pytestmark = pytest.mark.usefixtures("prefect_harness")
MODEL = "chain_guard_subject"
CHECK = "data.schema"


def _note(text: str) -> str:
    return finding_note(MODEL, CHECK, "A. Rivera", text)


def _runs(client, settings) -> int:
    experiment = client.get_experiment_by_name(settings.experiment)
    return len(client.search_runs([experiment.experiment_id], f"tags.`governance.model` = '{MODEL}'", max_results=1000))


class Log(type(Path())):
    whole: bytes

    def keep(self) -> None:
        """What the test writes back at its end: the log as it is now."""
        Log.whole = self.read_bytes()


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    """A data dir of its own: no other test's chain or fleet sees these recordings."""
    with own_data_dir(tmp_path_factory.mktemp("chain-guard")) as settings:
        yield settings


@pytest.fixture(scope="module")
def client(settings):
    from mlflow import MlflowClient

    return MlflowClient(settings.resolved_tracking_uri)


@pytest.fixture(scope="module")
def registered(client, tmp_path_factory):
    client.create_registered_model(MODEL)
    client.create_model_version(MODEL, source=str(tmp_path_factory.mktemp("chain-guard-model")))


@pytest.fixture
def log(registered, settings):
    """The head log after two notes on the model; put back whole after the test, whatever it did."""
    _note("first")
    _note("second")
    path = Log(settings.resolved_chain_log)
    path.keep()
    yield path
    path.write_bytes(Log.whole)


def _last_line_of_model(data: bytes) -> tuple[bytes, bytes]:
    lines = data.splitlines(keepends=True)
    index = max(i for i, line in enumerate(lines) if f'"model": "{MODEL}"'.encode() in line)
    return b"".join(lines[:index]), b"".join(lines[index + 1:])


def _refused(client, settings) -> str:
    before = _runs(client, settings)
    with pytest.raises(ChainHeadsMissing) as refused:
        _note("third")
    assert _runs(client, settings) == before, "a refused recording opened a run"
    return str(refused.value)


def test_a_damaged_latest_head_is_refused_naming_both_positions(log, client, settings):
    tip = read_heads(log).tip(MODEL)
    head, tail = _last_line_of_model(log.read_bytes())
    log.write_bytes(head + b'{"model": "chain_guard_subject", "sequ\n' + tail)
    message = _refused(client, settings)
    assert f"names sequence {tip.sequence - 1} as the latest head of '{MODEL}'" in message
    assert f"committed up to sequence {tip.sequence}" in message and "import-heads" in message


def test_a_head_log_restored_from_an_older_backup_is_refused(log, client, settings):
    older = log.read_bytes()
    tip = read_heads(log).tip(MODEL)
    _note("after the backup")
    log.keep()
    log.write_bytes(older)
    message = _refused(client, settings)
    assert f"names sequence {tip.sequence} as the latest head" in message
    assert f"committed up to sequence {tip.sequence + 1}" in message


def test_an_emptied_or_deleted_head_log_is_refused(log, client, settings):
    log.write_bytes(b"")
    assert f"has no head of '{MODEL}', but MLflow holds its recorded governance runs" in _refused(client, settings)
    log.unlink()
    assert "has no head of" in _refused(client, settings)


def test_the_cli_refuses_in_one_line_exit_1(log):
    log.unlink()
    result = CliRunner().invoke(app, ["finding", "note", MODEL, CHECK, "--by", "A. Rivera", "--text", "x"])
    assert isinstance(result.exception, ChainHeadsMissing)  # CliRunner calls `app`; `main` turns it into a line
    from govflow.cli.runner import store_failure_message

    assert store_failure_message(result.exception).startswith("the head log ")


@pytest.mark.slow
def test_the_installed_command_prints_one_line_and_no_traceback(log, tmp_path):
    from tests.servers.processes import BIN

    log.unlink()
    done = subprocess.run([str(BIN / "govflow"), "finding", "note", MODEL, CHECK, "--by", "A. Rivera", "--text", "x"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "govflow: the head log" in done.stderr and f"has no head of '{MODEL}'" in done.stderr

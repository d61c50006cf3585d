"""`verify --witness` end to end (issue 28, item 4): recordings publish checkpoints to GOVFLOW_WITNESS_LOG;
the model's last run is then removed from MLflow and its head from the head log, consistently. `verify`
without the witness calls that intact (nothing else remembers the longer chain); with it, exit 1 naming the
truncation."""

import json

import pytest
from typer.testing import CliRunner

from govflow.cli import app
from govflow.flows.finding_note import finding_note
from govflow.tasks.chain import read_heads
from tests.flows.conftest import own_data_dir

pytestmark = pytest.mark.usefixtures("prefect_harness")
MODEL = "witnessed_model"
runner = CliRunner()


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    """A data dir of its own: the truncation below touches no other test's chain."""
    with own_data_dir(tmp_path_factory.mktemp("witness")) as settings:
        yield settings


@pytest.fixture(scope="module")
def client(settings, tmp_path_factory):
    from mlflow import MlflowClient

    client = MlflowClient(settings.resolved_tracking_uri)
    client.create_registered_model(MODEL)
    client.create_model_version(MODEL, source=str(tmp_path_factory.mktemp("witnessed-model")))
    return client


def _verify(*extra: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["verify", MODEL, "--json", *extra])
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def test_a_truncated_rewrite_of_both_stores_is_seen_with_the_witness_alone(client, settings, tmp_path,
                                                                             monkeypatch):
    witness = tmp_path / "other-volume" / "witness.jsonl"
    monkeypatch.setenv("GOVFLOW_WITNESS_LOG", str(witness))
    last = [finding_note(MODEL, "data.schema", "A. Rivera", f"note {i}") for i in range(3)][-1]
    assert len(witness.read_text().splitlines()) == 3
    code, intact = _verify("--witness", str(witness))
    assert code == 0 and intact["intact"] and intact["witness_checked"], intact

    log = settings.resolved_chain_log
    whole = log.read_bytes()
    head = next(h for h in read_heads(log).heads if h.run_id == last)
    kept = [line for line in whole.splitlines(keepends=True) if f'"run_id": "{last}"'.encode() not in line]
    client.delete_run(last)
    log.write_bytes(b"".join(kept))
    try:
        blind_code, blind = _verify()
        seen_code, seen = _verify("--witness", str(witness))
    finally:
        client.restore_run(last)
        log.write_bytes(whole)
    assert blind_code == 0 and blind["intact"], blind  # store and head log agree: nothing else remembers
    assert seen_code == 1 and not seen["intact"]
    assert [p["kind"] for p in seen["problems"]] == ["witness"]
    assert f"ends at sequence {head.sequence - 1}, but the witness saw it reach {head.sequence}" in \
        seen["problems"][0]["message"]


def test_a_witness_log_that_is_not_one_is_bad_input(client, tmp_path):
    bad = tmp_path / "w.jsonl"
    bad.write_text("hello\n{}\n")
    result = runner.invoke(app, ["verify", MODEL, "--witness", str(bad)])
    assert result.exit_code == 2 and f"{bad} line 1: not JSON" in result.output
    missing = runner.invoke(app, ["verify", MODEL, "--witness", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and "No such file" in missing.output

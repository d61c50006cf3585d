"""Verification of stored evidence, in MLflow's store and in an exported bundle: one altered byte, a
deleted file, an added file and a broken chain are each caught and named."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govflow.cli import app
from govflow.flows.evidence_audit import evidence_verification
from govflow.flows.gate import registration_gate

pytestmark = pytest.mark.usefixtures("prefect_harness")
MODEL = "loan_approval"
runner = CliRunner()


@pytest.fixture(scope="module")
def runs(fleet, settings):
    """Two gate runs of the model, chained; their artifact folders in the local store."""
    first = registration_gate(MODEL, fleet[MODEL].version)
    second = registration_gate(MODEL, fleet[MODEL].version)
    root = settings.local_artifact_root / settings.experiment
    return [root / o.run_id / "artifacts" for o in (first, second)], [first.run_id, second.run_id]


@pytest.fixture
def store(runs):
    """The second run's artifact folder; restored after the test, whatever it did."""
    folder = runs[0][1]
    backup = folder.parent / "artifacts.bak"
    shutil.copytree(folder, backup)
    yield folder
    shutil.rmtree(folder)
    backup.rename(folder)


def _problems(version=None):
    outcome = evidence_verification(MODEL, version)
    return outcome, {(p.kind, p.path) for p in outcome.problems}


def test_the_stored_evidence_is_intact(runs):
    outcome, problems = _problems()
    assert outcome.intact and outcome.runs >= 2 and not problems


def test_one_altered_byte_in_mlflows_store_is_named(store):
    target = store / "evidence" / "verdict.json"
    data = bytearray(target.read_bytes())
    data[10] ^= 1
    target.write_bytes(bytes(data))
    outcome, problems = _problems()
    assert not outcome.intact and problems == {("altered", "evidence/verdict.json")}


def test_a_deleted_and_an_added_artifact_are_named(store):
    (store / "evidence" / "data.json").unlink()
    (store / "evidence" / "planted.json").write_text("{}")
    _, problems = _problems()
    assert problems == {("missing", "evidence/data.json"), ("unlisted", "evidence/planted.json")}


def test_a_deleted_run_breaks_the_chain(runs, client):
    _, (first, second) = runs
    client.delete_run(first)
    try:
        outcome = evidence_verification(MODEL)
    finally:
        client.restore_run(first)
    chain = {(p.run_id, p.message.split(":")[0]) for p in outcome.problems}
    assert all(p.kind == "chain" for p in outcome.problems)
    assert (second, f"chain broken at run {second}") in chain
    assert any("is no manifest in the store" in p.message and p.run_id == first for p in outcome.problems)


def test_the_cli_verifies_mlflow_with_exit_codes(store):
    assert runner.invoke(app, ["verify", MODEL]).exit_code == 0
    (store / "manifest.json").write_bytes((store / "manifest.json").read_bytes().replace(b'"gate"', b'"g4te"'))
    result = runner.invoke(app, ["verify", MODEL, "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert {p["kind"] for p in problems} == {"manifest", "chain"}  # the head published outside MLflow differs
    assert {p["run_id"] for p in problems if p["kind"] == "manifest"} == {store.parent.name}


def test_a_consistent_rewrite_in_mlflow_is_caught_by_the_published_head(store, client, settings):
    """An MLflow administrator rewrites the latest run's manifest and the hash its run recorded."""
    import hashlib

    from govflow.tasks.chain import read_heads

    forged = (store / "manifest.json").read_bytes().replace(b'"gate"', b'"g4te"')
    (store / "manifest.json").write_bytes(forged)
    run_id = store.parent.name
    original = client.get_run(run_id).data.tags["governance.manifest_sha256"]
    client.set_tag(run_id, "governance.manifest_sha256", hashlib.sha256(forged).hexdigest())
    try:
        outcome = evidence_verification(MODEL)
        kept = next(h for h in read_heads(settings.resolved_chain_log).heads if h.run_id == run_id)
        cli = runner.invoke(app, ["verify", MODEL, "--head", f"{kept.sequence}:{kept.manifest_sha256}"])
    finally:
        client.set_tag(run_id, "governance.manifest_sha256", original)
    assert {p.run_id for p in outcome.problems} == {run_id}
    assert any("is no manifest in the store" in p.message for p in outcome.problems)
    assert any(p.kind == "manifest" and "its published head" in p.message for p in outcome.problems)
    # The forged manifest says flow 'g4te' while the run's tag still says 'gate': a relabelled run.
    assert any(p.kind == "altered" and "governance.flow" in p.message for p in outcome.problems)
    assert cli.exit_code == 1 and "the head you kept" in cli.output


@pytest.fixture
def bundle(runs, tmp_path):
    out = tmp_path / "bundle"
    result = runner.invoke(app, ["evidence", "pull", MODEL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _verify_bundle(out: Path):
    result = runner.invoke(app, ["verify", MODEL, "--bundle", str(out), "--json"])
    return result.exit_code, {(p["kind"], p["path"]) for p in json.loads(result.stdout)["problems"]}


def test_a_pulled_bundle_verifies_offline(bundle, runs, settings):
    assert _verify_bundle(bundle) == (0, set())
    index = json.loads((bundle / "index.json").read_text())
    assert {r["run_id"] for r in index["runs"]} >= set(runs[1])
    # The policy, waiver and assessment files the runs were judged by, and the catalogue and questionnaire.
    assert {name.split("-")[0] for name in index["config"]} == {"policy", "waivers", "assessment", "controls",
                                                                "questionnaire"}
    assert all(name.endswith(f"-{digest[:12]}.yaml") for name, digest in index["config"].items())
    assert "govflow verify loan_approval --bundle" in (bundle / "README.md").read_text()


def test_a_bundle_with_an_altered_byte_a_missing_and_an_added_file_is_named(bundle, runs):
    files = bundle / "runs" / runs[1][1] / "files"
    data = bytearray((files / "evidence" / "performance.json").read_bytes())
    data[-2] ^= 1
    (files / "evidence" / "performance.json").write_bytes(bytes(data))
    (files / "evidence" / "governance.json").unlink()
    (files / "evidence" / "extra.json").write_text("{}")
    code, problems = _verify_bundle(bundle)
    at = f"runs/{runs[1][1]}/files/evidence"
    # Named twice: against the run's manifest, and against the bundle manifest that covers every file.
    assert code == 1 and problems == {("altered", "evidence/performance.json"), ("missing", "evidence/governance.json"),
                                      ("unlisted", "evidence/extra.json"), ("altered", f"{at}/performance.json"),
                                      ("missing", f"{at}/governance.json"), ("unlisted", f"{at}/extra.json")}


def test_a_bundle_with_a_run_removed_or_planted_is_named(bundle, runs):
    shutil.move(bundle / "runs" / runs[1][0], bundle / "elsewhere")
    code, problems = _verify_bundle(bundle)
    assert code == 1 and ("missing", None) in problems and ("chain", "manifest.json") in problems
    shutil.move(bundle / "elsewhere", bundle / "runs" / "planted")
    _, problems = _verify_bundle(bundle)
    assert ("unlisted", None) in problems


def test_a_folder_that_is_no_bundle_is_bad_input(tmp_path):
    result = runner.invoke(app, ["verify", MODEL, "--bundle", str(tmp_path)])
    assert result.exit_code == 2 and "not a govflow evidence bundle" in result.stderr


def test_a_kept_head_that_is_not_a_head_is_bad_input():
    result = runner.invoke(app, ["verify", MODEL, "--head", "3:abc"])
    assert result.exit_code == 2 and "SEQUENCE:SHA256" in result.stderr


def test_signed_manifests_verify_with_the_public_key_and_a_forgery_does_not(fleet, client, tmp_path, monkeypatch):
    """The gate signs with a key MLflow's administrators lack; their consistent rewrite fails the signature."""
    import hashlib

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    (tmp_path / "signing.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (tmp_path / "signing.pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    monkeypatch.setenv("GOVFLOW_SIGNING_KEY", str(tmp_path / "signing.pem"))
    signed = registration_gate(MODEL, fleet[MODEL].version)
    outcome = evidence_verification(MODEL, public_key=(tmp_path / "signing.pub").read_bytes())
    unsigned = {p.run_id for p in outcome.problems}
    assert signed.run_id not in unsigned  # earlier runs were written before a key was set: named as unsigned
    assert all((p.kind, p.path) == ("missing", "manifest.sig") or (p.kind == "heads" and "is not signed" in p.message)
               for p in outcome.problems)

    folder = Path(signed.artifact_uri.removeprefix("file://"))
    manifest = folder / "manifest.json"
    original = manifest.read_bytes()
    forged = original.replace(b'"gate"', b'"g4te"')
    manifest.write_bytes(forged)
    client.set_tag(signed.run_id, "governance.manifest_sha256", hashlib.sha256(forged).hexdigest())
    try:
        result = runner.invoke(app, ["verify", MODEL, "--public-key", str(tmp_path / "signing.pub"),
                                     "--json"])
    finally:
        manifest.write_bytes(original)
        client.set_tag(signed.run_id, "governance.manifest_sha256", hashlib.sha256(original).hexdigest())
    problems = json.loads(result.stdout)["problems"]
    assert result.exit_code == 1
    assert any(p["run_id"] == signed.run_id and p["kind"] == "altered" and p["path"] == "manifest.sig"
               for p in problems)
    bad_key = runner.invoke(app, ["verify", MODEL, "--public-key", str(tmp_path / "signing.pem")])
    assert bad_key.exit_code == 2 and "--public-key" in bad_key.stderr


def test_start_times_swapped_in_mlflows_database_are_named_and_move_nothing_on_the_pages(runs, settings):
    """Issue 28, item 2: two runs' start times swapped 35 days apart in the store's own database."""
    import sqlite3

    from govflow.tasks.report_data import read_runs

    first, second = runs[1]
    database = settings.resolved_tracking_uri.removeprefix("sqlite:///")
    before = {r.run_id: r.started for r in read_runs(settings.resolved_tracking_uri, settings.experiment, {})[0]}
    with sqlite3.connect(database) as db:
        times = dict(db.execute("SELECT run_uuid, start_time FROM runs WHERE run_uuid IN (?, ?)", (first, second)))
        db.execute("UPDATE runs SET start_time = ? WHERE run_uuid = ?", (times[first] - 35 * 86_400_000, second))
        db.execute("UPDATE runs SET start_time = ? WHERE run_uuid = ?", (times[second], first))
    try:
        outcome = evidence_verification(MODEL)
        after = {r.run_id: r.started for r in read_runs(settings.resolved_tracking_uri, settings.experiment, {})[0]}
    finally:
        with sqlite3.connect(database) as db:
            for run_id, started in times.items():
                db.execute("UPDATE runs SET start_time = ? WHERE run_uuid = ?", (started, run_id))
    changed = {p.run_id for p in outcome.problems if "start time was changed in the store" in p.message}
    assert changed == {first, second}
    assert after[first] == before[first] and after[second] == before[second]

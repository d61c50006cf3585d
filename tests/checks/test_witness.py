"""Witness checkpoints (issue 28, item 4): a rewrite of the store and the head log, truncated at the tail,
passes every other check but not the witness; a rewritten manifest, a lost checkpoint or a forged signature is
named; the log's lines parse back exactly, whatever the model's name holds."""

import base64
import dataclasses
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from govflow.checks.heads import Head, HeadLog
from govflow.checks.manifest import build_manifest, canonical_json, sha256_hex
from govflow.checks.verification import StoredRun, evidence_problems
from govflow.checks.witness import (
    WitnessError,
    checkpoint_line,
    checkpoint_note,
    parse_witness_log,
    witness_notes,
    witness_problems,
)

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def _chain(n: int, model: str = "m", forged_from: int | None = None, seed: int = 0) -> list[StoredRun]:
    """n chained runs; from sequence `forged_from` on, with other contents (a consistent rewrite)."""
    runs, previous = [], None
    for i in range(1, n + 1):
        forged = {"forged": seed} if forged_from is not None and i >= forged_from else {}
        files = {"evidence/verdict.json": canonical_json({"verdict": "APPROVED", "i": i, **forged})}
        manifest = canonical_json(build_manifest(
            model=model, version="1", flow="gate", created_at=f"2026-11-2{i}T00:00:00+00:00", artifacts=files,
            inputs={}, policy_sha256="p", code_version="c", previous_manifest_sha256=previous, sequence=i))
        runs.append(StoredRun(f"r{i}", 0, "1", sha256_hex(manifest), {**files, "manifest.json": manifest}))
        previous = sha256_hex(manifest)
    return runs


def _witnessed(runs: list[StoredRun], model: str = "m", signed: bool = True) -> bytes:
    out = b""
    for i, run in enumerate(runs, start=1):
        note = checkpoint_note(model, i, sha256_hex(run.files["manifest.json"]), run.run_id, "2026-12-06T08:00:00+00:00")
        signature = base64.b64encode(KEY.sign(note.encode())).decode() if signed else None
        out += checkpoint_line(note, signature)
    return out


def _log(runs: list[StoredRun], model: str = "m") -> HeadLog:
    return HeadLog(tuple(Head(model, i, sha256_hex(r.files["manifest.json"]), r.run_id, "t")
                         for i, r in enumerate(runs, start=1)))


def test_a_witnessed_chain_is_intact_and_its_checkpoints_parse_back():
    runs = _chain(3)
    checkpoints = parse_witness_log(_witnessed(runs), "w.jsonl")
    assert [(c.sequence, c.run_id) for c in checkpoints] == [(1, "r1"), (2, "r2"), (3, "r3")]
    assert witness_problems(runs, checkpoints, "m", PUBLIC) == []


def test_a_rewrite_of_store_and_head_log_truncated_at_the_tail_is_seen_by_the_witness_alone():
    runs = _chain(5)
    checkpoints = parse_witness_log(_witnessed(runs), "w.jsonl")
    truncated = runs[:3]  # the last two runs gone from MLflow, their heads gone from the log: consistent
    assert evidence_problems(truncated, _log(truncated), "m") == []
    (problem,) = witness_problems(truncated, checkpoints, "m", PUBLIC)
    assert problem.kind == "witness" and "ends at sequence 3, but the witness saw it reach 5" in problem.message


def test_a_rewritten_manifest_and_a_forged_or_missing_signature_are_named():
    runs = _chain(3)
    checkpoints = parse_witness_log(_witnessed(runs), "w.jsonl")
    rewritten = _chain(3)
    forged = json.loads(rewritten[1].files["manifest.json"]) | {"verdict": "APPROVED"}
    forged_bytes = canonical_json(forged)  # recorded on the run, as an MLflow administrator can
    rewritten[1] = StoredRun("r2", 0, "1", sha256_hex(forged_bytes), {**rewritten[1].files, "manifest.json": forged_bytes})
    messages = [p.message for p in witness_problems(rewritten, checkpoints, "m")]
    assert any("sequence 2" in m and "the chain was rewritten" in m for m in messages), messages
    unsigned = parse_witness_log(_witnessed(runs, signed=False), "w.jsonl")
    assert {p.message.split(": ")[1] for p in witness_problems(runs, unsigned, "m", PUBLIC)} == {
        f"the checkpoint of sequence {i} is not signed" for i in (1, 2, 3)}
    tampered = [c.__class__(**{**c.__dict__, "note": c.note.replace("run r1", "run rX")}) for c in checkpoints]
    assert any("does not verify" in p.message for p in witness_problems(runs, tampered, "m", PUBLIC))


def test_no_checkpoint_of_the_model_is_a_problem_and_a_chain_past_the_latest_is_a_note():
    runs = _chain(4)
    checkpoints = parse_witness_log(_witnessed(runs[:2]), "w.jsonl")
    assert witness_problems(runs, checkpoints, "other") != []
    assert witness_problems(runs, checkpoints, "m") == []
    assert witness_notes(runs, checkpoints, "m") == [
        "the witness's latest checkpoint of 'm' is sequence 2; the chain has 2 run(s) after it that it has not seen"]


@pytest.mark.parametrize("name", ["o'brien", 'x"y', "line\nbreak", '"quoted', "rtl\u202egnp.exe"])
def test_any_model_name_round_trips_and_cannot_add_a_line(name):
    runs = _chain(1, name)
    (checkpoint,) = parse_witness_log(_witnessed(runs, name), "w.jsonl")
    assert checkpoint.model == name and witness_problems(runs, [checkpoint], name, PUBLIC) == []


@pytest.mark.parametrize("line, named", [
    (b"not json\n{}", "w.jsonl line 1: not JSON"),
    (b'{"note": 3, "signature": null}\n', "w.jsonl line 1: not a checkpoint record"),
    (b'{"note": "elsewhere/m\\n1\\nAA==\\nrun r at t\\n", "signature": null}\n', "not a govflow checkpoint"),
    (b'{"note": "govflow.evidence/m\\nx\\nAA==\\nrun r at t\\n", "signature": null}\n', "chain size 'x'"),
])
def test_a_line_that_is_not_a_checkpoint_is_bad_input_naming_file_and_line(line, named):
    with pytest.raises(WitnessError, match=named):
        parse_witness_log(line, "w.jsonl")


def test_a_last_line_cut_off_mid_append_is_skipped():
    data = _witnessed(_chain(2))
    assert len(parse_witness_log(data + b'{"note": "govflow.ev', "w.jsonl")) == 2


def test_every_whole_rewrite_of_both_stores_truncated_at_the_tail_is_caught_with_the_witness_and_none_without():
    """The audit's attack, every shape of it on an 8-run chain: keep k runs, rewrite the last m of them
    consistently (manifests, chain links, recorded hashes and published heads all agree). 43 attacks."""
    original = _chain(8)
    checkpoints = parse_witness_log(_witnessed(original), "w.jsonl")
    attacks = [(k, m) for k in range(1, 9) for m in range(k + 1) if (k, m) != (8, 0)]
    seen_without = seen_with = 0
    for seed, (k, m) in enumerate(attacks):
        rewritten = _chain(k, forged_from=k - m + 1 if m else None, seed=seed)
        seen_without += bool(evidence_problems(rewritten, _log(rewritten), "m"))
        seen_with += bool(witness_problems(rewritten, checkpoints, "m", PUBLIC))
    assert (len(attacks), seen_without, seen_with) == (43, 0, 43)


def test_runs_a_rerun_replaced_and_a_run_stopped_after_its_head_are_read_as_the_chain_holds_them():
    runs = _chain(3)
    checkpoints = parse_witness_log(_witnessed(runs), "w.jsonl")
    stopped_before_head = StoredRun("r3-stopped", 0, "1", None, {"manifest.json": canonical_json(
        {"sequence": 3, "artifacts": {}})})  # took sequence 3, never committed; r3 took it over
    stopped_after_head = dataclasses.replace(runs[2], recorded_manifest_sha256=None)  # MLflow never got the hash
    assert witness_problems([*runs, stopped_before_head], checkpoints, "m") == []
    assert witness_problems([*runs[:2], stopped_after_head], checkpoints, "m") == []

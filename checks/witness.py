"""Witness checkpoints: each model's chain head, published a second time to a place the operator chooses
(GOVFLOW_WITNESS_LOG: a file on another volume, an append-only object-store mount), so that a rewrite of both
MLflow and the head store, truncated at the tail, is still seen: the witness remembers a longer chain.

A checkpoint is a note in the shape of C2SP's tlog-checkpoint: an origin line naming the chain, the chain's
size (the head's sequence number), the root (the head's manifest SHA-256, base64), and one extension line with
the run and the time, signed with the manifest signing key when there is one:

    govflow.evidence/credit_scoring
    7
    3q2+7w...=
    run 0f1c... at 2026-12-06T08:00:00+00:00

The witness log holds one JSON object per line, `{"note": ..., "signature": ...}`; what `verify --witness`
holds the chain to is parsed from the note, so the signature covers all of it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass

from govflow.checks.manifest import sha256_hex
from govflow.checks.verification import MANIFEST, Problem, StoredRun, signature_valid

ORIGIN = "govflow.evidence/"


@dataclass(frozen=True)
class Checkpoint:
    model: str
    sequence: int
    manifest_sha256: str
    run_id: str
    at: str
    note: str
    signature: str | None = None
    line: int = 0


class WitnessError(ValueError):
    """A witness log govflow cannot read: bad input, named by file and line."""


def checkpoint_note(model: str, sequence: int, manifest_sha256: str, run_id: str, at: str) -> str:
    """The checkpoint's signed text. The model's name is JSON-quoted when it holds a line break or starts
    with a quote, so no name can add a line of its own."""
    name = json.dumps(model) if ("\n" in model or "\r" in model or model.startswith('"')) else model
    root = base64.b64encode(bytes.fromhex(manifest_sha256)).decode()
    return f"{ORIGIN}{name}\n{sequence}\n{root}\nrun {run_id} at {at}\n"


def checkpoint_line(note: str, signature: str | None) -> bytes:
    return (json.dumps({"note": note, "signature": signature}, sort_keys=True) + "\n").encode()


def _parse_note(note: str, where: str) -> tuple[str, int, str, str, str]:
    lines = note.split("\n")
    if len(lines) != 5 or lines[4] != "" or not lines[0].startswith(ORIGIN):
        raise WitnessError(f"{where}: not a govflow checkpoint (origin, size, root, run line)")
    name = lines[0][len(ORIGIN):]
    if name.startswith('"'):
        name = json.loads(name)
    if not lines[1].isdigit() or int(lines[1]) < 1:
        raise WitnessError(f"{where}: the chain size {lines[1]!r} is no sequence number")
    try:
        digest = base64.b64decode(lines[2], validate=True).hex()
    except ValueError:
        raise WitnessError(f"{where}: the root {lines[2]!r} is not base64") from None
    run, _, at = lines[3].removeprefix("run ").partition(" at ")
    if len(digest) != 64 or not lines[3].startswith("run ") or not at:
        raise WitnessError(f"{where}: not a govflow checkpoint (a SHA-256 root and a run line)")
    return name, int(lines[1]), digest, run, at


def parse_witness_log(data: bytes, source: str) -> list[Checkpoint]:
    """Every checkpoint in the log; WitnessError naming the file and line of one that is not. A last line
    cut off (a writer stopped mid-append) is skipped, as in the head log."""
    out = []
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{source} line {number}"
        try:
            record = json.loads(raw)
        except (ValueError, RecursionError):
            if number == len(lines):
                continue
            raise WitnessError(f"{where}: not JSON") from None
        if not isinstance(record, dict) or not isinstance(record.get("note"), str) or not isinstance(
                record.get("signature"), (str, type(None))):
            raise WitnessError(f"{where}: not a checkpoint record (a note and a signature)")
        model, sequence, digest, run_id, at = _parse_note(record["note"], where)
        out.append(Checkpoint(model, sequence, digest, run_id, at, record["note"], record["signature"], number))
    return out


def _chain(runs: Sequence[StoredRun], vouched: set[str]) -> dict[int, dict[str, str]]:
    """Sequence -> {manifest SHA-256: run id} of the chain's runs: those that recorded their manifest's hash,
    and those a checkpoint vouches for (a run whose process stopped after its head, before MLflow recorded the
    hash). A run stopped before its head, whose sequence a rerun then took, is no part of it."""
    chain: dict[int, dict[str, str]] = {}
    for run in runs:
        if MANIFEST not in run.files:
            continue
        digest = sha256_hex(run.files[MANIFEST])
        if digest != run.recorded_manifest_sha256 and digest not in vouched:
            continue
        try:
            sequence = json.loads(run.files[MANIFEST]).get("sequence")
        except (ValueError, AttributeError):
            continue
        if isinstance(sequence, int) and not isinstance(sequence, bool):
            chain.setdefault(sequence, {})[digest] = run.run_id
    return chain


def witness_problems(runs: Sequence[StoredRun], checkpoints: Sequence[Checkpoint], model: str,
                     public_key_pem: bytes | None = None) -> list[Problem]:
    """The chain in the store held to every checkpoint the witness holds of the model: each checkpointed
    sequence must still hold the manifest it held, and the chain must reach the latest checkpoint (a chain
    that ends before it was truncated, however consistently store and head log were rewritten). Given the
    public key, every checkpoint must carry a valid signature."""
    mine = [c for c in checkpoints if c.model == model]
    chain = _chain(runs, {c.manifest_sha256 for c in mine})
    if not mine:
        return [Problem("witness", "-", None, (
            f"the witness holds no checkpoint of '{model}'" + (": its chain was never witnessed, or the "
                                                              "witness log is another installation's" if chain else "")))]
    problems = []
    end = max(chain, default=0)
    latest = max(c.sequence for c in mine)
    if latest > end:
        problems.append(Problem("witness", "-", None, (
            f"the chain of '{model}' ends at sequence {end}, but the witness saw it reach {latest}: runs were "
            "removed from its end (a rewrite of MLflow and the head store, truncated at the tail)")))
    for c in mine:
        held = chain.get(c.sequence, {})
        if held and c.manifest_sha256 not in held:
            digest, run_id = next(iter(held.items()))
            problems.append(Problem("witness", run_id, MANIFEST, (
                f"run {run_id} at sequence {c.sequence}: its manifest hashes to {digest[:12]}…, the witness "
                f"checkpointed {c.manifest_sha256[:12]}… (run {c.run_id}): the chain was rewritten")))
        elif not held and c.sequence <= end:
            problems.append(Problem("witness", c.run_id, None, (
                f"the witness checkpointed sequence {c.sequence} (run {c.run_id}), which the chain no longer "
                "holds")))
        if public_key_pem is not None:
            valid = signature_valid(public_key_pem, c.signature, c.note.encode())
            if not valid:
                problems.append(Problem("witness", c.run_id, None, (
                    f"witness log line {c.line}: the checkpoint of sequence {c.sequence} "
                    + ("is not signed" if valid is None else "has a signature the public key does not verify"))))
    return problems


def witness_notes(runs: Sequence[StoredRun], checkpoints: Sequence[Checkpoint], model: str) -> list[str]:
    """The chain past the latest checkpoint (a publication that failed, or runs since): shown, not a problem."""
    mine = [c.sequence for c in checkpoints if c.model == model]
    end = max(_chain(runs, {c.manifest_sha256 for c in checkpoints if c.model == model}), default=0)
    if mine and end > max(mine):
        return [f"the witness's latest checkpoint of '{model}' is sequence {max(mine)}; the chain has "
                f"{end - max(mine)} run(s) after it that it has not seen"]
    return []

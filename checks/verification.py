"""Verifying stored evidence: every artifact against its run's manifest, every manifest against the hash its
run recorded and the head published for it, the run's labels against its manifest, and the chain of manifests
per model in sequence order. Pure: the runs' bytes and the head log come in, problems and notes go out, so
MLflow's store and an exported bundle are verified by the same code.

A run is committed once its head is published (the head log is the commit point; the hash tag on the MLflow
run follows it). A run that stopped before that vouches for nothing: it is incomplete until a later run of the
same flow and version supersedes it, and then only a note.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from govflow.checks.heads import Head, HeadLog
from govflow.checks.manifest import sha256_hex
from govflow.checks.run_labels import LABEL_KEYS, RunLabels

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"  # base64 Ed25519 signature of manifest.json's bytes, where a signing key is set
ProblemKind = Literal["altered", "missing", "unlisted", "manifest", "chain", "incomplete", "heads", "witness"]


@dataclass(frozen=True)
class StoredRun:
    """One governance run as stored: when it started, the manifest hash it recorded, its files' bytes, tags."""

    run_id: str
    started: int
    version: str
    recorded_manifest_sha256: str | None
    files: Mapping[str, bytes] = field(default_factory=dict)
    superseded_by: str | None = None  # a later run that completed what this one, stopped early, began
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    run_id: str
    path: str | None
    message: str


@dataclass(frozen=True)
class _Committed:
    run: StoredRun
    manifest: dict
    digest: str


def _uncommitted(run: StoredRun) -> Problem | None:
    if run.superseded_by:  # rerun to completion; what it wrote is kept but vouches for nothing
        return None
    if MANIFEST in run.files:
        return Problem("incomplete", run.run_id, MANIFEST, (
            f"run {run.run_id} stopped after writing its manifest but before it was committed (no head, no "
            "recorded hash); it vouches for nothing until the flow is run again (the next run of that flow "
            "completes it, or the nightly run sets it aside once its flow run has ended)"))
    return Problem("incomplete", run.run_id, MANIFEST, (
        f"run {run.run_id} stopped before its manifest was written; its files vouch for nothing until the "
        "flow is run again (the next run of that flow completes it, or the nightly run sets it aside once its "
        "flow run has ended)"))


def _label_problems(run: StoredRun, manifest: dict) -> list[Problem]:
    if not run.tags:
        return []
    out, labels = [], RunLabels.parse(run.tags)
    for label in LABEL_KEYS:  # the fields a run's tags repeat from its manifest: relabelling is caught
        if label not in manifest or manifest[label] is None:
            continue
        tag = labels.label(label)
        if tag != str(manifest[label]):
            out.append(Problem("altered", run.run_id, MANIFEST, (
                f"run {run.run_id}: its tag governance.{label} says {tag!r}, its manifest {str(manifest[label])!r}: "
                "the run was relabelled")))
    return out


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


def _time_problems(run: StoredRun, manifest: dict) -> list[Problem]:
    """The run's start time in the store against its manifest: the time pages and the register show is bound
    to the hashed evidence, so moving it in MLflow's database is named. A manifest from before it held the
    start time still bounds it: no run starts after its manifest was written."""
    stated = manifest.get("started_ms")
    if isinstance(stated, int) and not isinstance(stated, bool):
        if stated == run.started:
            return []
        return [Problem("altered", run.run_id, MANIFEST, (
            f"run {run.run_id}: the store says it started {_iso(run.started)}, its manifest {_iso(stated)}: the "
            "run's start time was changed in the store"))]
    try:
        written = datetime.fromisoformat(str(manifest.get("created_at")))
    except ValueError:
        return []
    written = written if written.tzinfo else written.replace(tzinfo=UTC)
    # created_at is kept to the second, so a run opened within that second may look up to 1 s later.
    if run.started > written.timestamp() * 1000 + 1000:
        return [Problem("altered", run.run_id, MANIFEST, (
            f"run {run.run_id}: the store says it started {_iso(run.started)}, after its manifest was written "
            f"({written.isoformat()}): the run's start time was changed in the store"))]
    return []


def _commit(run: StoredRun, published: Mapping[str, str] | None) -> tuple[_Committed | None, list[Problem]]:
    head = (published or {}).get(run.run_id)
    vouched = run.recorded_manifest_sha256 or head
    if not vouched:
        problem = _uncommitted(run)
        return None, [problem] if problem else []
    data = run.files.get(MANIFEST)
    if data is None:
        return None, [Problem("missing", run.run_id, MANIFEST,
                              f"run {run.run_id} has no {MANIFEST}: its evidence cannot be verified")]
    try:
        manifest = json.loads(data)
        if not isinstance(manifest, dict):
            raise ValueError
    except ValueError:
        return None, [Problem("altered", run.run_id, MANIFEST, f"run {run.run_id}: {MANIFEST} is not a JSON object")]
    digest = sha256_hex(data)
    problems = []
    if head and run.recorded_manifest_sha256 and head != run.recorded_manifest_sha256:
        problems.append(Problem("manifest", run.run_id, MANIFEST, (
            f"run {run.run_id} recorded manifest {run.recorded_manifest_sha256[:12]}…, its published head "
            f"{head[:12]}…: one of them was rewritten")))
    if digest != vouched:
        problems.append(Problem("manifest", run.run_id, MANIFEST, (
            f"run {run.run_id}: {MANIFEST} hashes to {digest[:12]}…, the run recorded {vouched[:12]}…")))
    elif head and not run.recorded_manifest_sha256:
        problems.append(Problem("incomplete", run.run_id, MANIFEST, (
            f"run {run.run_id} was committed (its head is published) but stopped before MLflow recorded its "
            "hash; the next recording for the model completes it")))
    else:
        problems += _label_problems(run, manifest) + _time_problems(run, manifest)
    return _Committed(run, manifest, digest), problems


def _artifact_problems(run: StoredRun, manifest: dict) -> list[Problem]:
    listed = manifest.get("artifacts", {})
    if not isinstance(listed, dict):
        return [Problem("altered", run.run_id, MANIFEST, f"run {run.run_id}: the manifest's artifacts are no mapping")]
    out = []
    for path, expected in sorted(listed.items()):
        if path not in run.files:
            out.append(Problem("missing", run.run_id, path, f"run {run.run_id}: {path} is listed but missing"))
        elif sha256_hex(run.files[path]) != expected:
            out.append(Problem("altered", run.run_id, path, f"run {run.run_id}: {path} differs from its SHA-256"))
    out += [Problem("unlisted", run.run_id, path, f"run {run.run_id}: {path} is not in the manifest")
            for path in sorted(set(run.files) - set(listed) - {MANIFEST, SIGNATURE})]
    return out


def _chain_order(committed: list[_Committed]) -> list[_Committed]:
    """Manifests by their sequence number; manifests from before sequences existed first, by start time."""
    def key(c: _Committed) -> tuple:
        sequence = c.manifest.get("sequence")
        numbered = isinstance(sequence, int) and not isinstance(sequence, bool)
        return (numbered, sequence if numbered else 0, c.run.started, c.run.run_id)
    return sorted(committed, key=key)


def verify_runs(runs: Sequence[StoredRun], version: str | None = None,
                published: Mapping[str, str] | None = None) -> list[Problem]:
    """Every problem with one model's runs; empty when intact.

    `published` maps run id to the manifest hash of its published head (None: verified without heads). The
    chain is checked over all committed runs in sequence order: sequence numbers run 1, 2, 3 ... with no
    repeat (a repeat is a fork), each manifest names the one before it, the first none. Artifacts are checked
    for every run, or only `version`'s when given.
    """
    problems: list[Problem] = []
    committed: list[_Committed] = []
    for run in runs:
        entry, found = _commit(run, published)
        if version is None or run.version == version:
            problems += found
        else:  # another version's run: its artifacts are out of scope, but not a manifest that breaks the chain
            problems += [p for p in found if p.kind == "manifest"]
        if entry is not None:
            committed.append(entry)
            if version is None or run.version == version:
                problems += _artifact_problems(run, entry.manifest)
    previous: _Committed | None = None
    for position, entry in enumerate(_chain_order(committed), start=1):
        sequence = entry.manifest.get("sequence")
        if sequence is not None and sequence != position:
            problems.append(Problem("chain", entry.run.run_id, MANIFEST, (
                f"run {entry.run.run_id} has sequence {sequence} where {position} was due: "
                + ("two runs claim one place in the chain (a fork)" if previous is not None
                   and previous.manifest.get("sequence") == sequence else "a run was removed or added"))))
        expected = previous.digest if previous else None
        if entry.manifest.get("previous_manifest_sha256") != expected:
            before = f"run {previous.run.run_id}'s manifest" if previous else "no earlier manifest"
            problems.append(Problem("chain", entry.run.run_id, MANIFEST, (
                f"chain broken at run {entry.run.run_id}: it names previous manifest "
                f"{str(entry.manifest.get('previous_manifest_sha256'))[:12]}…, but the run before it has {before}"
                + (f" ({expected[:12]}…)" if expected else "") + "; a run was removed, added or rewritten")))
        previous = entry
    return problems


def superseded_runs(runs: Sequence[StoredRun], published: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(run that stopped before it was committed, the run that completed it) pairs: shown, not problems."""
    return [(r.run_id, r.superseded_by) for r in runs if r.superseded_by
            and not r.recorded_manifest_sha256 and r.run_id not in (published or {})]


def head_problems(runs: Sequence[StoredRun], log: HeadLog, model: str, kept: tuple[int, str] | None = None,
                  public_key_pem: bytes | None = None) -> list[Problem]:
    """The chain in the store against the heads published outside it (and one an auditor kept).

    Sequences must run 1, 2, 3 ... in the log; every published head must be its run's manifest in the store;
    every run that recorded a manifest hash must have a head; a kept head (sequence, SHA-256) must be in the log
    as it was kept; given the public key, every head must carry a valid signature. With no head for a model
    whose runs are recorded, a rewrite of the whole chain cannot be ruled out.
    """
    mine = log.of(model)
    problems = [Problem("heads", "-", None, d.message) for d in log.defects if d.kind == "corrupt"]
    manifests = {r.run_id: sha256_hex(r.files[MANIFEST]) for r in runs if MANIFEST in r.files}
    recorded = [r for r in runs if r.recorded_manifest_sha256]
    if not mine and recorded:
        where = "the head log" if log.exists else "any head log (it is missing)"
        problems.append(Problem("heads", "-", None, (
            f"no chain head of '{model}' is published in {where}, though {len(recorded)} run(s) record a "
            "manifest: a rewrite of the whole chain cannot be ruled out. Restore the head log, or pass "
            "--no-heads to check hashes and links alone")))
        return problems
    for expected, head in enumerate(mine, start=1):
        if head.sequence != expected:
            problems.append(Problem("chain", head.run_id, None, (
                f"published head {head.sequence} where {expected} was due: the head log of '{model}' was edited, "
                "or a sequence moved backwards")))
        if manifests.get(head.run_id) != head.manifest_sha256:
            problems.append(Problem("chain", head.run_id, MANIFEST, (
                f"published head {head.sequence} ({head.manifest_sha256[:12]}…, run {head.run_id}) is no manifest "
                "in the store: a run was removed or rewritten")))
    heads_of = {h.run_id for h in mine}
    problems += [Problem("chain", r.run_id, MANIFEST, (
        f"run {r.run_id} records manifest {str(r.recorded_manifest_sha256)[:12]}… but no head was published for "
        "it: it was added outside govflow, or the head log lost lines")) for r in recorded if r.run_id not in heads_of]
    if kept is not None and not any((h.sequence, h.manifest_sha256) == kept for h in mine):
        problems.append(Problem("chain", "-", None, (
            f"the head you kept (sequence {kept[0]}, {kept[1][:12]}…) is not in the head log of '{model}': "
            "the log was rewritten")))
    if kept is not None and kept[1] not in manifests.values():
        problems.append(Problem("chain", "-", MANIFEST, (
            f"the head you kept (sequence {kept[0]}, {kept[1][:12]}…) is no manifest in the store")))
    if public_key_pem is not None:
        problems += [Problem("heads", h.run_id, None, (f"published head {h.sequence} of '{model}' (line {h.line}) "
                                                      + reason)) for h, reason in _unsigned(mine, public_key_pem)]
    return problems


def _public_key(public_key_pem: bytes):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key = load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


def signature_valid(public_key_pem: bytes, signature: bytes | str | None, data: bytes) -> bool | None:
    """True for a valid base64 Ed25519 signature of `data`, False for an invalid one, None for none.
    Raises ValueError for a key that is not Ed25519 PEM."""
    import base64

    from cryptography.exceptions import InvalidSignature

    key = _public_key(public_key_pem)
    if signature is None:
        return None
    try:
        key.verify(base64.b64decode(signature.strip(), validate=True), data)
        return True
    except (InvalidSignature, ValueError):
        return False


def _unsigned(heads: Sequence[Head], public_key_pem: bytes) -> list[tuple[Head, str]]:
    out = []
    for head in heads:
        valid = signature_valid(public_key_pem, head.signature, head.signed_bytes())
        if valid is None:
            out.append((head, "is not signed"))
        elif not valid:
            out.append((head, "carries a signature the public key does not verify: the head was rewritten"))
    return out


def signature_problems(runs: Sequence[StoredRun], public_key_pem: bytes) -> list[Problem]:
    """Every run whose manifest is unsigned, or whose signature the public key does not verify.

    The private key is held away from MLflow's administrators, so a manifest they rewrite, however
    consistently, cannot carry a valid signature. Raises ValueError for a key that is not Ed25519 PEM.
    """
    _public_key(public_key_pem)
    problems = []
    for run in runs:
        if MANIFEST not in run.files:
            continue
        valid = signature_valid(public_key_pem, run.files.get(SIGNATURE), run.files[MANIFEST])
        if valid is None:
            problems.append(Problem("missing", run.run_id, SIGNATURE, f"run {run.run_id}: the manifest is not signed"))
        elif not valid:
            problems.append(Problem("altered", run.run_id, SIGNATURE, (
                f"run {run.run_id}: the signature does not verify: the manifest or its signature was rewritten, "
                "or signed with another key")))
    return problems


def published_of(log: HeadLog | None, model: str) -> dict[str, str] | None:
    """Run id -> manifest hash of the model's published heads; None when verifying without heads."""
    return None if log is None else {h.run_id: h.manifest_sha256 for h in log.of(model)}


def evidence_problems(runs: Sequence[StoredRun], log: HeadLog | None, model: str, version: str | None = None,
                      kept: tuple[int, str] | None = None, public_key_pem: bytes | None = None) -> list[Problem]:
    """Everything verification checks, from MLflow's store or a bundle alike: hashes, labels and chain, the
    published heads (and a kept one), and, given a public key, every signature. `log` None: the auditor chose
    to verify without heads."""
    problems = verify_runs(runs, version, published_of(log, model))
    if log is not None:
        problems += head_problems(runs, log, model, kept, public_key_pem)
    return problems + (signature_problems(runs, public_key_pem) if public_key_pem is not None else [])


def evidence_notes(runs: Sequence[StoredRun], log: HeadLog | None, model: str) -> list[str]:
    """What an auditor should see that is not a problem: runs a rerun completed, appends a writer healed."""
    published = published_of(log, model)
    notes = [f"run {stopped} stopped before it was committed; run {completed} completed it"
             for stopped, completed in superseded_runs(runs, published)]
    notes += [f"run {r.run_id} stopped after its head was published; the next recording completed it from its "
              "published head" for r in runs if RunLabels.parse(r.tags).completed_from_head]
    return notes + [d.message for d in (log.defects if log else ()) if d.kind == "torn"]

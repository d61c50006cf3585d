"""Verifying stored evidence: every artifact against its run's manifest, every manifest against the hash
its run recorded, and the chain of manifests per model. Pure: the runs' bytes come in, problems go out,
so MLflow's store and an exported bundle are verified by the same code."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from checks.manifest import sha256_hex

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"  # base64 Ed25519 signature of manifest.json's bytes, where a signing key is set
ProblemKind = Literal["altered", "missing", "unlisted", "manifest", "chain", "incomplete"]


@dataclass(frozen=True)
class StoredRun:
    """One governance run as stored: when it started, the manifest hash it recorded, and its files' bytes."""

    run_id: str
    started: int
    version: str
    recorded_manifest_sha256: str | None
    files: Mapping[str, bytes] = field(default_factory=dict)
    superseded_by: str | None = None  # a later run that completed what this one, stopped early, began

    @property
    def incomplete(self) -> bool:
        """Stopped before its manifest was written (the store went away mid-run): no manifest, no hash."""
        return MANIFEST not in self.files and not self.recorded_manifest_sha256


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    run_id: str
    path: str | None
    message: str


def _manifest(run: StoredRun) -> tuple[dict | None, Problem | None]:
    data = run.files.get(MANIFEST)
    if run.incomplete:
        if run.superseded_by:  # rerun to completion; what it wrote is kept but vouches for nothing
            return None, None
        return None, Problem("incomplete", run.run_id, MANIFEST, (
            f"run {run.run_id} stopped before its manifest was written; its files vouch for nothing until the "
            "flow is run again (the next run of that flow completes it)"))
    if data is None:
        return None, Problem("missing", run.run_id, MANIFEST, f"run {run.run_id} has no {MANIFEST}: its evidence "
                                                              "cannot be verified")
    try:
        manifest = json.loads(data)
    except ValueError:
        return None, Problem("altered", run.run_id, MANIFEST, f"run {run.run_id}: {MANIFEST} is not valid JSON")
    if run.recorded_manifest_sha256 != sha256_hex(data):
        return manifest, Problem("manifest", run.run_id, MANIFEST, (
            f"run {run.run_id}: {MANIFEST} hashes to {sha256_hex(data)[:12]}…, the run recorded "
            f"{(run.recorded_manifest_sha256 or 'nothing')[:12]}…"))
    return manifest, None


def _artifact_problems(run: StoredRun, manifest: dict) -> list[Problem]:
    listed: dict[str, str] = manifest.get("artifacts", {})
    out = []
    for path, expected in sorted(listed.items()):
        if path not in run.files:
            out.append(Problem("missing", run.run_id, path, f"run {run.run_id}: {path} is listed but missing"))
        elif sha256_hex(run.files[path]) != expected:
            out.append(Problem("altered", run.run_id, path, f"run {run.run_id}: {path} differs from its SHA-256"))
    out += [Problem("unlisted", run.run_id, path, f"run {run.run_id}: {path} is not in the manifest")
            for path in sorted(set(run.files) - set(listed) - {MANIFEST, SIGNATURE})]
    return out


def verify_runs(runs: Sequence[StoredRun], version: str | None = None) -> list[Problem]:
    """Every problem with one model's runs; empty when intact.

    The chain is checked over all runs in start order: each manifest must name the one before it, and the
    first none. Artifacts are checked for every run, or only `version`'s when given.
    """
    problems: list[Problem] = []
    ordered = sorted(runs, key=lambda r: (r.started, r.run_id))
    previous: tuple[StoredRun, bytes] | None = None
    for run in ordered:
        manifest, problem = _manifest(run)
        if problem and (version is None or run.version == version or problem.kind == "manifest"):
            problems.append(problem)
        if manifest is None:
            continue
        if version is None or run.version == version:
            problems += _artifact_problems(run, manifest)
        expected = sha256_hex(previous[1]) if previous else None
        if manifest.get("previous_manifest_sha256") != expected:
            before = f"run {previous[0].run_id}'s manifest" if previous else "no earlier manifest"
            problems.append(Problem("chain", run.run_id, MANIFEST, (
                f"chain broken at run {run.run_id}: it names previous manifest "
                f"{str(manifest.get('previous_manifest_sha256'))[:12]}…, but the run before it has {before}"
                + (f" ({expected[:12]}…)" if expected else "") + "; a run was removed, added or rewritten")))
        previous = (run, run.files[MANIFEST])
    return problems


def superseded_runs(runs: Sequence[StoredRun]) -> list[tuple[str, str]]:
    """(incomplete run, the run that completed it) pairs: shown to an auditor, not problems."""
    return [(r.run_id, r.superseded_by) for r in runs if r.incomplete and r.superseded_by]


def head_problems(runs: Sequence[StoredRun], heads: Sequence[Mapping], model: str,
                  kept: tuple[int, str] | None = None) -> list[Problem]:
    """The chain in the store against the heads published outside it (and one an auditor kept).

    Sequences must run 1, 2, 3 ...; every published head must still be a manifest in the store; the
    latest published head must be the store's latest manifest; a kept head (sequence, SHA-256) must be
    in the log as it was kept.
    """
    ordered = sorted((r for r in runs if MANIFEST in r.files), key=lambda r: (r.started, r.run_id))
    stored = {sha256_hex(r.files[MANIFEST]): r.run_id for r in ordered}
    mine = [h for h in heads if h.get("model") == model]
    problems = []
    for expected, head in enumerate(mine, start=1):
        if head.get("sequence") != expected:
            problems.append(Problem("chain", str(head.get("run_id")), None, (
                f"published head {head.get('sequence')} where {expected} was due: the head log of '{model}' "
                "was edited, or a sequence moved backwards")))
        if head.get("manifest_sha256") not in stored:
            problems.append(Problem("chain", str(head.get("run_id")), MANIFEST, (
                f"published head {head.get('sequence')} ({str(head.get('manifest_sha256'))[:12]}…, run "
                f"{head.get('run_id')}) is no manifest in the store: a run was removed or rewritten")))
    if mine and ordered and mine[-1].get("manifest_sha256") != sha256_hex(ordered[-1].files[MANIFEST]):
        problems.append(Problem("chain", ordered[-1].run_id, MANIFEST, (
            f"the store's latest manifest (run {ordered[-1].run_id}) is not the latest published head "
            f"{mine[-1].get('sequence')}: runs were added or removed since")))
    if kept is not None and not any((h.get("sequence"), h.get("manifest_sha256")) == kept for h in mine):
        problems.append(Problem("chain", "-", None, (
            f"the head you kept (sequence {kept[0]}, {kept[1][:12]}…) is not in the head log of '{model}': "
            "the log was rewritten")))
    if kept is not None and kept[1] not in stored:
        problems.append(Problem("chain", "-", MANIFEST, (
            f"the head you kept (sequence {kept[0]}, {kept[1][:12]}…) is no manifest in the store")))
    return problems


def signature_problems(runs: Sequence[StoredRun], public_key_pem: bytes) -> list[Problem]:
    """Every run whose manifest is unsigned, or whose signature the public key does not verify.

    The private key is held away from MLflow's administrators, so a manifest they rewrite, however
    consistently, cannot carry a valid signature. Raises ValueError for a key that is not Ed25519 PEM.
    """
    import base64

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key = load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    problems = []
    for run in runs:
        if MANIFEST not in run.files:
            continue
        signature = run.files.get(SIGNATURE)
        if signature is None:
            problems.append(Problem("missing", run.run_id, SIGNATURE, f"run {run.run_id}: the manifest is not signed"))
            continue
        try:
            key.verify(base64.b64decode(signature.strip(), validate=True), run.files[MANIFEST])
        except (InvalidSignature, ValueError):
            problems.append(Problem("altered", run.run_id, SIGNATURE, (
                f"run {run.run_id}: the signature does not verify: the manifest or its signature was rewritten, "
                "or signed with another key")))
    return problems


def evidence_problems(runs: Sequence[StoredRun], heads: Sequence[Mapping], model: str, version: str | None = None,
                      kept: tuple[int, str] | None = None, public_key_pem: bytes | None = None) -> list[Problem]:
    """Everything verification checks, from MLflow's store or a bundle alike: hashes and chain, the published
    heads (and a kept one), and, given a public key, every signature."""
    problems = verify_runs(runs, version) + head_problems(runs, heads, model, kept)
    return problems + (signature_problems(runs, public_key_pem) if public_key_pem is not None else [])

"""A model's chain as the record path stores it (manifests with sequence and verdict, labelled runs, published
heads), and seeded random mutations of it, as someone who administers MLflow could make them.

Every mutation changes what the evidence says; `verify` must name each one. The head log is outside the
attacker's reach (it lives where MLflow administrators cannot write), so it is never mutated here.
"""

from __future__ import annotations

import dataclasses
import json
import random

from govflow.checks.heads import Head, HeadLog
from govflow.checks.manifest import build_manifest, canonical_json, sha256_hex
from govflow.checks.verification import MANIFEST, StoredRun

MODEL = "m"


def _manifest(run_id: str, version: str, flow: str, verdict: str, sequence: int, files: dict, previous: str | None):
    return canonical_json(build_manifest(
        model=MODEL, version=version, flow=flow, created_at=f"2026-11-{sequence:02d}T00:00:00+00:00",
        artifacts=files, inputs={"model_version": f"models:/{MODEL}/{version}"}, policy_sha256="p" * 64,
        code_version="govflow test", previous_manifest_sha256=previous, sequence=sequence, verdict=verdict))


def build_chain(n: int = 8) -> tuple[list[StoredRun], HeadLog]:
    runs, heads, previous = [], [], None
    for i in range(1, n + 1):
        version, flow, verdict = str(1 + (i - 1) // 3), ("gate", "monitor", "approval")[i % 3], \
            ("APPROVED", "REJECTED", "BLOCKED")[i % 3]
        files = {"evidence/verdict.json": canonical_json({"verdict": verdict, "i": i}),
                 "evidence/fairness.json": canonical_json({"ratio": 0.8 + i / 100}),
                 "evidence/findings.json": canonical_json({"findings": []})}
        manifest = _manifest(f"r{i}", version, flow, verdict, i, files, previous)
        digest = sha256_hex(manifest)
        tags = {"governance.model": MODEL, "governance.version": version, "governance.flow": flow,
                "governance.verdict": verdict, "governance.sequence": str(i), "governance.manifest_sha256": digest}
        runs.append(StoredRun(f"r{i}", 1000 * i, version, digest, {**files, MANIFEST: manifest}, None, tags))
        heads.append(Head(MODEL, i, digest, f"r{i}", "2026-12-01T00:00:00+00:00"))
        previous = digest
    return runs, HeadLog(tuple(heads))


def _with(run: StoredRun, **changes) -> StoredRun:
    return dataclasses.replace(run, **changes)


def _rewrite(run: StoredRun, manifest: dict) -> StoredRun:
    """The run with a new manifest and the hash tag to match, as an MLflow administrator can write them."""
    data = canonical_json(manifest)
    return _with(run, files={**run.files, MANIFEST: data}, recorded_manifest_sha256=sha256_hex(data),
                 tags={**run.tags, "governance.manifest_sha256": sha256_hex(data)})


def _flip_byte(rng, runs):
    i = rng.randrange(len(runs))
    path = rng.choice(sorted(runs[i].files))
    data = bytearray(runs[i].files[path])
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    runs[i] = _with(runs[i], files={**runs[i].files, path: bytes(data)})


def _delete_file(rng, runs):
    i = rng.randrange(len(runs))
    path = rng.choice(sorted(runs[i].files))
    runs[i] = _with(runs[i], files={k: v for k, v in runs[i].files.items() if k != path})


def _add_file(rng, runs):
    i = rng.randrange(len(runs))
    runs[i] = _with(runs[i], files={**runs[i].files, f"evidence/planted-{rng.randrange(1000)}.json": b"{}\n"})


def _delete_run(rng, runs):
    del runs[rng.randrange(len(runs))]


def _relabel(rng, runs):
    i = rng.randrange(len(runs))
    label = rng.choice(["version", "flow", "verdict", "sequence"])
    old = runs[i].tags[f"governance.{label}"]
    new = {"version": lambda: "99", "flow": lambda: "gate" if old != "gate" else "monitor",
           "verdict": lambda: "APPROVED" if old != "APPROVED" else "REJECTED",
           "sequence": lambda: str(int(old) + 1)}[label]()
    runs[i] = _with(runs[i], tags={**runs[i].tags, f"governance.{label}": new},
                    version=new if label == "version" else runs[i].version)


def _forge_hash_tag(rng, runs):
    i = rng.randrange(len(runs))
    forged = f"{rng.getrandbits(256):064x}"
    runs[i] = _with(runs[i], recorded_manifest_sha256=forged, tags={**runs[i].tags, "governance.manifest_sha256": forged})


def _rewrite_one(rng, runs):
    """One manifest changed (a verdict turned) and its hash tag with it, the run's tags relabelled to match."""
    i = rng.randrange(len(runs))
    manifest = json.loads(runs[i].files[MANIFEST])
    manifest["verdict"] = "APPROVED" if manifest["verdict"] != "APPROVED" else "REJECTED"
    runs[i] = _rewrite(runs[i], manifest)
    runs[i] = _with(runs[i], tags={**runs[i].tags, "governance.verdict": manifest["verdict"]})


def _rewrite_from(rng, runs):
    """A consistent rewrite of the chain from one run on: every later manifest re-linked, every hash tag matched."""
    start = rng.randrange(len(runs))
    previous = runs[start - 1].recorded_manifest_sha256 if start else None
    for i in range(start, len(runs)):
        manifest = json.loads(runs[i].files[MANIFEST])
        if i == start:
            manifest["artifacts"]["evidence/verdict.json"] = sha256_hex(b"forged")
            runs[i] = _with(runs[i], files={**runs[i].files, "evidence/verdict.json": b"forged"})
        manifest["previous_manifest_sha256"] = previous
        runs[i] = _rewrite(runs[i], manifest)
        previous = runs[i].recorded_manifest_sha256


def _drop_and_relink(rng, runs):
    """A run removed and the chain re-linked and renumbered around it, consistently."""
    del runs[rng.randrange(len(runs))]
    previous = None
    for i, run in enumerate(runs):
        manifest = json.loads(run.files[MANIFEST])
        manifest["previous_manifest_sha256"], manifest["sequence"] = previous, i + 1
        runs[i] = _rewrite(run, manifest)
        runs[i] = _with(runs[i], tags={**runs[i].tags, "governance.sequence": str(i + 1)})
        previous = runs[i].recorded_manifest_sha256


def _plant_run(rng, runs):
    """A run that never went through govflow, copied from another and given the next place in the chain."""
    source = runs[rng.randrange(len(runs))]
    manifest = json.loads(source.files[MANIFEST])
    manifest["previous_manifest_sha256"], manifest["sequence"] = runs[-1].recorded_manifest_sha256, len(runs) + 1
    planted = _rewrite(_with(source, run_id=f"planted{rng.randrange(1000)}", started=runs[-1].started + 1), manifest)
    runs.append(_with(planted, tags={**planted.tags, "governance.sequence": str(len(runs) + 1)}))


def _swap_files(rng, runs):
    """Two runs' evidence of the same name exchanged."""
    i, j = rng.sample(range(len(runs)), 2)
    path = "evidence/verdict.json"
    a, b = runs[i].files[path], runs[j].files[path]
    runs[i] = _with(runs[i], files={**runs[i].files, path: b})
    runs[j] = _with(runs[j], files={**runs[j].files, path: a})


MUTATIONS = {f.__name__.lstrip("_"): f for f in (
    _flip_byte, _delete_file, _add_file, _delete_run, _relabel, _forge_hash_tag, _rewrite_one, _rewrite_from,
    _drop_and_relink, _plant_run, _swap_files)}


def mutate(seed: int, runs: list[StoredRun]) -> tuple[str, list[StoredRun]]:
    """One seeded mutation of a copy of the runs: its name and the mutated runs."""
    rng = random.Random(seed)
    name = rng.choice(sorted(MUTATIONS))
    mutated = list(runs)
    MUTATIONS[name](rng, mutated)
    return name, mutated

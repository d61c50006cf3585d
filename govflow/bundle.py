"""The auditor's evidence bundle: a folder that holds a model's governance runs with every artifact and
manifest, the configuration files they were judged by, and an index; verified offline with no MLflow.

    OUT/README.md                          what the bundle is and how to verify it
    OUT/index.json                         the model, the as-of date, each run and its manifest hash
    OUT/runs/<run_id>/run.json             the run's start time, version and MLflow tags
    OUT/runs/<run_id>/files/...            its artifacts as stored, manifest.json among them
    OUT/config/<name>                      policy and other config files whose hash a run records
    OUT/heads.jsonl                        the chain heads published outside MLflow for these runs
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from checks.manifest import canonical_json, sha256_hex
from checks.verification import Problem, StoredRun

README = """# govflow evidence bundle: {model}

Exported {exported_at} from MLflow, every governance run of `{model}`{version_note} started up to {as_of}.

Each run's `files/manifest.json` lists the SHA-256 of every other file of the run, the fingerprints of its
inputs (data, model version), the hash of the policy file it was judged by, the code version, and the hash
of the model's previous manifest. `index.json` lists the runs in order with each manifest's hash.

To check that nothing was altered, removed or added, with no MLflow and no network:

    govflow verify {model} --bundle <this folder>

It recomputes every hash and the chain of manifests and names each problem; exit 0 intact, 1 not.
Add `--head SEQUENCE:SHA256` with a chain head you noted earlier (from `heads.jsonl` of an earlier
bundle, or from the head log itself) to prove the chain was not rewritten since.
By hand: `sha256sum` each file and compare with its run's manifest; hash each manifest and compare with
the next run's `previous_manifest_sha256` and with `index.json`.

To replay a check, take the inputs' fingerprints and `policy_sha256` from a manifest, the policy from
`config/` with that hash, the code at `code_version`, and run the same command; the seeds are in the policy.
"""


def recorded_hashes(runs: list[StoredRun], tags: list[dict[str, str]]) -> set[str]:
    """Every config file hash the runs record: the policy's (a run tag) and the manifests' `sha256:` inputs."""
    hashes = {t.get("governance.policy_sha256") for t in tags} - {None}
    for run in runs:
        try:
            inputs = json.loads(run.files.get("manifest.json", b"{}")).get("inputs", {})
        except ValueError:
            continue
        hashes |= {v.removeprefix("sha256:") for v in inputs.values() if isinstance(v, str) and v.startswith("sha256:")}
    return hashes


def select_config(files: Mapping[str, bytes], recorded: set[str], always: set[str]) -> tuple[dict[str, bytes], list[str]]:
    """Config files to bundle, named `<kind>-<sha12>.yaml`: those whose hash a run recorded, and the kinds
    in `always`; with the recorded hashes of policy files no current file matches (fetch them from history)."""
    chosen = {f"{kind}-{sha256_hex(data)[:12]}.yaml": data for kind, data in files.items()
              if kind in always or sha256_hex(data) in recorded}
    return chosen, sorted(recorded - {sha256_hex(data) for data in files.values()})


def write_bundle(out: Path, model: str, version: str | None, as_of: str, exported_at: str,
                 runs: list[tuple[StoredRun, dict[str, str]]], config: Mapping[str, bytes],
                 heads: list[dict]) -> dict[str, Any]:
    """Write the bundle; return its index. `config` maps a file name to the bytes of a config file."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "heads.jsonl").write_text("".join(json.dumps(h, sort_keys=True) + "\n" for h in heads))
    for stored, tags in runs:
        folder = out / "runs" / stored.run_id
        for rel, data in stored.files.items():
            target = folder / "files" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (folder / "run.json").write_bytes(canonical_json(
            {"run_id": stored.run_id, "started": stored.started, "version": stored.version, "tags": tags}))
    for name, data in config.items():
        (out / "config").mkdir(exist_ok=True)
        (out / "config" / name).write_bytes(data)
    index = {"model": model, "version": version, "as_of": as_of, "exported_at": exported_at,
             "runs": [{"run_id": s.run_id, "started": s.started, "version": s.version,
                       "flow": tags.get("governance.flow"), "manifest_sha256": s.recorded_manifest_sha256}
                      for s, tags in runs],
             "config": {name: sha256_hex(data) for name, data in sorted(config.items())}}
    (out / "index.json").write_bytes(canonical_json(index))
    note = f", version {version}" if version else ""
    (out / "README.md").write_text(README.format(model=model, exported_at=exported_at, as_of=as_of,
                                                 version_note=note))
    return index


class BundleError(ValueError):
    """A folder that is not a govflow bundle at all; the CLI exits 2 naming it."""


def read_bundle_heads(folder: Path) -> list[dict]:
    """The chain heads the bundle carries (published outside MLflow when its runs were written)."""
    path = folder / "heads.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def read_bundle(folder: Path) -> tuple[dict[str, Any], list[StoredRun], list[Problem]]:
    """The index, the runs as stored in the bundle, and the problems of the run set itself: a run the
    index lists that is absent, a run folder the index does not list, a config file that changed."""
    try:
        index = json.loads((folder / "index.json").read_bytes())
    except (OSError, ValueError) as exc:
        raise BundleError(f"{folder}: not a govflow evidence bundle (index.json: {exc})") from None
    problems, runs = [], []
    listed = {r["run_id"]: r for r in index.get("runs", [])}
    present = {p.name for p in (folder / "runs").iterdir() if p.is_dir()} if (folder / "runs").is_dir() else set()
    for run_id in sorted(set(listed) - present):
        problems.append(Problem("missing", run_id, None, f"run {run_id} is in index.json but not in the bundle"))
    for run_id in sorted(present - set(listed)):
        problems.append(Problem("unlisted", run_id, None, f"run {run_id} is in the bundle but not in index.json"))
    for run_id in sorted(present & set(listed)):
        root = folder / "runs" / run_id
        files = {p.relative_to(root / "files").as_posix(): p.read_bytes()
                 for p in sorted((root / "files").rglob("*")) if p.is_file()}
        try:
            meta = json.loads((root / "run.json").read_bytes())
        except (OSError, ValueError):
            problems.append(Problem("missing", run_id, "run.json", f"run {run_id}: run.json is missing or not JSON"))
            meta = {"started": listed[run_id].get("started", 0), "version": listed[run_id].get("version", ""),
                    "tags": {}}
        recorded = listed[run_id].get("manifest_sha256")
        if meta.get("tags", {}).get("governance.manifest_sha256") != recorded:
            problems.append(Problem("manifest", run_id, "run.json",
                                    f"run {run_id}: run.json and index.json record different manifest hashes"))
        runs.append(StoredRun(run_id, int(meta.get("started", 0)), str(meta.get("version", "")), recorded, files,
                              meta.get("tags", {}).get("governance.superseded_by")))
    for name, digest in index.get("config", {}).items():
        path = folder / "config" / name
        if not path.is_file():
            problems.append(Problem("missing", "-", f"config/{name}", f"config/{name} is in index.json but missing"))
        elif sha256_hex(path.read_bytes()) != digest:
            problems.append(Problem("altered", "-", f"config/{name}", f"config/{name} differs from its SHA-256"))
    return index, runs, problems

"""The auditor's evidence bundle: a folder that holds a model's governance runs with every artifact and
manifest, the configuration files they were judged by, and an index; verified offline with no MLflow.

    OUT/README.md                          what the bundle is and how to verify it
    OUT/index.json                         the model, the as-of date, each run and its manifest hash
    OUT/runs/<run_id>/run.json             the run's start time, version and MLflow tags
    OUT/runs/<run_id>/files/...            its artifacts as stored, manifest.json among them
    OUT/config/<name>                      policy and other config files whose hash a run records
    OUT/heads.jsonl                        the chain heads published outside MLflow for these runs
    OUT/bundle-manifest.json               the SHA-256 of every file above (and .sig, signed with the key)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from govflow.checks.heads import HeadLog, parse_head_log
from govflow.checks.manifest import canonical_json, sha256_hex
from govflow.checks.run_labels import RunLabels
from govflow.checks.verification import Problem, StoredRun, signature_valid

BUNDLE_FORMAT = "govflow-bundle/1"
BUNDLE_MANIFEST = "bundle-manifest.json"  # SHA-256 of every other file of the bundle, written last
BUNDLE_SIGNATURE = "bundle-manifest.sig"  # its Ed25519 signature, where a signing key is set

README = """# govflow evidence bundle: {model}

Exported {exported_at} from MLflow, every governance run of `{model}`{version_note} started up to {as_of}.

Each run's `files/manifest.json` lists the SHA-256 of every other file of the run, the fingerprints of its
inputs (data, model version), the hash of the policy file it was judged by, the code version, and the hash
of the model's previous manifest. `index.json` lists the runs in order with each manifest's hash.

To check that nothing was altered, removed or added, with no MLflow and no network:

    govflow verify {model} --bundle <this folder>

It recomputes the hash of every file against `bundle-manifest.json`, every run's files against its
manifest, the chain of manifests in sequence order against the heads in `heads.jsonl` (published outside
MLflow when the runs were written), and each run's labels against its manifest; it names each problem,
exit 0 intact, 1 not, 2 for a folder it cannot read as a bundle. Add `--head SEQUENCE:SHA256` with a chain
head you noted earlier (from `heads.jsonl` of an earlier bundle, or from the head log itself) to prove the
chain was not rewritten since, and `--public-key FILE` to check the signatures where a signing key was set.
By hand: `sha256sum` each file and compare with its run's manifest; hash each manifest and compare with
the next run's `previous_manifest_sha256` and with `index.json`.

To replay a check, take the inputs' fingerprints and `policy_sha256` from a manifest, the policy from
`config/` with that hash, the code at `code_version`, and run the same command; the seeds are in the policy.
"""


# The manifest inputs that are config files, by the kind of file each is; every other input (the data sets, the
# tags) is a fingerprint of data, not a file an auditor could fetch from the repository.
CONFIG_INPUTS = {"waivers_file": "waivers", "risk_assessment": "assessment"}


def recorded_hashes(runs: list[StoredRun], tags: list[dict[str, str]]) -> dict[str, str]:
    """Every config file hash the runs record, with the kind of file it is: the policy's (a run tag) and the
    manifests' config inputs (CONFIG_INPUTS)."""
    hashes = {policy: "policy" for t in tags if (policy := RunLabels.parse(t).policy_sha256)}
    for run in runs:
        try:
            inputs = json.loads(run.files.get("manifest.json", b"{}")).get("inputs", {})
        except ValueError:
            continue
        for name, kind in CONFIG_INPUTS.items():
            value = inputs.get(name) if isinstance(inputs, dict) else None
            if isinstance(value, str) and value.startswith("sha256:"):
                hashes.setdefault(value.removeprefix("sha256:"), kind)
    return hashes


def select_config(files: Mapping[str, bytes], recorded: Mapping[str, str],
                  always: set[str]) -> tuple[dict[str, bytes], list[tuple[str, str]]]:
    """Config files to bundle, named `<kind>-<sha12>.yaml`: those whose hash a run recorded, and the kinds
    in `always`; with (kind, hash) of the recorded config files no current file matches (fetch them from
    history)."""
    chosen = {f"{kind}-{sha256_hex(data)[:12]}.yaml": data for kind, data in files.items()
              if kind in always or sha256_hex(data) in recorded}
    current = {sha256_hex(data) for data in files.values()}
    return chosen, sorted((kind, digest) for digest, kind in recorded.items() if digest not in current)


class BundleError(ValueError):
    """A folder that is not a readable govflow bundle (no index, a malformed file); the CLI exits 2 naming it."""


def write_bundle(out: Path, model: str, version: str | None, as_of: str, exported_at: str,
                 runs: list[tuple[StoredRun, dict[str, str]]], config: Mapping[str, bytes],
                 heads: list[bytes], sign: Callable[[bytes], bytes] | None = None) -> dict[str, Any]:
    """Write the bundle, `bundle-manifest.json` last (signed by `sign`, given one); return its index. `config`
    maps a file name to the bytes of a config file; `heads` are head-log lines as published."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BundleError(f"{out}: the folder already holds files; export a bundle into a new or empty folder")
    files: dict[str, bytes] = {"heads.jsonl": b"".join(heads)}
    for stored, tags in runs:
        _safe_part(stored.run_id, "run id")
        for rel, data in stored.files.items():
            files[f"runs/{stored.run_id}/files/{_safe_relative(rel, f'run {stored.run_id}')}"] = data
        files[f"runs/{stored.run_id}/run.json"] = canonical_json(
            {"run_id": stored.run_id, "started": stored.started, "version": stored.version, "tags": tags})
    for name, data in config.items():
        files[f"config/{_safe_part(name, 'config file name')}"] = data
    index = {"model": model, "version": version, "as_of": as_of, "exported_at": exported_at,
             "runs": [{"run_id": s.run_id, "started": s.started, "version": s.version,
                       "flow": RunLabels.parse(tags).flow or None, "manifest_sha256": s.recorded_manifest_sha256}
                      for s, tags in runs],
             "config": {name: sha256_hex(data) for name, data in sorted(config.items())}}
    files["index.json"] = canonical_json(index)
    note = f", version {version}" if version else ""
    files["README.md"] = README.format(model=model, exported_at=exported_at, as_of=as_of, version_note=note).encode()
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    manifest = canonical_json({"format": BUNDLE_FORMAT, "model": model,
                               "files": {rel: sha256_hex(data) for rel, data in sorted(files.items())}})
    if sign is not None:
        (out / BUNDLE_SIGNATURE).write_bytes(sign(manifest))
    (out / BUNDLE_MANIFEST).write_bytes(manifest)
    return index


def _safe_part(name: object, what: str) -> str:
    """A single path component that stays inside its folder."""
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise BundleError(f"{what} {name!r} is not a plain file or folder name")
    return name


def _safe_relative(path: object, what: str) -> str:
    """A relative path with no `..`, no absolute start and no empty part: it cannot leave the bundle."""
    if not isinstance(path, str) or not path:
        raise BundleError(f"{what}: path {path!r} is not a relative path")
    for part in path.split("/"):
        _safe_part(part, f"{what}: path {path!r} has a part")
    return path


def _load_json(folder: Path, rel: str) -> Any:
    try:
        return json.loads((folder / rel).read_bytes())
    except OSError as exc:
        raise BundleError(f"{folder / rel}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise BundleError(f"{folder / rel}: not valid JSON ({exc})") from None
    except RecursionError:  # a file built to crash the reader: nesting no evidence file has
        raise BundleError(f"{folder / rel}: nested too deeply to be a govflow evidence file") from None


def _walk(folder: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Every regular file under the folder by relative path; a symlink or special file anywhere is a problem
    and is never followed."""
    found, problems = {}, []
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in [*dirs, *names]:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                problems.append(Problem("altered", "-", rel, f"{rel} is a symbolic link (to {os.readlink(path)}); "
                                                           "a bundle holds only plain files, links are not followed"))
            elif name in names and not path.is_file():
                problems.append(Problem("altered", "-", rel, f"{rel} is not a plain file"))
            elif name in names:
                found[rel] = path
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]
    return found, problems


def _manifest_problems(folder: Path, found: dict[str, Path], public_key_pem: bytes | None) -> list[Problem]:
    """Every file of the bundle against `bundle-manifest.json`, and its signature given a public key."""
    if BUNDLE_MANIFEST not in found:
        return [Problem("missing", "-", BUNDLE_MANIFEST, f"{BUNDLE_MANIFEST} is missing: nothing protects "
                                                         "index.json, the run records or the config files")]
    document = _load_json(folder, BUNDLE_MANIFEST)
    listed = document.get("files") if isinstance(document, dict) else None
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
        raise BundleError(f"{folder / BUNDLE_MANIFEST}: key 'files' must map each path to its SHA-256")
    problems = []
    for rel, digest in sorted(listed.items()):
        _safe_relative(rel, BUNDLE_MANIFEST)
        if rel not in found:
            problems.append(Problem("missing", "-", rel, f"{rel} is in {BUNDLE_MANIFEST} but not in the bundle"))
        elif sha256_hex(found[rel].read_bytes()) != digest:
            problems.append(Problem("altered", "-", rel, f"{rel} differs from its SHA-256 in {BUNDLE_MANIFEST}"))
    problems += [Problem("unlisted", "-", rel, f"{rel} is in the bundle but not in {BUNDLE_MANIFEST}")
                 for rel in sorted(set(found) - set(listed) - {BUNDLE_MANIFEST, BUNDLE_SIGNATURE})]
    if public_key_pem is not None:
        signature = found.get(BUNDLE_SIGNATURE)
        valid = signature_valid(public_key_pem, signature.read_bytes() if signature else None,
                                found[BUNDLE_MANIFEST].read_bytes())
        if valid is None:
            problems.append(Problem("missing", "-", BUNDLE_SIGNATURE, f"{BUNDLE_MANIFEST} is not signed"))
        elif not valid:
            problems.append(Problem("altered", "-", BUNDLE_SIGNATURE, (
                f"{BUNDLE_SIGNATURE} does not verify: the bundle was rewritten, or signed with another key")))
    return problems


def read_bundle_heads(folder: Path) -> HeadLog:
    """The chain heads the bundle carries (published outside MLflow when its runs were written), marked
    absent when the bundle has no head file."""
    path = folder / "heads.jsonl"
    if path.is_symlink() or not path.is_file():
        return HeadLog((), (), exists=False)
    return parse_head_log(path.read_bytes(), f"{folder.name}/heads.jsonl")


def _run_record(folder: Path, found: dict[str, Path], run_id: str, listed: dict) -> tuple[StoredRun, list[Problem]]:
    """One run of the bundle from its plain files (`found`: links were refused and are not read)."""
    root = folder / "runs" / run_id
    prefix = f"runs/{run_id}/files/"
    files = {rel.removeprefix(prefix): path.read_bytes() for rel, path in sorted(found.items()) if rel.startswith(prefix)}
    problems = []
    if f"runs/{run_id}/run.json" in found:
        meta = _load_json(folder, f"runs/{run_id}/run.json")
    else:
        problems.append(Problem("missing", run_id, "run.json", f"run {run_id}: run.json is missing"))
        meta = {}
    if not isinstance(meta, dict) or not isinstance(meta.get("tags", {}), dict):
        raise BundleError(f"{root / 'run.json'}: must be an object whose 'tags' maps names to values")
    tags = {str(k): str(v) for k, v in meta.get("tags", {}).items()}
    recorded = listed.get("manifest_sha256")
    labels = RunLabels.parse(tags)
    if labels.manifest_sha256 != recorded:
        problems.append(Problem("manifest", run_id, "run.json",
                                f"run {run_id}: run.json and index.json record different manifest hashes"))
    try:
        started = int(meta.get("started", listed.get("started", 0)))
    except (TypeError, ValueError, OverflowError):  # 1e400 reads as infinity, which no time is
        raise BundleError(f"{root / 'run.json'}: key 'started' must be a number of milliseconds") from None
    return StoredRun(run_id, started, str(meta.get("version", "")), recorded, files,
                     labels.superseded_by, tags), problems


def read_bundle(folder: Path, public_key_pem: bytes | None = None) -> tuple[dict[str, Any], list[StoredRun], list[Problem]]:
    """The index, the runs as stored in the bundle, and the problems of the bundle itself: every file against
    the bundle manifest (and its signature), a run the index lists that is absent, a run folder it does not
    list, a config file that changed, a link or a path that leaves the bundle. BundleError for a folder that
    is not a readable bundle, naming the file."""
    if not folder.is_dir() or not (folder / "index.json").is_file():
        raise BundleError(f"{folder}: not a govflow evidence bundle (no index.json)")
    found, problems = _walk(folder)
    problems += _manifest_problems(folder, found, public_key_pem)
    index = _load_json(folder, "index.json")
    if not isinstance(index, dict) or not isinstance(index.get("runs", []), list) \
            or not isinstance(index.get("config", {}), dict):
        raise BundleError(f"{folder / 'index.json'}: must be an object with a 'runs' list and a 'config' mapping")
    listed = {}
    for i, entry in enumerate(index.get("runs", [])):
        if not isinstance(entry, dict):
            raise BundleError(f"{folder / 'index.json'}: runs[{i}] is not an object")
        listed[_safe_part(entry.get("run_id"), f"{folder / 'index.json'}: runs[{i}].run_id")] = entry
    runs_dir = folder / "runs"
    present = ({p.name for p in runs_dir.iterdir() if p.is_dir() and not p.is_symlink()}
               if runs_dir.is_dir() and not runs_dir.is_symlink() else set())
    for run_id in sorted(set(listed) - present):
        problems.append(Problem("missing", run_id, None, f"run {run_id} is in index.json but not in the bundle"))
    for run_id in sorted(present - set(listed)):
        problems.append(Problem("unlisted", run_id, None, f"run {run_id} is in the bundle but not in index.json"))
    runs = []
    for run_id in sorted(present & set(listed)):
        run, found_problems = _run_record(folder, found, run_id, listed[run_id])
        runs.append(run)
        problems += found_problems
    for name, digest in index.get("config", {}).items():
        path = folder / "config" / _safe_part(name, f"{folder / 'index.json'}: config")
        if not path.is_file() or path.is_symlink():
            problems.append(Problem("missing", "-", f"config/{name}", f"config/{name} is in index.json but missing"))
        elif sha256_hex(path.read_bytes()) != digest:
            problems.append(Problem("altered", "-", f"config/{name}", f"config/{name} differs from its SHA-256"))
    return index, runs, problems

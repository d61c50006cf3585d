"""A governance run's evidence files in MLflow's artifact store: uploaded (`manifest.json` last, read back
before its head is published), and every run's files fetched for `verify` and bundles."""


from __future__ import annotations

import posixpath
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient

from govflow.checks.manifest import canonical_json, sha256_hex
from govflow.checks.results import CheckResult
from govflow.checks.run_labels import RunLabels
from govflow.checks.verification import MANIFEST, SIGNATURE, StoredRun
from govflow.tasks.paging import every_page
from govflow.tasks.queries import runs_of
from govflow.tasks.runs import commit_run
from govflow.tasks.signing import sign
from govflow.tasks.store_calls import store_task
from govflow.tasks.task_type import NO_CACHE


class StoredCopyDiffers(RuntimeError):
    """The store holds other bytes than were uploaded (a request MLflow's client retried after a dropped
    connection can resend a spent file body); the task uploads again rather than vouch for what is not there."""


def log_files(client: MlflowClient, run_id: str, files: dict[str, bytes]) -> None:
    """Every file at its relative path among the run's artifacts, in one upload; StoredCopyDiffers when the
    store then lists any of them at another size than was sent."""
    if not files:
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        client.log_artifacts(run_id, str(root))
    sizes = _stored_sizes(client, run_id, {posixpath.dirname(rel) for rel in files})
    if short := sorted(rel for rel, data in files.items() if sizes.get(rel) != len(data)):
        raise StoredCopyDiffers(f"run {run_id}: the store holds {', '.join(short)} at another size than was "
                                "uploaded; uploading again")


def _stored_sizes(client: MlflowClient, run_id: str, folders: set[str]) -> dict[str, int | None]:
    """Size of every file directly in the named artifact folders ('' for the root)."""
    sizes: dict[str, int | None] = {}
    for folder in sorted(folders):
        for info in client.list_artifacts(run_id, folder or None):
            if not info.is_dir:
                sizes[info.path] = info.file_size
    return sizes


@store_task(cache_policy=NO_CACHE)
def upload_evidence(tracking_uri: str, run_id: str, files: dict[str, bytes]) -> None:
    """Log every evidence file of the run (the manifest comes later, under the model's chain lock)."""
    log_files(MlflowClient(tracking_uri), run_id, files)


@store_task(cache_policy=NO_CACHE)
def upload_manifest(tracking_uri: str, run_id: str, manifest: dict, signing_key: Path | None = None) -> str:
    """Log `manifest.json` (and its signature, given a key); return the manifest's SHA-256."""
    manifest_bytes = canonical_json(manifest)
    files = {MANIFEST: manifest_bytes}
    if signing_key is not None:
        files[SIGNATURE] = sign(signing_key, manifest_bytes)
    client = MlflowClient(tracking_uri)
    log_files(client, run_id, files)
    # The head about to be published vouches for these exact bytes: read them back before it is.
    with tempfile.TemporaryDirectory() as tmp:
        from mlflow.artifacts import download_artifacts

        stored = Path(download_artifacts(run_id=run_id, artifact_path=MANIFEST, dst_path=tmp,
                                         tracking_uri=tracking_uri)).read_bytes()
    if stored != manifest_bytes:
        raise StoredCopyDiffers(f"run {run_id}: {MANIFEST} in the store is not the manifest uploaded "
                                f"({len(stored)} of {len(manifest_bytes)} bytes); uploading again")
    return sha256_hex(manifest_bytes)


def write_evidence(tracking_uri: str, run_id: str, files: dict[str, bytes], manifest: dict,
                   tags: dict[str, str], metrics: dict[str, float], history: list[tuple[str, float, int]] | None = None,
                   signing_key: Path | None = None) -> str:
    """Files, manifest and tags of a run outside any chain (reports, tests, benchmarks); return the manifest
    hash. Governance flows record through flows/recording.py, which also publishes the head."""
    upload_evidence.fn(tracking_uri, run_id, files)
    digest = upload_manifest.fn(tracking_uri, run_id, manifest, signing_key)
    commit_run.fn(tracking_uri, run_id, digest, tags, metrics, history)
    return digest


@dataclass(frozen=True)
class FetchedRun:
    """A governance run read back from MLflow: its stored bytes and its tags."""

    stored: StoredRun
    tags: dict[str, str]


@store_task
def fetch_runs(tracking_uri: str, experiment: str, model: str, until_ms: int | None = None) -> list[FetchedRun]:
    """Every governance run of the model (started up to `until_ms`, if given) with all its artifacts' bytes."""
    client = MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return []
    runs = [r for r in every_page(client.search_runs, experiment_ids=[exp.experiment_id],
                                  filter_string=runs_of(model),
                                  order_by=["attributes.start_time ASC"], max_results=500)
            if until_ms is None or r.info.start_time <= until_ms]
    return [_fetched(tracking_uri, run) for run in runs]


def _fetched(tracking_uri: str, run) -> FetchedRun:
    from mlflow.artifacts import download_artifacts

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(download_artifacts(run_id=run.info.run_id, dst_path=tmp, tracking_uri=tracking_uri))
        files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    tags = dict(run.data.tags)
    labels = RunLabels.parse(tags)
    return FetchedRun(StoredRun(run.info.run_id, run.info.start_time, labels.version, labels.manifest_sha256,
                                files, labels.superseded_by, tags), tags)


@store_task
def fetch_run(tracking_uri: str, run_id: str | None) -> FetchedRun | None:
    """One governance run with all its artifacts' bytes; None when there is no such run."""
    from mlflow.exceptions import MlflowException

    if not run_id:
        return None
    try:
        run = MlflowClient(tracking_uri).get_run(run_id)
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    return _fetched(tracking_uri, run)


@store_task
def read_evidence_json(tracking_uri: str, run_id: str | None, path: str) -> dict | None:
    """One JSON evidence file of a governance run; None when there is no such run or file."""
    import json

    from mlflow.artifacts import download_artifacts
    from mlflow.exceptions import MlflowException

    if not run_id:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            local = download_artifacts(run_id=run_id, artifact_path=path, dst_path=tmp, tracking_uri=tracking_uri)
        except FileNotFoundError:
            return None
        except MlflowException as exc:
            # Only a file that is not there reads as none; a store that is away is retried, then an error.
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                return None
            raise
        return json.loads(Path(local).read_text())


@store_task
def read_verdict(tracking_uri: str, run_id: str | None) -> list[CheckResult]:
    """The results a governance run's `evidence/verdict.json` holds; none when there is no such run or file."""
    document = read_evidence_json(tracking_uri, run_id, "evidence/verdict.json") or {}
    return [CheckResult.model_validate(r) for r in document.get("results", [])]


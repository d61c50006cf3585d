"""Independent re-check of a governance run's evidence: download it and rehash every file."""

import hashlib
import json
from pathlib import Path

from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts


def download_run(client: MlflowClient, run_id: str, dest: Path) -> Path:
    return Path(download_artifacts(run_id=run_id, dst_path=str(dest), tracking_uri=client._tracking_client.tracking_uri))


def assert_manifest_intact(client: MlflowClient, run_id: str, dest: Path) -> dict:
    """Every file the manifest lists exists and hashes to the listed SHA-256; no evidence file is unlisted."""
    root = download_run(client, run_id, dest)
    manifest_bytes = (root / "manifest.json").read_bytes()
    manifest = json.loads(manifest_bytes)
    for rel, digest in manifest["artifacts"].items():
        assert hashlib.sha256((root / rel).read_bytes()).hexdigest() == digest, rel
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == set(manifest["artifacts"])
    tags = client.get_run(run_id).data.tags
    assert tags["governance.manifest_sha256"] == hashlib.sha256(manifest_bytes).hexdigest()
    return manifest

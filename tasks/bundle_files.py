"""Tasks for an evidence bundle's files: read the config files it may carry, write the bundle folder
(govflow/bundle.py lays it out and verifies it offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govflow.bundle import write_bundle
from govflow.checks.verification import StoredRun
from govflow.tasks.signing import sign
from govflow.tasks.task_type import NO_CACHE, task


@task(cache_policy=NO_CACHE)
def read_config_files(paths: dict[str, Path]) -> dict[str, bytes]:
    """The bytes of each config file that exists, by kind; a kind whose file is absent is left out."""
    return {kind: Path(path).read_bytes() for kind, path in paths.items() if Path(path).is_file()}


@task(cache_policy=NO_CACHE)
def write_evidence_bundle(out: Path, model: str, version: str | None, as_of: str, exported_at: str,
                          runs: list[tuple[StoredRun, dict[str, str]]], config: dict[str, bytes],
                          heads: list[bytes], signing_key: Path | None) -> dict[str, Any]:
    """Write the bundle at `out`, its manifest signed with the key when there is one; its index."""
    signer = (lambda data: sign(signing_key, data)) if signing_key is not None else None
    return write_bundle(out, model, version, as_of, exported_at, runs, config, heads, signer)

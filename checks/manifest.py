"""The evidence manifest: SHA-256 of every artifact, the inputs' fingerprints, and the
link to the previous manifest of the same model, so any alteration is detectable."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(obj: Any) -> bytes:
    """Stable bytes for an object: sorted keys, fixed separators, UTF-8, trailing newline."""
    return (json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def build_manifest(
    *, model: str, version: str, flow: str, created_at: str, artifacts: Mapping[str, bytes],
    inputs: Mapping[str, str], policy_sha256: str, code_version: str, previous_manifest_sha256: str | None,
    sequence: int | None = None, verdict: str | None = None, started_ms: int | None = None,
) -> dict[str, Any]:
    """The manifest of DESIGN.md: artifact path -> SHA-256 of its bytes, and what produced them; `sequence`
    is the model's chain position the head store gave, `verdict` what the run decided (both also run tags),
    `started_ms` the run's start time as MLflow holds it (ms since the epoch), which pages and the register
    show and `verify` holds the store's time to."""
    return {
        "model": model,
        "version": str(version),
        "flow": flow,
        "sequence": sequence,
        "verdict": verdict,
        "created_at": created_at,
        **({"started_ms": started_ms} if started_ms is not None else {}),
        "artifacts": {path: sha256_hex(data) for path, data in sorted(artifacts.items())},
        "inputs": dict(sorted(inputs.items())),
        "policy_sha256": policy_sha256,
        "code_version": code_version,
        "previous_manifest_sha256": previous_manifest_sha256,
    }


def manifest_problems(manifest: Mapping[str, Any], files: Mapping[str, bytes]) -> list[str]:
    """Every artifact whose bytes are missing or differ from the manifest's hash; empty when intact."""
    problems = []
    for path, expected in manifest.get("artifacts", {}).items():
        if path not in files:
            problems.append(f"{path}: listed in the manifest but missing")
        elif sha256_hex(files[path]) != expected:
            problems.append(f"{path}: SHA-256 differs from the manifest")
    return problems

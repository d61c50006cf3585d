"""The one place the policy file is read."""

from __future__ import annotations

from pathlib import Path

from checks.manifest import sha256_hex
from checks.policy import Policy, PolicyError, parse_policy


def load_policy(path: Path) -> tuple[Policy, str]:
    """The typed policy and the SHA-256 of the file's bytes, which every evidence run records."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: the policy file is not UTF-8 text") from None
    return parse_policy(text, str(path)), sha256_hex(raw)

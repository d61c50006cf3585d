"""The one place the policy files (policy, waivers) are read."""

from __future__ import annotations

from pathlib import Path

from checks.manifest import sha256_hex
from checks.policy import Policy, PolicyError, parse_policy
from checks.waivers import Waiver, parse_waivers


def _read(path: Path, what: str) -> tuple[str, bytes]:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the {what} file: {exc.strerror}") from None
    try:
        return raw.decode("utf-8"), raw
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: the {what} file is not UTF-8 text") from None


def load_policy(path: Path) -> tuple[Policy, str]:
    """The typed policy and the SHA-256 of the file's bytes, which every evidence run records."""
    text, raw = _read(path, "policy")
    return parse_policy(text, str(path)), sha256_hex(raw)


def load_waivers(path: Path) -> tuple[tuple[Waiver, ...], str]:
    """The waivers and the SHA-256 of the file's bytes; check ids are held against the registry."""
    from checks import CHECKS

    text, raw = _read(path, "waivers")
    return parse_waivers(text, str(path), CHECKS), sha256_hex(raw)

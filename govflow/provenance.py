"""Which code produced a piece of evidence: the package version and, in a checkout, the commit."""

from __future__ import annotations

import functools
import subprocess

from govflow import __version__
from govflow.settings import PACKAGE_ROOT


@functools.cache
def code_version() -> str:
    """`govflow <version>` plus `+g<commit>` (and `.dirty`) when running from a git checkout."""
    if not (PACKAGE_ROOT / ".git").exists():  # a wheel in site-packages: any repository around it is not ours
        return f"govflow {__version__}"
    try:
        sha = subprocess.run(["git", "-C", str(PACKAGE_ROOT), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(PACKAGE_ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f"govflow {__version__}"
    return f"govflow {__version__}+g{sha}{'.dirty' if dirty else ''}"

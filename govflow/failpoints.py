"""Named points in the record path where a test can have the process killed, as a power cut or an OOM kill
would: `GOVFLOW_FAILPOINT=<name>` makes the process SIGKILL itself on reaching that point.

Used by the crash-consistency tests (tests/servers/test_crash_matrix.py) to stop a real `govflow` process at
each step of recording; unset, a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

POINTS = ("before_artifacts", "after_artifacts", "after_manifest", "after_head", "after_recorded_hash")


def failpoint(name: str) -> None:
    """Die here, without cleanup, if GOVFLOW_FAILPOINT names this point."""
    if name not in POINTS:
        raise ValueError(f"unknown failpoint {name!r}; known: {', '.join(POINTS)}")
    if os.environ.get("GOVFLOW_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)

"""The witness log (GOVFLOW_WITNESS_LOG): each recording's chain head, published again as a signed checkpoint
(checks/witness.py) to a file the operator keeps apart from MLflow and the head store: another volume, an
append-only object-store mount. Appends are fsynced, one line each, under the model's chain lock."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from govflow.checks.heads import Head
from govflow.checks.witness import Checkpoint, checkpoint_line, checkpoint_note, parse_witness_log
from govflow.tasks.signing import sign
from govflow.tasks.task_type import NO_CACHE, task

log = logging.getLogger("govflow.witness")


@task(cache_policy=NO_CACHE)  # no retry: a line that reached the file before an error must not be doubled
def publish_checkpoint(path: Path, head: Head, signing_key: Path | None = None) -> bool:
    """Append the head's checkpoint; say whether it was written. A witness out of reach does not undo the
    recording (its head is the commit point): it is logged, and the next recording's checkpoint covers this
    one, since each manifest names the one before it."""
    note = checkpoint_note(head.model, head.sequence, head.manifest_sha256, head.run_id, head.at)
    signature = sign(signing_key, note.encode()).decode().strip() if signing_key is not None else None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, checkpoint_line(note, signature))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("the witness log %s could not be written (%s): the checkpoint of '%s' sequence %s is not "
                    "published; the next recording's checkpoint covers it", path, exc.strerror, head.model,
                    head.sequence)
        return False
    return True


def read_witness(path: Path) -> list[Checkpoint]:
    """Every checkpoint in the witness log at `path`; WitnessError (bad input) when a line is not one, or
    when there is no such file."""
    from govflow.checks.witness import WitnessError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WitnessError(f"--witness {path}: {exc.strerror}") from None
    return parse_witness_log(data, str(path))

"""The head store: each model's chain head published to an append-only log outside MLflow, and the per-model
lock that serialises recording across processes.

Someone who administers MLflow can rewrite a whole chain consistently; they cannot also rewrite a log kept
elsewhere (another host, WORM storage) that already recorded the head. The log is also the authority for a
model's chain tip: the next manifest's sequence number and previous hash come from it, never from an MLflow
search by time, so two processes cannot both extend the same tip.

Why a file lock and not Prefect's global concurrency limits: a limit's slot is a lease held in the Prefect
server's memory (lost on a restart, leaked for the lease time when a holder is killed), and recording also
happens outside Prefect deployments (the CLI, the Dask workers). An `fcntl` lock is released by the kernel
the instant its holder dies, which is exactly what a SIGKILL mid-record needs.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from checks.heads import Head, HeadLog, head_line, healed_line, parse_head_log
from checks.manifest import sha256_hex
from tasks.signing import sign


class ChainLockTimeout(RuntimeError):
    """Another process held the model's chain lock for longer than the wait allowed."""


def read_heads(path: Path) -> HeadLog:
    """Every published head with the log's defects named; an empty log marked absent when there is no file."""
    path = Path(path)
    if not path.exists():
        return HeadLog((), (), exists=False)
    return parse_head_log(path.read_bytes(), str(path))


def _lock_path(log: Path, model: str) -> Path:
    # Model names may hold any character; the lock file is named by a hash of the name.
    return Path(f"{log}.locks") / f"{sha256_hex(model.encode())[:24]}.lock"


@contextmanager
def model_lock(log: Path, model: str, timeout_seconds: float = 600) -> Iterator[None]:
    """Hold the model's chain lock (an exclusive `fcntl` lock beside the head log) for the block.

    Every process that records for the model, on any host that mounts the log's folder, waits here; the
    kernel releases the lock when its holder exits, however it exits.
    """
    path = _lock_path(Path(log), model)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ChainLockTimeout(f"the chain lock of '{model}' ({path}) was held for more than "
                                           f"{timeout_seconds:.0f} s by another process") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@task(retries=2, retry_delay_seconds=[1, 4], cache_policy=NO_CACHE)
def chain_tip(path: Path, model: str) -> Head | None:
    """The model's latest published head; call with the model's lock held."""
    return read_heads(path).tip(model)


@task(cache_policy=NO_CACHE)  # no retry: a write that reached the disk before an error must not be doubled
def append_head(path: Path, model: str, sequence: int, manifest_sha256: str, run_id: str,
                signing_key: Path | None = None) -> Head:
    """Append the model's new head, fsynced, signed given a key; call with the model's lock held.

    A line an earlier writer left cut off is ended first and accounted for by a `healed` record, so the new
    head is never glued to a fragment.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    head = Head(model, sequence, manifest_sha256, run_id, at)
    if signing_key is not None:
        head = Head(model, sequence, manifest_sha256, run_id, at, sign(signing_key, head.signed_bytes()).decode().strip())
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # other models' writers append to the same file
        size = os.fstat(fd).st_size
        out = head_line(head)
        if size and os.pread(fd, 1, size - 1) != b"\n":
            tail = os.pread(fd, min(size, 1 << 16), max(0, size - (1 << 16)))
            start = size - len(tail) + tail.rfind(b"\n") + 1 if b"\n" in tail else size - len(tail)
            fragment = os.pread(fd, size - start, start)
            out = b"\n" + healed_line(start, fragment) + out
        os.write(fd, out)
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:  # the new file's directory entry must reach the disk too
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return head


read_published_heads = task(read_heads, name="read_published_heads", retries=2, retry_delay_seconds=[1, 4],
                            cache_policy=NO_CACHE)

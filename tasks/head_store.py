"""Where each model's chain heads are published, and the per-model lock that serialises recording: an
append-only file (the embedded default) or govflow's PostgreSQL database (GOVFLOW_DATABASE_URL), which every
receiver and worker on every host shares. Both keep one contract: call `tip` and `append` holding `lock`.

Someone who administers MLflow can rewrite a whole chain consistently; they cannot also rewrite a store kept
elsewhere that already recorded the head. The store is also the authority for a model's chain tip: the next
manifest's sequence number and previous hash come from it, never from an MLflow search by time, so two
processes cannot both extend the same tip.

Why these locks and not Prefect's global concurrency limits: a limit's slot is a lease held in the Prefect
server's memory (lost on a restart, leaked for the lease time when a holder is killed), and recording also
happens outside Prefect deployments (the CLI, the Dask workers). An `fcntl` lock is released by the kernel, and
a PostgreSQL session lock by the server, the instant the holder's process or connection dies, which is exactly
what a SIGKILL mid-record needs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from govflow.checks.heads import Head, HeadLog, head_line, healed_line, parse_head_log
from govflow.checks.manifest import sha256_hex
from govflow.redact import without_credentials


class ChainLockTimeout(RuntimeError):
    """Another process held the model's chain lock for longer than the wait allowed."""


class HeadConflict(RuntimeError):
    """A head at this model's sequence was already published: another writer got there without the lock."""


def _wait(try_lock, model: str, where: str, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not try_lock():
        if time.monotonic() > deadline:
            raise ChainLockTimeout(f"the chain lock of '{model}' ({where}) was held for more than "
                                   f"{timeout_seconds:.0f} s by another process")
        time.sleep(0.05)


@dataclass(frozen=True)
class FileHeadStore:
    """One JSON line per head in an fsynced append-only file; the lock is an `fcntl` lock beside it, shared by
    every process on every host that mounts the file's folder."""

    path: Path

    def describe(self) -> str:
        return f"the head log {self.path}"

    def read(self) -> HeadLog:
        """Every published head with the log's defects named; marked absent when there is no file."""
        if not self.path.exists():
            return HeadLog((), (), exists=False)
        return parse_head_log(self.path.read_bytes(), str(self.path))

    @contextmanager
    def lock(self, model: str, timeout_seconds: float) -> Iterator[None]:
        # Model names may hold any character; the lock file is named by a hash of the name.
        path = Path(f"{self.path}.locks") / f"{sha256_hex(model.encode())[:24]}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            def try_lock() -> bool:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    return False

            _wait(try_lock, model, str(path), timeout_seconds)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def append(self, head: Head) -> None:
        """Append the head, fsynced. A line an earlier writer left cut off is ended first and accounted for by
        a `healed` record, so the new head is never glued to a fragment."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
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
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


@dataclass(frozen=True)
class DatabaseHeadStore:
    """Heads as rows of `govflow_chain_heads`, unique per model and sequence; the lock is a PostgreSQL session
    advisory lock keyed by the model, held on its own connection for the block."""

    url: SecretStr

    def describe(self) -> str:
        return f"the head store in {without_credentials(self.url.get_secret_value())}"

    def _connect(self, autocommit: bool = False):
        from govflow.database import connect

        return connect(self.url.get_secret_value(), autocommit=autocommit)

    def read(self) -> HeadLog:
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT position, model, sequence, manifest_sha256, run_id, at, signature "
                            "FROM govflow_chain_heads ORDER BY position")
                rows = cur.fetchall()
        finally:
            conn.close()
        return HeadLog(tuple(Head(m, s, h, r, a, sig, int(p)) for p, m, s, h, r, a, sig in rows))

    @contextmanager
    def lock(self, model: str, timeout_seconds: float) -> Iterator[None]:
        from govflow.database import advisory_key

        key = advisory_key(f"chain:{model}")
        conn = self._connect(autocommit=True)
        try:
            def try_lock() -> bool:
                with conn.cursor() as cur:
                    cur.execute("SELECT pg_try_advisory_lock(%s)", (key,))
                    row = cur.fetchone()
                    return bool(row and row[0])

            _wait(try_lock, model, f"advisory lock {key}", timeout_seconds)
            try:
                yield
            finally:
                if not conn.closed:
                    import psycopg2

                    # A lost connection has released the lock already; there is nothing left to unlock.
                    with contextlib.suppress(psycopg2.Error), conn.cursor() as cur:
                        cur.execute("SELECT pg_advisory_unlock(%s)", (key,))
        finally:
            conn.close()

    def append(self, head: Head) -> None:
        """Insert the head and commit (durable once this returns); a head already at that sequence is a
        conflict, never a second head."""
        import psycopg2

        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO govflow_chain_heads (model, sequence, manifest_sha256, run_id, at, signature) "
                            "VALUES (%s, %s, %s, %s, %s, %s)", (head.model, head.sequence, head.manifest_sha256,
                                                                head.run_id, head.at, head.signature))
            conn.commit()
        except psycopg2.errors.UniqueViolation:
            raise HeadConflict(f"'{head.model}' already has a head at sequence {head.sequence} in "
                               f"{self.describe()}: another writer recorded without the chain lock") from None
        finally:
            conn.close()


    def copy_in(self, heads: tuple[Head, ...]) -> tuple[int, int, list[str]]:
        """Insert heads published elsewhere (a head log moving here), in their order, in one transaction:
        (inserted, already here, conflicts). A head already here with another hash or run is a conflict, named
        and left as it is."""
        conn = self._connect()
        inserted, present, conflicts = 0, 0, []
        try:
            with conn.cursor() as cur:
                for head in heads:
                    cur.execute("INSERT INTO govflow_chain_heads (model, sequence, manifest_sha256, run_id, at, signature) "
                                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (model, sequence) DO NOTHING",
                                (head.model, head.sequence, head.manifest_sha256, head.run_id, head.at, head.signature))
                    if cur.rowcount:
                        inserted += 1
                        continue
                    cur.execute("SELECT manifest_sha256, run_id FROM govflow_chain_heads WHERE model = %s AND "
                                "sequence = %s", (head.model, head.sequence))
                    if cur.fetchone() == (head.manifest_sha256, head.run_id):
                        present += 1
                    else:
                        conflicts.append(f"'{head.model}' sequence {head.sequence}: {self.describe()} holds another "
                                         "head there")
            conn.commit()
        finally:
            conn.close()
        return inserted, present, conflicts


HeadStore = FileHeadStore | DatabaseHeadStore

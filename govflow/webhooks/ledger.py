"""Which webhook deliveries the receiver has accepted, kept in SQLite so a restart forgets nothing: each
delivery id is accepted once, and one event (model, version, action) starts one job however often it comes."""

from __future__ import annotations

import sqlite3
import threading
from enum import Enum
from pathlib import Path


class Admission(str, Enum):
    ACCEPTED = "accepted"
    REPLAY = "replay"        # this delivery id was accepted before
    DUPLICATE = "duplicate"  # another delivery of the same event was accepted within the window


class DeliveryLedger:
    """Accepted deliveries; entries older than the window are dropped, since the timestamp check rejects them."""

    def __init__(self, path: Path, window_seconds: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("CREATE TABLE IF NOT EXISTS delivery (id TEXT PRIMARY KEY, event TEXT NOT NULL, at REAL NOT NULL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS delivery_event ON delivery (event, at)")
        self._lock = threading.Lock()
        self._window = window_seconds

    def admit(self, delivery_id: str, event: str, now: float) -> Admission:
        """Record the delivery unless its id or its event was seen; say which."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # Kept twice the window: a delivery id must outlive every timestamp the tolerance accepts.
                self._db.execute("DELETE FROM delivery WHERE at < ?", (now - 2 * self._window,))
                if self._db.execute("SELECT 1 FROM delivery WHERE id = ?", (delivery_id,)).fetchone():
                    return Admission.REPLAY
                seen = self._db.execute("SELECT 1 FROM delivery WHERE event = ? AND at >= ?",
                                        (event, now - self._window)).fetchone()
                self._db.execute("INSERT INTO delivery (id, event, at) VALUES (?, ?, ?)", (delivery_id, event, now))
                return Admission.DUPLICATE if seen else Admission.ACCEPTED
            finally:
                self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

"""Which webhook deliveries the receivers have accepted, kept durably so a restart forgets nothing: each
delivery id is accepted once, and one event (model, version, action) starts one job however often it comes.

A delivery is admitted as *pending*, claimed by the receiver handing its job off, and only counts as accepted
once the job was handed off durably (`confirm`). If the hand-off fails it is `release`d, so MLflow's retry of
the same delivery id is admitted again instead of being refused as a replay. While a delivery is pending, the
same id is *in progress* (answered 503, so MLflow retries later) until its claim is older than the hand-off
lease (the receiver died mid hand-off): then the retry takes the claim over. Any other delivery of an event
whose hand-off is pending or accepted within the window is a duplicate, confirmed at once, and never
admitted again; a released hand-off no longer holds the event, so its retry is admitted. One event, one
hand-off, however many receivers and deliveries race.

One receiver keeps its ledger in SQLite; several receivers (on several hosts) share one in govflow's
PostgreSQL database (GOVFLOW_DATABASE_URL), where an advisory lock makes each admission atomic across them.
"""

from __future__ import annotations

import sqlite3
import threading
from enum import Enum
from pathlib import Path

from govflow.settings import Settings


class Admission(str, Enum):
    ACCEPTED = "accepted"
    REPLAY = "replay"        # this delivery id was accepted before
    DUPLICATE = "duplicate"  # another delivery of the same event was admitted within the window
    IN_PROGRESS = "in_progress"  # this delivery id is being handed off by another request or receiver


def _decide(own: tuple[bool, float] | None, event_seen: bool, now: float, lease_seconds: float) -> Admission:
    """The admission rule both ledgers apply inside their lock: `own` is this delivery id's (confirmed,
    claimed at) if it is in the ledger, `event_seen` whether another delivery holds its event's hand-off."""
    if own is not None:
        confirmed, claimed = own
        if confirmed:
            return Admission.REPLAY
        return Admission.IN_PROGRESS if now - claimed < lease_seconds else Admission.ACCEPTED
    return Admission.DUPLICATE if event_seen else Admission.ACCEPTED


class DeliveryLedger:
    """Deliveries admitted; entries older than the window are dropped, since the timestamp check rejects them."""

    def __init__(self, path: Path, window_seconds: int, lease_seconds: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an accepted delivery survives a power cut
        self._db.execute("CREATE TABLE IF NOT EXISTS delivery (id TEXT PRIMARY KEY, event TEXT NOT NULL, at REAL NOT NULL)")
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(delivery)")}
        if "confirmed" not in columns:  # ledgers written before hand-offs were confirmed held only accepted ones
            self._db.execute("ALTER TABLE delivery ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1")
        if "claimed" not in columns:  # when the hand-off was last claimed; NULL reads as `at`
            self._db.execute("ALTER TABLE delivery ADD COLUMN claimed REAL")
        if "duplicate" not in columns:  # a duplicate's row keeps its id from being admitted, not its event
            self._db.execute("ALTER TABLE delivery ADD COLUMN duplicate INTEGER NOT NULL DEFAULT 0")
        self._db.execute("CREATE INDEX IF NOT EXISTS delivery_event ON delivery (event, at)")
        self._lock = threading.Lock()
        self._window, self._lease = window_seconds, lease_seconds

    def admit(self, delivery_id: str, event: str, now: float) -> Admission:
        """Record the delivery as pending (claimed now) unless `_decide` says otherwise; say which."""
        with self._lock:
            # IMMEDIATE takes the file's write lock first: receivers in other processes admit one at a time.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # Kept twice the window: a delivery id must outlive every timestamp the tolerance accepts.
                self._db.execute("DELETE FROM delivery WHERE at < ?", (now - 2 * self._window,))
                row = self._db.execute("SELECT confirmed, COALESCE(claimed, at) FROM delivery WHERE id = ?",
                                       (delivery_id,)).fetchone()
                seen = row is None and self._db.execute(
                    "SELECT 1 FROM delivery WHERE event = ? AND at >= ? AND duplicate = 0",
                    (event, now - self._window)).fetchone() is not None
                admission = _decide((bool(row[0]), row[1]) if row else None, seen, now, self._lease)
                if row is None:
                    self._db.execute("INSERT INTO delivery (id, event, at, confirmed, claimed, duplicate) "
                                     "VALUES (?, ?, ?, 0, ?, ?)", (delivery_id, event, now, now, int(seen)))
                elif admission is Admission.ACCEPTED:  # a claim past its lease, taken over
                    self._db.execute("UPDATE delivery SET claimed = ? WHERE id = ?", (now, delivery_id))
                return admission
            finally:
                self._db.execute("COMMIT")

    def confirm(self, delivery_id: str) -> None:
        """The delivery's job was handed off: from now on the id is a replay."""
        with self._lock:
            self._db.execute("UPDATE delivery SET confirmed = 1 WHERE id = ?", (delivery_id,))

    def release(self, delivery_id: str) -> None:
        """The hand-off failed: forget the delivery, so MLflow's retry of it is admitted."""
        with self._lock:
            self._db.execute("DELETE FROM delivery WHERE id = ? AND confirmed = 0", (delivery_id,))

    def close(self) -> None:
        self._db.close()


class DatabaseLedger:
    """The same ledger as rows of `govflow_webhook_deliveries`, shared by every receiver that reaches the
    database; one admission at a time across all of them (a transaction-scoped advisory lock)."""

    def __init__(self, url: str, window_seconds: int, lease_seconds: float) -> None:
        from govflow.database import advisory_key, connect

        self._connect = lambda: connect(url)
        self._key = advisory_key("webhook-ledger")
        self._window, self._lease = window_seconds, lease_seconds
        self._connect().close()  # an unreachable database fails the receiver's start, not its first delivery

    def _transaction(self, statements):
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                result = statements(cur)
            conn.commit()
            return result
        finally:
            conn.close()

    def admit(self, delivery_id: str, event: str, now: float) -> Admission:
        def admit(cur) -> Admission:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (self._key,))
            cur.execute("DELETE FROM govflow_webhook_deliveries WHERE at < %s", (now - 2 * self._window,))
            cur.execute("SELECT confirmed, COALESCE(claimed, at) FROM govflow_webhook_deliveries WHERE id = %s",
                        (delivery_id,))
            row = cur.fetchone()
            seen = False
            if row is None:
                cur.execute("SELECT 1 FROM govflow_webhook_deliveries WHERE event = %s AND at >= %s AND NOT duplicate",
                            (event, now - self._window))
                seen = cur.fetchone() is not None
            admission = _decide((bool(row[0]), float(row[1])) if row else None, seen, now, self._lease)
            if row is None:
                cur.execute("INSERT INTO govflow_webhook_deliveries (id, event, at, confirmed, claimed, duplicate) "
                            "VALUES (%s, %s, %s, false, %s, %s)", (delivery_id, event, now, now, seen))
            elif admission is Admission.ACCEPTED:  # a claim past its lease, taken over
                cur.execute("UPDATE govflow_webhook_deliveries SET claimed = %s WHERE id = %s", (now, delivery_id))
            return admission

        return self._transaction(admit)

    def confirm(self, delivery_id: str) -> None:
        self._transaction(lambda cur: cur.execute(
            "UPDATE govflow_webhook_deliveries SET confirmed = true WHERE id = %s", (delivery_id,)))

    def release(self, delivery_id: str) -> None:
        self._transaction(lambda cur: cur.execute(
            "DELETE FROM govflow_webhook_deliveries WHERE id = %s AND NOT confirmed", (delivery_id,)))

    def close(self) -> None:
        pass


def open_ledger(settings: Settings) -> DeliveryLedger | DatabaseLedger:
    """The database's ledger when GOVFLOW_DATABASE_URL is set, else the data dir's SQLite file."""
    if settings.database_url is not None:
        return DatabaseLedger(settings.database_url.get_secret_value(), settings.webhook_tolerance_seconds,
                              settings.webhook_handoff_seconds)
    return DeliveryLedger(settings.webhook_ledger, settings.webhook_tolerance_seconds, settings.webhook_handoff_seconds)

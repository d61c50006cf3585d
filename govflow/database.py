"""govflow's own tables in PostgreSQL (GOVFLOW_DATABASE_URL): the chain head store and the webhook delivery
ledger, shared by every receiver and worker on every host. Sits under everything, beside the settings.

Connections are short-lived and opened per use: a worker may run for days, and a database restart must cost
one failed call, not a broken pool.
"""

from __future__ import annotations

import hashlib
import os
from urllib.parse import urlsplit

SCHEMA = (
    # One row per published head; the key makes a second head at one model's sequence impossible, whatever
    # happens to the advisory lock that normally serialises recording.
    """CREATE TABLE IF NOT EXISTS govflow_chain_heads (
        position BIGSERIAL UNIQUE,
        model TEXT NOT NULL,
        sequence BIGINT NOT NULL CHECK (sequence >= 1),
        manifest_sha256 TEXT NOT NULL,
        run_id TEXT NOT NULL,
        at TEXT NOT NULL,
        signature TEXT,
        PRIMARY KEY (model, sequence))""",
    """CREATE TABLE IF NOT EXISTS govflow_webhook_deliveries (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL,
        confirmed BOOLEAN NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS govflow_webhook_deliveries_event ON govflow_webhook_deliveries (event, at)",
    # When a pending delivery's hand-off was last claimed (NULL: when it was admitted).
    "ALTER TABLE govflow_webhook_deliveries ADD COLUMN IF NOT EXISTS claimed DOUBLE PRECISION",
    # A duplicate's row keeps its own id from being admitted again; it does not hold its event.
    "ALTER TABLE govflow_webhook_deliveries ADD COLUMN IF NOT EXISTS duplicate BOOLEAN NOT NULL DEFAULT false",
)


class DatabaseUnavailable(RuntimeError):
    """The database named by GOVFLOW_DATABASE_URL could not be reached or refused the credentials."""


def libpq_url(url: str) -> str:
    """A URL psycopg2 accepts: SQLAlchemy's `postgresql+psycopg2://` (as MLflow takes it) loses its driver."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError(f"GOVFLOW_DATABASE_URL must be a postgresql:// URL, not '{scheme}://...'")
    return f"postgresql://{rest}"


def connect(url: str, autocommit: bool = False):
    """A new connection, with the schema in place; errors name the server, never the password."""
    import psycopg2

    try:
        # libpq reads PGCONNECT_TIMEOUT (GOVFLOW_STORE_TIMEOUT_SECONDS, set by apply_environment); 10 s without it.
        timeout = os.environ.get("PGCONNECT_TIMEOUT", "10")
        conn = psycopg2.connect(libpq_url(url), connect_timeout=timeout, application_name="govflow")
    except psycopg2.OperationalError as exc:
        where = urlsplit(libpq_url(url))
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot reach govflow's database at {where.hostname}:{where.port or 5432}"
                                  f"{where.path}: {first}") from None
    conn.autocommit = autocommit
    _ensure_schema(conn)
    return conn


_ready: set[str] = set()


def _ensure_schema(conn) -> None:
    key = conn.dsn
    if key in _ready:
        return
    autocommit = conn.autocommit
    conn.autocommit = False
    with conn.cursor() as cur:
        # Two processes creating the tables at once would race on the catalog; one takes this lock first.
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("govflow-schema"),))
        for statement in SCHEMA:
            cur.execute(statement)
    conn.commit()
    conn.autocommit = autocommit
    _ready.add(key)


def advisory_key(name: str) -> int:
    """A signed 64-bit key for pg_advisory_lock from any name (model names may hold any character)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)

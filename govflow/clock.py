"""The time govflow acts at: the real UTC clock, or the `now` setting (GOVFLOW_NOW) when it is set.

GOVFLOW_NOW replays governance as of a past moment (a backfill, or the demo's simulated weeks): run start
times, manifests, published heads, due dates and waiver expiry all read it, and every governance run opened
under it is tagged `governance.clock`, so a backdated run says so in MLflow."""

from __future__ import annotations

from datetime import UTC, datetime

from govflow.settings import Settings


def simulated() -> datetime | None:
    """The moment GOVFLOW_NOW sets, or None on the real clock."""
    moment = Settings().now
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def now() -> datetime:
    """The current moment, timezone-aware UTC."""
    return simulated() or datetime.now(UTC)


def now_ms() -> int:
    """`now()` in MLflow's milliseconds since the epoch."""
    return int(now().timestamp() * 1000)

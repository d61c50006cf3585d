"""The time govflow acts at: the real UTC clock, or the `now` setting (GOVFLOW_NOW) when it is set.

GOVFLOW_NOW replays governance as of a past moment (a backfill, or the demo's simulated weeks): run start
times, manifests, published heads, due dates and waiver expiry all read it, and every governance run opened
under it is tagged `governance.clock`, so a backdated run says so in MLflow.

A simulated clock runs on from its moment at real speed, from when this process first read that moment: runs
recorded one after another under one setting (a gate, a sign-off, the gate again) keep their order, which the
register and the chain read from their times."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from govflow.settings import Settings

_STARTED: dict[datetime, float] = {}  # each simulated moment -> when this process first read it (monotonic)
_LOCK = threading.Lock()


def simulated() -> datetime | None:
    """The moment GOVFLOW_NOW sets, or None on the real clock."""
    moment = Settings().now
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def now() -> datetime:
    """The current moment, timezone-aware UTC."""
    moment = simulated()
    if moment is None:
        return datetime.now(UTC)
    with _LOCK:
        started = _STARTED.setdefault(moment, time.monotonic())
    return moment + timedelta(seconds=time.monotonic() - started)


def now_ms() -> int:
    """`now()` in MLflow's milliseconds since the epoch."""
    return int(now().timestamp() * 1000)

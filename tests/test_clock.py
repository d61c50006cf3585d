"""The clock govflow acts at: GOVFLOW_NOW, read as UTC when it names no zone, or the real one."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from govflow import clock


def test_unset_it_is_the_real_clock(monkeypatch):
    monkeypatch.delenv("GOVFLOW_NOW", raising=False)
    assert clock.simulated() is None
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-10-12", datetime(2026, 10, 12, tzinfo=UTC)),
    ("2026-10-12T02:00:00", datetime(2026, 10, 12, 2, tzinfo=UTC)),
    ("2026-10-12T04:00:00+02:00", datetime(2026, 10, 12, 2, tzinfo=UTC)),
])
def test_govflow_now_is_read_as_utc_and_runs_on_from_there(monkeypatch, value, expected):
    monkeypatch.setenv("GOVFLOW_NOW", value)
    monkeypatch.setattr(clock, "_STARTED", {})  # the moment starts running when this test first reads it
    assert clock.simulated() == expected
    first, second = clock.now(), clock.now()
    assert expected <= first < second < expected + timedelta(seconds=30) and first.tzinfo == UTC
    assert int(expected.timestamp() * 1000) <= clock.now_ms() < int(expected.timestamp() * 1000) + 30_000


def test_a_value_that_is_no_date_names_the_setting(monkeypatch):
    monkeypatch.setenv("GOVFLOW_NOW", "last tuesday")
    with pytest.raises(ValidationError, match="now"):
        clock.now()

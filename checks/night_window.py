"""Which of a deployment's periods a monitoring night reads the rows of, so that night 365 reads, scores and
splits what night 30 does instead of the whole life.

A night needs the rows of: the last run's last period (its rows may have grown) and every later one (new
rows), the one before it (the latest closed period, which lifetime drift reports when nothing is new), the
last `window` labelled periods (performance, its decay window, estimates, explanation stability), and for
each lifetime sequence the periods after those its state has taken in. Every period before the first of
these is known as the last run recorded it (name, first moment, whether it held outcomes). A night that
cannot tell reads every row: no record, a lifetime sequence without a state, fewer than `window` labelled
periods so far (any period's outcomes could still arrive and put it in the window).

Why the labelled window is covered: a period before the last run's last `window` labelled periods has
`window` labelled periods after it, which are still labelled tonight, so it cannot be among tonight's last
`window`, whether it held outcomes last night or they arrive tonight. tests/checks/test_night_window.py holds
the night's judgements on these periods to those on every row over a simulated year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class SeenPeriod:
    """One period of the deployment as a night saw it: its name, its first moment (ISO) and whether any of its
    rows held an outcome."""

    name: str
    start: str
    labelled: bool

    def document(self) -> list[Any]:
        return [self.name, self.start, self.labelled]

    @staticmethod
    def from_document(document: Any) -> SeenPeriod:
        name, start, labelled = document
        if not isinstance(labelled, bool):
            raise ValueError(f"not a period's record: {document!r}")
        pd.Timestamp(str(start))  # ValueError when it is no moment
        return SeenPeriod(str(name), str(start), labelled)


@dataclass(frozen=True)
class NightWindow:
    """The first moment whose rows the night reads (None: every row) and the periods before it, as the last
    run saw them."""

    rows_from: str | None
    earlier: tuple[SeenPeriod, ...] = ()
    why: str = ""

    @property
    def earlier_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.earlier)

    @property
    def earlier_labelled(self) -> bool:
        return any(p.labelled for p in self.earlier)

    def document(self) -> dict[str, Any]:
        return {"rows_from": self.rows_from, "periods_not_read": len(self.earlier), "why": self.why}


EVERY_ROW = "every row is read"


def plan_window(seen: Sequence[SeenPeriod], start: str | None, window: int,
                lifetime_after: Mapping[str, str | None]) -> NightWindow:
    """The night's window from the periods the last run saw (`seen`, in order), where tonight's new rows start
    (`start`, the last run's end; None: from the first row), the number of labelled periods the night's
    judgements pool (`window`; 0 when no outcome column is declared) and, per lifetime sequence the night
    continues, the last period its state has taken in (None: it has none and starts from the first period)."""
    if not seen or start is None:
        return NightWindow(None, why=f"the last monitoring run recorded no periods or judged none: {EVERY_ROW}")
    names = [p.name for p in seen]
    # The period holding `start` (rows after it are new; a blocked last run's start can be far back).
    moment = pd.Timestamp(start)
    moment = moment.tz_localize(None) if moment.tzinfo is not None else moment  # periods hold wall time
    holding = max((i for i, p in enumerate(seen) if pd.Timestamp(p.start) <= moment), default=0)
    first = max(0, holding - 1)  # and the one before: the latest closed period when nothing is new
    labelled = [i for i, period in enumerate(seen) if period.labelled]
    if window > 0 and len(labelled) < window:  # any period could still be among the last `window` labelled
        return NightWindow(None, why=f"fewer than {window} labelled period(s) so far: {EVERY_ROW}")
    if window > 0:
        first = min(first, labelled[-window])
    for family, last in sorted(lifetime_after.items()):
        if last is None or last not in names:
            return NightWindow(None, why=f"{family} has no state to continue from the last run: {EVERY_ROW}")
        first = min(first, names.index(last) + 1)
    if first == 0:
        return NightWindow(None, why=f"the deployment's first period is still needed: {EVERY_ROW}")
    return NightWindow(seen[first].start, tuple(seen[:first]), why=(
        f"{first} period(s) before {seen[first].name} are closed, outside the labelled window and taken in by "
        f"every lifetime sequence: their rows are not read"))


def rows_from(frame: pd.DataFrame, timestamp: str, start: str | None) -> pd.DataFrame:
    """The rows stamped at or after `start` (a period's first moment, wall time), and those whose stamp cannot
    be read (so the night still reports them); every row when `start` is None or the column is absent."""
    if start is None or timestamp not in frame.columns:
        return frame
    column = frame[timestamp]
    # Stamps stored as datetimes are used as they are: to_datetime would still look at them one by one.
    stamps = column if pd.api.types.is_datetime64_any_dtype(column) else pd.to_datetime(column, errors="coerce")
    bound = pd.Timestamp(start)
    if getattr(stamps.dt, "tz", None) is not None:  # periods are split on wall time in the stamps' own zone
        bound = bound.tz_localize(stamps.dt.tz)
    return frame[(stamps >= bound) | stamps.isna()]


def seen_periods(earlier: Sequence[SeenPeriod], periods: Sequence[tuple[str, pd.DataFrame]], timestamp: str,
                 freq: str, label: str) -> tuple[SeenPeriod, ...]:
    """Every period of the deployment after tonight: those not read as the last run saw them, then tonight's."""
    tonight = []
    for name, rows in periods:
        # Split periods hold readable stamps only; a zone's stamp is cut on its wall time, as the split does.
        first = pd.Timestamp(rows[timestamp].iloc[0]).tz_localize(None).to_period(freq)
        tonight.append(SeenPeriod(name, first.start_time.isoformat(),
                                  bool(label and label in rows.columns and rows[label].notna().any())))
    return (*earlier, *tonight)

"""A night that reads only its latest periods (checks/night_window.py) judges what a night reading every row
judges: a simulated year of daily periods with outcomes five days late, a week whose outcomes never arrive,
one day's arriving a month late and a night with no new rows. Every night runs from its window, continuing
from the state the last night kept (through its evidence file's JSON); on seventeen of them (each costs the
whole life so far) the labelled window, lifetime drift, the decay and fairness sequences and whether outcomes
are known are also computed on every row and must be equal; and from the second month on the night reads a
bounded number of periods, however old the deployment."""

import json

import numpy as np
import pandas as pd
import pytest

from govflow.checks.lifetime import closed, continue_decay, continue_fairness, lifetime_drift
from govflow.checks.lifetime_state import LifetimeState
from govflow.checks.manifest import canonical_json
from govflow.checks.night_window import NightWindow, SeenPeriod, plan_window, rows_from, seen_periods
from govflow.checks.periods import labelled_window, rows_after, split_periods
from govflow.checks.policy import DriftMateriality, LifetimeDecayRule, LifetimeDriftRule, LifetimeFairnessRule
from tests.checks.policies import fairness_rules

DAYS, ROWS, LAG, WINDOW = 365, 60, 5, 3
NEVER = range(40, 46)  # the outcome feed lost these days
LATE = {120: 150}  # day 120's outcomes arrive on night 150
QUIET = 200  # no new rows that night
DRIFT = LifetimeDriftRule(alpha=0.05, min_samples=50, materiality=DriftMateriality(ks=0.05, tvd=0.05))
DECAY = LifetimeDecayRule(alpha=0.05, max_worsening={"accuracy": 0.05, "recall": 0.05})
GAPS = LifetimeFairnessRule(alpha=0.05, gaps=("demographic_parity_difference", "equal_opportunity_difference"),
                            seed=7)
BASELINE = {"accuracy": 0.85, "recall": 0.85}
# The nights also judged on every row (each costs the whole life so far); the window's chain runs every night.
COMPARED = {*range(1, 9), 55, 60, 61, 150, 151, QUIET, QUIET + 1, 301, DAYS}
REFERENCE = pd.DataFrame({"sex": ["f", "m", "x"] * 100, "x": np.random.default_rng(5).normal(0, 1, 300)})


def _year() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    day = np.repeat(np.arange(1, DAYS + 1), ROWS)
    label = rng.integers(0, 2, len(day))
    pred = np.where(rng.random(len(day)) < np.where(day > 250, 0.72, 0.86), label, 1 - label)
    sex = rng.choice(["f", "m", "x"], len(day), p=[0.45, 0.45, 0.1])
    pred = np.where((day > 100) & (sex == "f") & (rng.random(len(day)) < 0.6), 0, pred)
    stamps = pd.Timestamp("2026-01-01") + pd.to_timedelta(day - 1, unit="D") + pd.to_timedelta(
        rng.integers(0, 86_400, len(day)), unit="s")
    return pd.DataFrame({"ts": stamps, "day": day, "sex": sex, "x": rng.normal(np.where(day > 300, 0.4, 0), 1),
                         "label": label.astype(float), "pred": pred})


def _as_of(year: pd.DataFrame, night: int) -> pd.DataFrame:
    """The rows night `night` finds: its days so far, outcomes known for those that have them by then."""
    rows = year[year["day"] <= (night - 1 if night == QUIET else night)].copy()
    due = rows["day"].to_numpy() + LAG
    for day, night_due in LATE.items():
        due[rows["day"].to_numpy() == day] = night_due
    rows.loc[(due > night) | rows["day"].isin(NEVER), "label"] = np.nan
    return rows


def _drift(periods, new: set[str], earlier: int = 0):
    looks = closed(periods)
    report = {p for p, _ in looks if p in new} | ({looks[-1][0]} if looks else set())
    return report, lifetime_drift(REFERENCE, periods, ["x", "sex"], report, DRIFT, earlier)


def _names(periods) -> list[str]:
    return [name for name, _ in periods]


def _through_evidence(state: LifetimeState, window: NightWindow) -> LifetimeState:
    return LifetimeState.from_document(json.loads(canonical_json(state.document("run-before", [], window))))


@pytest.mark.parametrize("sequences", [True, False], ids=["every-lifetime-check", "lifetime-drift-only"])
def test_a_year_read_from_the_window_judges_as_every_row_does(sequences):
    """Without outcomes or sequences (a vendor system known by its decisions) the night reads its last two
    periods and the new ones; with them, the outcome lag and the window as well."""
    year, carried, start, read_counts = _year(), LifetimeState(), None, {}
    for night in range(1, DAYS + 1):
        frame = _as_of(year, night) if sequences else _as_of(year, night).drop(columns="label")
        window = plan_window(carried.seen, start, WINDOW if sequences else 0,
                             carried.taken_through(sequences, GAPS.gaps if sequences else ()))
        read = split_periods(rows_from(frame, "ts", window.rows_from), "ts", "D")
        earlier = window.earlier_names
        windowed, windowed_gaps = (None,), ({},)
        if sequences:
            windowed = continue_decay(read, "label", "pred", BASELINE, DECAY, carried.decay, earlier)
            windowed_gaps = continue_fairness(REFERENCE, read, "label", "pred", ["sex"], fairness_rules(), GAPS,
                                              carried.fairness, earlier)
        if earlier and sequences:  # a sequence continued from its state, never over from the periods read
            assert windowed[1].start is not None and all(s.start is not None for s in windowed_gaps[1].values())
        seen = seen_periods(window.earlier, read, "ts", "D", "label")
        if night in COMPARED:
            full = split_periods(frame, "ts", "D")
            assert _names(full) == [*earlier, *_names(read)], night
            new = {p for p, _ in split_periods(rows_after(frame, "ts", start), "ts", "D")}
            # Performance, estimates and explanation stability judge the new periods and the labelled window.
            expected, got = labelled_window(full, "label", WINDOW), labelled_window(read, "label", WINDOW)
            assert _names(expected) == _names(got), night
            assert all(a.equals(b) for (_, a), (_, b) in zip(expected, got)), night
            assert bool(labelled_window(full, "label", 1)) == (window.earlier_labelled
                                                                 or bool(labelled_window(read, "label", 1)))
            assert _drift(full, new) == _drift(read, new, len(earlier)), night
            if sequences:
                decay = continue_decay(full, "label", "pred", BASELINE, DECAY, carried.decay)
                assert (decay[0], decay[2]) == (windowed[0], windowed[2]), night
                gaps = continue_fairness(REFERENCE, full, "label", "pred", ["sex"], fairness_rules(), GAPS,
                                         carried.fairness)
                assert (gaps[0], gaps[2]) == (windowed_gaps[0], windowed_gaps[2]), night
            # A period not read keeps what the last run saw: day 120, labelled a month late, stays unlabelled
            # in the record (it had the window's labelled periods after it, so it can no longer enter).
            every = seen_periods((), full, "ts", "D", "label")
            assert [(p.name, p.start) for p in seen] == [(p.name, p.start) for p in every], night
            assert [p.labelled for p in seen[len(earlier):]] == [p.labelled for p in every[len(earlier):]]
            assert all(p.labelled <= q.labelled for p, q in zip(seen, every)), night
        carried = _through_evidence(LifetimeState(windowed[-1], windowed_gaps[-1], seen=seen), window)
        start, read_counts[night] = frame["ts"].max().isoformat(), len(read)  # as last_stamp gives it
    # Constant cost: from the second month on, the night reads the outcome lag and the window, not the year.
    # (Without sequences: the last run's last two periods and the new one; two new ones after the quiet night.)
    assert max(read_counts[n] for n in range(60, DAYS + 1)) <= (LAG + WINDOW + 2 if sequences else 4)
    assert read_counts[DAYS] == read_counts[60]


def test_what_makes_a_night_read_every_row():
    seen = tuple(SeenPeriod(f"2026-01-{d:02d}", f"2026-01-{d:02d}T00:00:00", True) for d in range(1, 11))
    through = "2026-01-10T18:00:00"
    assert plan_window(seen, through, 1, {"performance.lifetime": "2026-01-08"}).rows_from == "2026-01-09T00:00:00"
    assert plan_window((), through, 1, {}).rows_from is None  # no record of the periods
    assert plan_window(seen, None, 1, {}).rows_from is None  # the last run judged from the first row
    # A sequence without a state starts from the first period.
    assert plan_window(seen, through, 1, {"performance.lifetime": None}).rows_from is None
    assert plan_window(seen, through, 1, {"performance.lifetime": "2025-12-31"}).rows_from is None
    # Outcomes never arrived: any period could still enter the labelled window.
    unlabelled = tuple(SeenPeriod(p.name, p.start, False) for p in seen)
    assert plan_window(unlabelled, through, 1, {}).rows_from is None
    assert plan_window(unlabelled, through, 0, {}).rows_from == "2026-01-09T00:00:00"  # no outcome column
    # A blocked last run starts where it started: that period is read, and the one before.
    assert plan_window(seen, "2026-01-04T12:00:00+01:00", 0, {}).rows_from == "2026-01-03T00:00:00"


def test_rows_are_kept_from_the_period_start_in_the_stamps_own_zone_and_unreadable_stamps_stay():
    frame = pd.DataFrame({"ts": ["2026-03-01T23:30:00+01:00", "2026-03-02T00:10:00+01:00", "not a time"]})
    frame["ts"] = pd.to_datetime(frame["ts"], errors="coerce", utc=True).dt.tz_convert("Europe/Paris")
    kept = rows_from(frame, "ts", "2026-03-02T00:00:00")
    assert len(kept) == 2 and kept["ts"].isna().sum() == 1  # the NaT row stays, so the split still names it
    assert rows_from(frame, "ts", None) is frame


def test_a_record_this_module_did_not_write_reads_every_row():
    document = LifetimeState(seen=(SeenPeriod("2026-01-01", "2026-01-01T00:00:00", True),)).document(None, [])
    assert LifetimeState.from_document(json.loads(canonical_json(document))).seen[0].labelled is True
    for broken in ([["2026-01-01", "yesterday", True]], [["2026-01-01", "2026-01-01", "yes"]], [["x"]], 5):
        assert LifetimeState.from_document({**document, "seen": broken}).seen == ()

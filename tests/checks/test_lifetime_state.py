"""The lifetime sequences continued night after night from the state the last run kept
(checks/lifetime_state.py) equal the ones recomputed from the first period: a simulated year of daily periods,
outcomes arriving five days late, a selection gap that opens in April and accuracy that slips in September. The state goes through its evidence file's JSON each night, as it does between two monitoring runs."""

import json

import numpy as np
import pandas as pd
import pytest

from govflow.checks.lifetime import (
    continue_decay,
    continue_fairness,
    lifetime_decay,
    lifetime_fairness,
    matured,
)
from govflow.checks.lifetime_state import LifetimeState, Taken, how_started, resume
from govflow.checks.manifest import canonical_json
from govflow.checks.policy import LifetimeDecayRule, LifetimeFairnessRule
from govflow.checks.results import Status
from tests.checks.policies import fairness_rules

DAYS, ROWS, LAG = 365, 120, 5
DECAY = LifetimeDecayRule(alpha=0.05, max_worsening={"accuracy": 0.05, "recall": 0.05})
GAPS = LifetimeFairnessRule(alpha=0.05, gaps=("demographic_parity_difference", "equal_opportunity_difference"),
                            seed=7)
BASELINE = {"accuracy": 0.85, "recall": 0.85}
REFERENCE = pd.DataFrame({"sex": ["f", "m", "x"] * 400})
# The nights on which the continued sequences are also recomputed from the first period (each recomputation
# costs the whole life so far); the continuation itself runs every night.
RECOMPUTED = {1, 2, LAG + 1, LAG + 2, 101, 102, 251, 365}


def _year(seed: int = 3) -> list[tuple[str, pd.DataFrame]]:
    rng = np.random.default_rng(seed)
    days = []
    for day in range(DAYS + 1):
        sex = rng.choice(["f", "m", "x"], ROWS, p=[0.45, 0.45, 0.1])
        label = rng.integers(0, 2, ROWS)
        right = rng.random(ROWS) < (0.72 if day > 250 else 0.86)
        pred = np.where(right, label, 1 - label)
        if day > 100:  # women's approvals cut by 60%: a selection gap of about 0.3
            pred = np.where((sex == "f") & (rng.random(ROWS) < 0.6), 0, pred)
        days.append((f"2026-{day + 1:03d}", pd.DataFrame({"sex": sex, "label": label.astype(float), "pred": pred})))
    return days


def _as_of(year, night: int):
    """What night `night` sees: its closed days and the open one, outcomes known up to LAG days ago."""
    seen = []
    for day, (name, rows) in enumerate(year[:night + 1]):
        if day > night - LAG:
            rows = rows.assign(label=np.nan)
        seen.append((name, rows))
    return seen


def _through_evidence(state: LifetimeState) -> LifetimeState:
    return LifetimeState.from_document(json.loads(canonical_json(state.document("run-before", []))))


def test_a_year_of_continued_nights_equals_the_year_recomputed():
    year, carried, continued_somewhere = _year(), LifetimeState(), False
    statuses = set()
    for night in range(1, DAYS + 1):
        periods = _as_of(year, night)
        decay, resumed, kept_decay = continue_decay(periods, "label", "pred", BASELINE, DECAY, carried.decay)
        gaps, started, kept_gaps = continue_fairness(REFERENCE, periods, "label", "pred", ["sex"], fairness_rules(),
                                                     GAPS, carried.fairness)
        # Each night takes in only what the last one had not: one closed day, one matured day.
        if carried.decay is not None:
            assert resumed.start is not None and len(resumed.todo) == 1, night
            assert all(len(s.todo) == 1 and s.start is not None for s in started.values()), night
            continued_somewhere = True
        if night in RECOMPUTED:
            assert decay == lifetime_decay(periods, "label", "pred", BASELINE, DECAY), night
            assert gaps == lifetime_fairness(REFERENCE, periods, "label", "pred", ["sex"], fairness_rules(), GAPS)
            _, _, fresh_decay = continue_decay(periods, "label", "pred", BASELINE, DECAY, None)
            _, _, fresh_gaps = continue_fairness(REFERENCE, periods, "label", "pred", ["sex"], fairness_rules(), GAPS, {})
            assert (kept_decay, kept_gaps) == (fresh_decay, fresh_gaps), night
        statuses |= {(r.check_id, r.status) for r in decay + gaps}
        carried = _through_evidence(LifetimeState(kept_decay, kept_gaps))
    assert continued_somewhere
    # The year is not a quiet one: the sequences found the gap and the slip, so equality covers FAILs too.
    assert ("fairness.lifetime.demographic_parity_difference", Status.FAIL) in statuses
    assert ("performance.lifetime.accuracy", Status.FAIL) in statuses
    assert ("performance.lifetime.accuracy", Status.PASS) in statuses


def test_a_state_from_another_basis_or_other_periods_starts_over_with_the_recomputed_result():
    year = _year(5)
    before, tonight = _as_of(year, 40), _as_of(year, 41)
    _, _, kept = continue_decay(before, "label", "pred", BASELINE, DECAY, None)
    assert kept is not None
    stricter = LifetimeDecayRule(alpha=0.01, max_worsening=DECAY.max_worsening)
    results, resumed, _ = continue_decay(tonight, "label", "pred", BASELINE, stricter, kept)
    assert resumed.start is None and "another policy" in (resumed.why_over or "")
    assert results == lifetime_decay(tonight, "label", "pred", BASELINE, stricter)
    renamed = [(f"x-{name}", rows) for name, rows in tonight]  # the periods were re-cut: not the same life
    results, resumed, _ = continue_decay(renamed, "label", "pred", BASELINE, DECAY, kept)
    assert resumed.start is None and "not where tonight's begin" in (resumed.why_over or "")
    assert results == lifetime_decay(renamed, "label", "pred", BASELINE, DECAY)
    assert how_started("performance.lifetime", resumed).startswith("performance.lifetime: started over (the last")
    # Outcomes read from another column, which the first ten days lack: the state's matured days are not taken
    # as matured under it.
    moved = [(name, rows.assign(outcome=np.nan if day < 10 else rows["label"]))
             for day, (name, rows) in enumerate(tonight)]
    results, resumed, _ = continue_decay(moved, "outcome", "pred", BASELINE, DECAY, kept)
    assert resumed.start is None and results == lifetime_decay(moved, "outcome", "pred", BASELINE, DECAY)
    assert how_started("x", resume(kept, kept.basis, matured(before, "label"))) == (
        "x: continued after 35 period(s); 0 taken in tonight")


@pytest.mark.parametrize("document", [None, "garbage", {"decay": {"basis": "b"}}, {"fairness": {"g": [1]}},
                                      {"decay": {"basis": "b", "periods": [], "rng": None,
                                                 "sequences": [{"key": ["accuracy"], "state": {"rows": "x"}}]}},
                                      {"decay": {"basis": "b", "periods": [], "rng": None, "sequences": [
                                          {"key": ["accuracy"], "state": {"alpha": 0.05, "rows": -1, "total": 0}}]}}])
def test_a_state_the_night_cannot_read_is_no_state(document):
    state = LifetimeState.from_document(document)
    assert state.decay is None and not state.fairness


def test_the_state_survives_its_evidence_file_exactly():
    periods = _as_of(_year(9), 60)
    _, _, decay = continue_decay(periods, "label", "pred", BASELINE, DECAY, None)
    _, _, gaps = continue_fairness(REFERENCE, periods, "label", "pred", ["sex"], fairness_rules(), GAPS, {})
    state = LifetimeState(decay, gaps)
    assert _through_evidence(state) == state
    assert isinstance(Taken.from_document(state.document(None, [])["decay"]), Taken)

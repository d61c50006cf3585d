"""Where a deployment's lifetime sequences stand after the periods they have taken in, kept as evidence of each
monitoring run so the next night continues them with the periods it has not seen instead of recomputing the
whole life: night 365 then updates a sequence with one period's rows, as night 10 did.

A continued sequence equals the recomputed one exactly (same updates, same order, the pairing generator's state
carried): tests/checks/test_lifetime_state.py holds that over a simulated year. A state is used only when it
was computed under the same basis (rule, columns, pairs of groups) and its periods are where this night's
periods begin; otherwise the night starts over from the first period and says why. Lifetime judgements assume
a period that has joined no longer changes (checks/lifetime.py), and so does the state.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from govflow.checks.manifest import canonical_json, sha256_hex
from govflow.checks.night_window import NightWindow, SeenPeriod
from govflow.checks.sequential import MeanSequence

LIFETIME_STATE = "evidence/lifetime_state.json"

Cohorts = list[tuple[str, pd.DataFrame]]


def basis_of(**what: Any) -> str:
    """A digest of what a family of sequences is computed under; another basis means another sequence."""
    return sha256_hex(canonical_json(what))


@dataclass(frozen=True)
class Taken:
    """One family of sequences (a decay check's metrics, or one fairness gap's pairs of groups): the periods
    taken in, in order, the sequences after them, and the pairing generator's state after the last."""

    basis: str
    periods: tuple[str, ...]
    sequences: Mapping[tuple[str, ...], MeanSequence]
    rng: dict[str, Any] | None = None

    def document(self) -> dict[str, Any]:
        return {"basis": self.basis, "periods": list(self.periods), "rng": self.rng,
                "sequences": [{"key": list(key), "state": asdict(state)} for key, state in self.sequences.items()]}

    @staticmethod
    def from_document(document: Any) -> Taken | None:
        """None for anything that is not a state this module wrote: the night then starts over."""
        try:
            return Taken(str(document["basis"]), tuple(str(p) for p in document["periods"]),
                         {tuple(str(k) for k in s["key"]): _sequence(s["state"]) for s in document["sequences"]},
                         dict(document["rng"]) if document["rng"] is not None else None)
        except (KeyError, TypeError, ValueError):
            return None


def _sequence(state: Mapping[str, Any]) -> MeanSequence:
    """A sequence's state as the evidence file holds it, each field read as its type (ValueError if not)."""
    rows, total, alpha = int(state["rows"]), float(state["total"]), float(state["alpha"])
    if rows < 0 or not 0 < alpha < 1 or not math.isfinite(total):
        raise ValueError(f"not a sequence's state: {dict(state)}")
    return MeanSequence(alpha, rows, total)


@dataclass(frozen=True)
class Resumed:
    """Where a family starts tonight: the state to continue (None: from the first period), the cohorts still to
    take in, and why it starts over when it does."""

    start: Taken | None
    todo: Cohorts
    why_over: str | None = None


def resume(taken: Taken | None, basis: str, cohorts: Cohorts) -> Resumed:
    """Continue `taken` when it was computed under `basis` and its periods are the first of `cohorts`."""
    if taken is None:
        return Resumed(None, cohorts, "no state from the last monitoring run")
    if taken.basis != basis:
        return Resumed(None, cohorts, "the last run's state was computed under another policy, columns or groups")
    names = tuple(name for name, _ in cohorts[:len(taken.periods)])
    if names != taken.periods:
        return Resumed(None, cohorts, "the last run's periods are not where tonight's begin")
    return Resumed(taken, cohorts[len(taken.periods):])


def how_started(family: str, resumed: Resumed) -> str:
    """One line for the evidence: whether `family` continued the last run's sequences or started over, and why."""
    taken = len(resumed.todo)
    if resumed.start is None:
        return f"{family}: started over ({resumed.why_over}); {taken} period(s) taken in"
    return f"{family}: continued after {len(resumed.start.periods)} period(s); {taken} taken in tonight"


@dataclass(frozen=True)
class LifetimeState:
    """Every family's state after a night: `decay` for the performance sequences, `fairness` per gap, `genai`
    for a generative-AI application's rates (counts of answers and hits); and every period of the deployment
    as the night saw it (`seen`), from which the next night plans which rows it reads."""

    decay: Taken | None = None
    fairness: Mapping[str, Taken] = field(default_factory=dict)
    genai: Taken | None = None
    seen: tuple[SeenPeriod, ...] = ()

    def document(self, read_from: str | None, tonight: Sequence[str],
                 window: NightWindow | None = None) -> dict[str, Any]:
        """The evidence file: the state, the run whose kept state the night read (`read_from`), how each
        family started (continued from it, or over and why), and which rows the night read (`window`)."""
        return {"read_from": read_from, "tonight": list(tonight),
                "decay": self.decay.document() if self.decay else None,
                "fairness": {gap: taken.document() for gap, taken in self.fairness.items()},
                "genai": self.genai.document() if self.genai else None,
                "rows_read": window.document() if window else None,
                "seen": [period.document() for period in self.seen]}

    def taken_through(self, decay: bool, gaps: Sequence[str]) -> dict[str, str | None]:
        """Per lifetime sequence a night continues (decay when `decay`, each fairness gap), the last period its
        state has taken in; None when it has no state (the night then starts it from the first period)."""
        families = ({"performance.lifetime": self.decay} if decay else {}) | {
            f"fairness.lifetime.{gap}": self.fairness.get(gap) for gap in gaps}
        return {family: taken.periods[-1] if taken and taken.periods else None for family, taken in families.items()}

    @staticmethod
    def from_document(document: Any) -> LifetimeState:
        """The state a run's evidence file holds; an empty state for none or for one this module cannot read."""
        if not isinstance(document, Mapping):
            return LifetimeState()
        fairness = document.get("fairness")
        gaps = {str(gap): Taken.from_document(taken) for gap, taken in fairness.items()} \
            if isinstance(fairness, Mapping) else {}
        return LifetimeState(Taken.from_document(document.get("decay")) if document.get("decay") else None,
                             {gap: taken for gap, taken in gaps.items() if taken is not None},
                             Taken.from_document(document.get("genai")) if document.get("genai") else None,
                             _seen(document.get("seen")))


def _seen(document: Any) -> tuple[SeenPeriod, ...]:
    """The periods a run recorded; none (the night reads every row) for anything this module did not write."""
    try:
        return tuple(SeenPeriod.from_document(period) for period in document or ())
    except (TypeError, ValueError):
        return ()

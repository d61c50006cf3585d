"""The monitoring step that judges a deployment's whole life every night (checks/lifetime.py): per-feature
drift at spent levels, and the decay and fairness sequences continued from the state the last monitoring run
kept (checks/lifetime_state.py), the new state kept as evidence with every period the night saw, from which
the next night plans the rows it reads (checks/monitoring_plan.py `read_window`). flows/nightly.py runs it after the
per-period steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from govflow.checks.decay import validation_baseline
from govflow.checks.drift import shared_columns
from govflow.checks.governance_tags import VersionTags
from govflow.checks.lifetime import closed, continue_decay, continue_fairness, lifetime_drift
from govflow.checks.lifetime_state import LIFETIME_STATE, LifetimeState, Taken, how_started
from govflow.checks.manifest import canonical_json
from govflow.checks.monitoring_plan import lifetime_decay_rule
from govflow.checks.night_window import NightWindow, seen_periods
from govflow.checks.policy import TierPolicy
from govflow.checks.results import CheckResult
from govflow.flows.monitoring import Collected, Periods
from govflow.tasks.artifacts import read_evidence_json


def carried_lifetime(uri: str, run_id: str | None) -> LifetimeState:
    """What the last monitoring run (`run_id`) kept: its lifetime sequences and the periods it saw; empty when
    it kept none (the night then reads every row and starts the sequences over)."""
    return LifetimeState.from_document(read_evidence_json(uri, run_id, LIFETIME_STATE))


@dataclass(frozen=True)
class ReadPeriods:
    """The periods a night read, the window they start at, and how to read every period (for a lifetime
    sequence that must start over on a night that read only its latest periods)."""

    periods: Periods
    window: NightWindow
    every_period: Callable[[], Periods | None]


@dataclass
class _Judged:
    results: list[CheckResult] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    decay: Taken | None = None
    gaps: dict[str, Taken] = field(default_factory=dict)
    tonight: list[str] = field(default_factory=list)
    started_over: list[str] = field(default_factory=list)


def lifetime(read: ReadPeriods, new: set[str], reference: pd.DataFrame, tags: VersionTags, tier: TierPolicy,
             baseline_metrics: dict[str, float] | None, carried: LifetimeState, freq: str, out: Collected) -> None:
    """The deployment's whole life, judged anytime-valid: per-feature drift for the periods closed since the
    last run (and the latest closed one), decay and fairness gaps over every closed or matured period, their
    sequences continued from the state the last run kept (`carried`); the new state and every period seen
    kept as evidence. A sequence that starts over on a night that read only its latest periods (another
    policy, say) makes the night read every period and judge the life again."""
    periods, window = read.periods, read.window
    judged = _judge(periods, window.earlier_names, new, reference, tags, tier, baseline_metrics, carried)
    if window.earlier and judged.started_over and (every := read.every_period()) is not None:
        periods, window = every, NightWindow(None, why=f"{', '.join(judged.started_over)} started over: every "
                                                      f"row is read")
        judged = _judge(periods, (), new, reference, tags, tier, baseline_metrics, carried)
    out.add(judged.results)
    out.files |= judged.files
    timestamp = tags.columns.timestamp
    seen = seen_periods(window.earlier, periods, timestamp, freq, tags.columns.label) if timestamp else ()
    if seen or judged.decay is not None or judged.gaps:
        read_from = tags.last_monitor_run if carried.decay or carried.fairness else None
        out.files[LIFETIME_STATE] = canonical_json(LifetimeState(judged.decay, judged.gaps, seen=seen).document(
            read_from, judged.tonight, window))


def _judge(periods: Periods, earlier: tuple[str, ...], new: set[str], reference: pd.DataFrame, tags: VersionTags,
           tier: TierPolicy, baseline_metrics: dict[str, float] | None, carried: LifetimeState) -> _Judged:
    """Every lifetime family on the periods read, after the `earlier` ones known by name."""
    label, prediction, judged = tags.columns.label, tags.columns.prediction, _Judged()
    if (drift_rule := tier.drift.lifetime if tier.drift else None) is not None:
        looks = closed(periods)
        report = {p for p, _ in looks if p in new} | ({looks[-1][0]} if looks else set())
        features = shared_columns(list(reference.columns), list(periods[0][1].columns), tags.columns.not_features())
        results, rows = lifetime_drift(reference, periods, features, report, drift_rule, len(earlier))
        judged.results += results
        judged.files["evidence/drift_lifetime.json"] = canonical_json({"looks": rows})
    if (decay_rule := lifetime_decay_rule(tier)) is not None:
        results, resumed, judged.decay = continue_decay(periods, label, prediction,
                                                        validation_baseline(baseline_metrics or {}), decay_rule,
                                                        carried.decay, earlier)
        judged.results += results
        judged.tonight.append(how_started("performance.lifetime", resumed))
        judged.started_over += ["performance.lifetime"] if resumed.start is None else []
    if tier.fairness is not None and tier.fairness.lifetime is not None:
        sensitive = [c for c in tags.columns.declared() if c != label]
        results, started, judged.gaps = continue_fairness(reference, periods, label, prediction, sensitive,
                                                          tier.fairness, tier.fairness.lifetime, carried.fairness,
                                                          earlier)
        judged.results += results
        judged.tonight += [how_started(f"fairness.lifetime.{gap}", resumed) for gap, resumed in started.items()]
        judged.started_over += [f"fairness.lifetime.{gap}" for gap, resumed in started.items()
                                if resumed.start is None]
    return judged

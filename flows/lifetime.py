"""The monitoring step that judges a deployment's whole life every night (checks/lifetime.py): per-feature
drift at spent levels, and the decay and fairness sequences continued from the state the last monitoring run
kept (checks/lifetime_state.py), the new state kept as evidence. flows/nightly.py runs it after the per-period
steps."""

from __future__ import annotations

import pandas as pd

from govflow.checks.decay import validation_baseline
from govflow.checks.drift import shared_columns
from govflow.checks.governance_tags import VersionTags
from govflow.checks.lifetime import closed, continue_decay, continue_fairness, lifetime_drift
from govflow.checks.lifetime_state import LIFETIME_STATE, LifetimeState, how_started
from govflow.checks.manifest import canonical_json
from govflow.checks.policy import TierPolicy
from govflow.flows.monitoring import Collected, Periods
from govflow.tasks.artifacts import read_evidence_json


def _decay_rule(tier: TierPolicy):
    return getattr(tier.task_section("performance"), "lifetime", None)


def carried_lifetime(uri: str, run_id: str | None, tier: TierPolicy) -> LifetimeState:
    """The state of the lifetime sequences that the last monitoring run (`run_id`) kept; empty when the tier has
    no such sequence or the run kept none (the night then starts them over)."""
    if (_decay_rule(tier) is None and (tier.fairness is None or tier.fairness.lifetime is None)
            and (tier.genai is None or tier.genai.lifetime is None)):
        return LifetimeState()
    return LifetimeState.from_document(read_evidence_json(uri, run_id, LIFETIME_STATE))


def lifetime(periods: Periods, new: set[str], reference: pd.DataFrame, tags: VersionTags, tier: TierPolicy,
             baseline_metrics: dict[str, float] | None, carried: LifetimeState, out: Collected) -> None:
    """The deployment's whole life, judged anytime-valid: per-feature drift for the periods closed since the
    last run (and the latest closed one), decay and fairness gaps over every closed or matured period, their
    sequences continued from the state the last run kept (`carried`) and the new state kept as evidence."""
    label, prediction = tags.columns.label, tags.columns.prediction
    drift_rule = tier.drift.lifetime if tier.drift else None
    if drift_rule is not None:
        looks = closed(periods)
        report = {p for p, _ in looks if p in new} | ({looks[-1][0]} if looks else set())
        features = shared_columns(list(reference.columns), list(periods[0][1].columns), tags.columns.not_features())
        results, rows = lifetime_drift(reference, periods, features, report, drift_rule)
        out.add(results)
        out.files["evidence/drift_lifetime.json"] = canonical_json({"looks": rows})
    decay, gaps, tonight = None, {}, []
    if (decay_rule := _decay_rule(tier)) is not None:
        results, resumed, decay = continue_decay(periods, label, prediction,
                                                 validation_baseline(baseline_metrics or {}), decay_rule, carried.decay)
        out.add(results)
        tonight.append(how_started("performance.lifetime", resumed))
    if tier.fairness is not None and tier.fairness.lifetime is not None:
        sensitive = [c for c in tags.columns.declared() if c != label]
        results, started, gaps = continue_fairness(reference, periods, label, prediction, sensitive, tier.fairness,
                                                   tier.fairness.lifetime, carried.fairness)
        out.add(results)
        tonight += [how_started(f"fairness.lifetime.{gap}", resumed) for gap, resumed in started.items()]
    if decay is not None or gaps:
        read_from = tags.last_monitor_run if carried.decay or carried.fairness else None
        out.files[LIFETIME_STATE] = canonical_json(LifetimeState(decay, gaps).document(read_from, tonight))

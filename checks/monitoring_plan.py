"""What a monitoring night will judge, as a plan computed from the data alone: which periods wait for their
outcomes (and get estimates), which have them (and compare the estimate with what happened), and the check
ids each part answers for; and which periods' rows the night reads (checks/night_window.py). Pure, so it is
tested without Prefect; flows/monitoring.py runs the plan's steps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from govflow.checks.governance_tags import VersionTags
from govflow.checks.lifetime_state import LifetimeState
from govflow.checks.night_window import NightWindow, plan_window
from govflow.checks.periods import labelled_window
from govflow.checks.policy import MulticlassPerformance, RegressionPerformance, TierPolicy
from govflow.checks.results import CheckResult, Status

Periods = list[tuple[str, pd.DataFrame]]


@dataclass(frozen=True)
class EstimatePlan:
    """The label-free estimates of one night: periods still waiting for outcomes, the labelled rows of those
    whose outcomes arrived (new ones, and the decay window's), and the ids each part judges."""

    waiting: Periods
    arrived: Periods
    performance_ids: tuple[str, ...]
    fairness_ids: tuple[str, ...]
    error_ids: tuple[str, ...]

    @property
    def estimated_ids(self) -> list[str]:
        return [*self.performance_ids, *self.fairness_ids]

    @property
    def compared(self) -> Periods:
        """The arrived periods whose realised figures are held against the estimate (when the tier asks)."""
        return self.arrived if self.error_ids else []


def decay_window(tier: TierPolicy) -> int:
    """How many of the latest labelled periods the task's decay rule pools (one when it sets none)."""
    performance = tier.task_section("performance")
    decay = getattr(performance, "decay", None)
    return decay.window if decay is not None else 1


def lifetime_decay_rule(tier: TierPolicy):
    """The tier's lifetime decay rule for the task (None when it sets none)."""
    return getattr(tier.task_section("performance"), "lifetime", None)


def lifetime_gaps(tier: TierPolicy) -> tuple[str, ...]:
    """The fairness gaps the tier judges over the deployment's life."""
    return tuple(tier.fairness.lifetime.gaps) if tier.fairness is not None and tier.fairness.lifetime else ()


def read_window(carried: LifetimeState, start: str | None, tags: VersionTags, tier: TierPolicy) -> NightWindow:
    """Which rows tonight reads: from the periods the last run saw (`carried.seen`), the labelled window the
    tier pools (none without an outcome column) and the lifetime sequences it continues."""
    if not tags.columns.timestamp:
        return NightWindow(None, why="no timestamp column: the data is one period and every row is read")
    labelled = decay_window(tier) if tags.columns.label else 0
    return plan_window(carried.seen, start, labelled,
                       carried.taken_through(lifetime_decay_rule(tier) is not None, lifetime_gaps(tier)))


def estimate_plan(periods: Periods, new: set[str], label: str, tier: TierPolicy) -> EstimatePlan | None:
    """The night's confidence-based estimate plan (a binary classifier); None when the tier estimates nothing,
    or nothing waits and nothing arrived that the tier compares."""
    perf, error = tier.performance.estimated, tier.performance.estimation_error
    fair = tier.fairness.estimated if tier.fairness is not None else None
    if perf is None and error is None and fair is None:
        return None
    return _plan(periods, new, label, tier, perf.max_worsening if perf else (), fair.gaps if fair else (),
                 error.max_error if error else ())


def task_estimate_plan(periods: Periods, new: set[str], label: str, tier: TierPolicy) -> EstimatePlan | None:
    """The night's estimate plan for a regression (direct loss estimation) or a multiclass model (per-class
    confidence-based estimation), from the estimate rules of the tier's section for the task; None as for
    `estimate_plan`, and for a binary classifier."""
    performance = tier.task_section("performance")
    if not isinstance(performance, RegressionPerformance | MulticlassPerformance):
        return None
    perf, error = performance.estimated, performance.estimation_error
    fair = getattr(tier.task_section("fairness"), "estimated", None)  # a regression's estimated error gaps
    if perf is None and error is None and fair is None:
        return None
    return _plan(periods, new, label, tier, perf.max_worsening if perf else (), fair.gaps if fair else (),
                 error.max_error if error else ())


def _plan(periods: Periods, new: set[str], label: str, tier: TierPolicy, estimated: Iterable[str],
          gaps: Iterable[str], compared: Iterable[str]) -> EstimatePlan | None:
    waiting = [(period, rows) for period, rows in periods if period in new and rows[label].isna().all()]
    window = {p for p, _ in labelled_window(periods, label, decay_window(tier))}
    arrived = [(period, rows[rows[label].notna()]) for period, rows in periods
               if (period in new or period in window) and rows[label].notna().any()]
    plan = EstimatePlan(waiting, arrived, tuple(f"performance.estimated.{m}" for m in estimated),
                        tuple(f"fairness.estimated.{g}" for g in gaps),
                        tuple(f"performance.estimation_error.{m}" for m in compared))
    return plan if plan.waiting or plan.compared else None


def report_not_asked(when: str, results: Iterable[CheckResult]) -> str | None:
    """Why the night renders no Evidently report under the tier's `drift.report` (`always`, `on_finding`,
    `never`), or None when it renders one: `on_finding` asks for it when any drift result is not a PASS."""
    if when == "always":
        return None
    if when == "never":
        return "the tier's drift.report is 'never'"
    if any(r.check_id.startswith("drift.") and r.status not in (Status.PASS, Status.SKIPPED) for r in results):
        return None
    return "every drift result passed and the tier's drift.report is 'on_finding'"

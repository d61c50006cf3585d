"""What a monitoring night will judge, as a plan computed from the data alone: which periods wait for their
outcomes (and get estimates), which have them (and compare the estimate with what happened), and the check
ids each part answers for. Pure, so it is tested without Prefect; flows/monitoring.py runs the plan's steps."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from govflow.checks.periods import labelled_window
from govflow.checks.policy import TierPolicy

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


def estimate_plan(periods: Periods, new: set[str], label: str, tier: TierPolicy) -> EstimatePlan | None:
    """The night's estimate plan; None when the tier estimates nothing, or nothing waits and nothing arrived
    that the tier compares."""
    perf, error = tier.performance.estimated, tier.performance.estimation_error
    fair = tier.fairness.estimated if tier.fairness is not None else None
    if perf is None and error is None and fair is None:
        return None
    waiting = [(period, rows) for period, rows in periods if period in new and rows[label].isna().all()]
    window = {p for p, _ in labelled_window(periods, label, tier.performance.decay.window
                                            if tier.performance.decay else 1)}
    arrived = [(period, rows[rows[label].notna()]) for period, rows in periods
               if (period in new or period in window) and rows[label].notna().any()]
    plan = EstimatePlan(waiting, arrived,
                        tuple(f"performance.estimated.{m}" for m in perf.max_worsening) if perf else (),
                        tuple(f"fairness.estimated.{g}" for g in fair.gaps) if fair else (),
                        tuple(f"performance.estimation_error.{m}" for m in error.max_error) if error else ())
    return plan if plan.waiting or plan.compared else None

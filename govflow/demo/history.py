"""The demo's weeks of operation, replayed with the clock (GOVFLOW_NOW) set to each past moment, so nothing is
slept through: the fleet is gated at the end of September and monitored every week of October; the credit model
drifts and decays, its finding is opened, noted and falls overdue while a waiver runs out; a retrained version
replaces it in November and closes the finding, and then drifts in turn as the economy moves on.

Each night the production feed is written as it stood that day (the batches up to it, the labels arrived by
then), so every run judges exactly what it would have seen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import yaml

from govflow.demo.data import Scenario, credit_scoring_retrained, demo_fleet, loan_batches
from govflow.demo.seed import register_retrained, write_datasets
from govflow.demo.systems import ASSISTANT, assistant_traffic, write_traffic
from govflow.demo.task_data import task_fleet

SEEDED_AT = datetime(2026, 9, 30, 9, tzinfo=UTC)
# The first night judges October's first days and their first outcomes (defaults arrive ten days late).
FIRST_NIGHTS = tuple(datetime(2026, 10, day, 2, tzinfo=UTC) for day in (12, 19, 26))
RETRAINED_AT = datetime(2026, 11, 2, 9, tzinfo=UTC)
RETRAINED_NIGHTS = tuple(datetime(2026, 11, day, 2, tzinfo=UTC) for day in (16, 30))
# The last simulated night: the demo's report is as of it, and a second `govflow demo` stands at it again.
FINAL_NIGHT = RETRAINED_NIGHTS[-1]
RETRAINED_MODEL = "credit_scoring"
OWNER = "A. Rivera (model owner)"
# The loan model's feed goes on past October's demo data, to the last night.
LOAN_NOVEMBER = pd.Timestamp("2026-10-31")

# The risk committee accepted that rising default rates would worsen the credit model's Brier score for a few
# weeks while the downturn was assessed; from 2026-10-24 the waiver no longer applies and the decay counts again.
DEMO_WAIVER = {
    "check": "performance.decay.brier", "model": RETRAINED_MODEL, "versions": ["1"],
    "reason": "default rates rise after the announced rate rise, and the Brier score with them; accepted while the "
              "downturn is assessed (MRM-2026-131)",
    "approved_by": "J. Okafor, Head of Model Validation", "expires": date(2026, 10, 24)}


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Everything inside acts as of `moment` (GOVFLOW_NOW), as a backfill would; the real clock after."""
    before = os.environ.get("GOVFLOW_NOW")
    os.environ["GOVFLOW_NOW"] = moment.isoformat()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("GOVFLOW_NOW", None)
        else:
            os.environ["GOVFLOW_NOW"] = before


def write_demo_waivers(shipped: Path, target: Path) -> Path:
    """The shipped waivers file with the demo's waiver added, written to `target` (the demo's data dir)."""
    document = yaml.safe_load(shipped.read_text()) or {}
    waivers = [w for w in document.get("waivers") or [] if w != DEMO_WAIVER]
    target.write_text(yaml.safe_dump({"version": document.get("version", 1), "waivers": [*waivers, DEMO_WAIVER]},
                                     sort_keys=False))
    return target


@dataclass
class Feed:
    """The demo's production data, generated once and written as it stood on a given day."""

    datasets_dir: Path
    fleet: list[Scenario]
    retrained: Scenario
    assistant: pd.DataFrame  # the support assistant's logged answers (govflow/demo/systems.py)

    @classmethod
    def generate(cls, datasets_dir: Path) -> Feed:
        """The classifiers' feeds (the loan model's running on to the last night) and the other tasks' models."""
        fleet = demo_fleet() + task_fleet()
        for i, scenario in enumerate(fleet):
            if scenario.name == "loan_approval":
                november = loan_batches(LOAN_NOVEMBER, (FINAL_NIGHT.date() - LOAN_NOVEMBER.date()).days, seed=71)
                fleet[i] = replace(scenario, monitoring=scenario.monitoring | november)
        return cls(datasets_dir, fleet, credit_scoring_retrained(), assistant_traffic())

    def deliver(self, through: date, retrained: bool) -> None:
        """Write every model's feed as it stood on `through`; the retrained version's too once it exists."""
        for scenario in self.fleet:
            write_datasets(scenario, self.datasets_dir, through)
        if retrained:
            write_datasets(self.retrained, self.datasets_dir / "retrained", through)
        write_traffic(self.assistant, self.datasets_dir / "systems" / ASSISTANT, through)

    def register_retrained(self, client, through: date) -> str:
        return register_retrained(client, self.retrained, self.datasets_dir, through)


def night_before(moment: datetime) -> date:
    """A night's run at 02:00 judges the batches of the days before it."""
    return (moment - timedelta(days=1)).date()


# The owner's plan, agreed the morning after the first failing night: a retrained version by this date.
NOTE_PLAN_DUE = "2026-11-02"


def note_text(check_id: str) -> str:
    return (f"{check_id}: the October applicants differ from the training population; retraining on them, "
            "new version due on 2 November")

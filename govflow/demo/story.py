"""The demo's autumn as a typed story: what happens and when is data (`AUTUMN`); `tell` runs it through the
same flows a team runs and yields what happened, one typed event at a time; `govflow demo` only prints them.

Everything runs with the clock (GOVFLOW_NOW) at the step's moment and the demo's waiver beside the shipped ones
(GOVFLOW_WAIVERS_FILE): the flows read both from the environment, as a backfill does, and `demo_environment`
puts each back as it was when the story ends."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govflow.demo import history

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from govflow.checks.policy import Policy
    from govflow.flows.feedback import FeedbackOutcome
    from govflow.flows.gate import GateOutcome
    from govflow.flows.nightly import MonitorOutcome, NightlyOutcome
    from govflow.settings import Settings

SIGNERS = {"owner": "A. Rivera (model owner)", "validator": "M. Chen (model validation)"}
SERVING_ALIAS = "champion"


# --- the story: its steps, as data ------------------------------------------------------------------------


@dataclass(frozen=True)
class Register:
    """The fleet is registered and gated; versions awaiting only sign-off get it; approved ones are deployed."""

    at: datetime


@dataclass(frozen=True)
class Systems:
    """The AI systems without a loadable model join the fleet (govflow/demo/systems.py): the bureau's credit
    service, then the support assistant's first prompt (signed off and deployed) and its second."""

    at: datetime


@dataclass(frozen=True)
class Complaint:
    """Complaints about a model, recorded as its service desk would: a high-severity one opens a finding."""

    at: datetime
    model: str
    items: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Night:
    """The nightly run at `at` on the feed as it stood the day before; `note` has the owner note the retrained
    model's first failing check the morning after; `report` refreshes the reports."""

    at: datetime
    retrained: bool = False
    note: bool = False
    report: bool = False


@dataclass(frozen=True)
class Retrain:
    """A new version of `history.RETRAINED_MODEL`, trained on the downturn's applicants, registered and gated."""

    at: datetime


Step = Register | Systems | Complaint | Night | Retrain

# In the order things happen: every run's clock is later than the last one's, as in production.
AUTUMN: tuple[Step, ...] = (
    Register(history.SEEDED_AT),
    Systems(history.SEEDED_AT + timedelta(hours=2)),
    Night(history.FIRST_NIGHTS[0], note=True),
    Complaint(history.FIRST_NIGHTS[0] + timedelta(days=4), "loan_approval", (
        {"from": "applicant", "severity": "high", "theme": "explanation",
         "text": "declined with no reason I can act on; the letter names no factor"},
        {"from": "branch staff", "severity": "low", "theme": "explanation",
         "text": "customers ask which income counts"})),
    *(Night(night, note=True) for night in history.FIRST_NIGHTS[1:]),
    Retrain(history.RETRAINED_AT),
    *(Night(night, retrained=True) for night in history.RETRAINED_NIGHTS[:-1]),
    Night(history.FINAL_NIGHT, retrained=True, report=True),
)


# --- what happened: the events `tell` yields ----------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    model: str
    version: str
    at: datetime
    already: str | None = None  # a second demo: the version's standing verdict


@dataclass(frozen=True)
class Gated:
    outcome: GateOutcome


@dataclass(frozen=True)
class SignedOff:
    """A sign-off in `role`, and the gate it was followed by."""

    role: str
    outcome: GateOutcome


@dataclass(frozen=True)
class Deployed:
    model: str
    version: str
    alias: str


@dataclass(frozen=True)
class Complained:
    outcome: FeedbackOutcome


@dataclass(frozen=True)
class NightsBegin:
    """The weeks of operation start: each night is replayed with the clock set to it; nothing is slept."""


@dataclass(frozen=True)
class Judged:
    at: datetime
    outcome: MonitorOutcome


@dataclass(frozen=True)
class Noted:
    at: datetime
    check_id: str
    text: str


@dataclass(frozen=True)
class Retrained:
    at: datetime
    model: str
    version: str


@dataclass(frozen=True)
class Standing:
    """A version's gate verdict as its registry tag holds it, when the demo does not gate it again."""

    model: str
    version: str
    verdict: str


@dataclass(frozen=True)
class Ended:
    """The gate outcomes that stand and the last night's result, with its report."""

    standing: tuple[GateOutcome | Standing, ...]
    night: NightlyOutcome
    at: datetime


Event = Registered | Gated | SignedOff | Deployed | Complained | NightsBegin | Judged | Noted | Retrained | Ended


@dataclass(frozen=True)
class Stage:
    """Where the story is told: the store, the settings, the policy and the demo's production feed."""

    client: MlflowClient
    settings: Settings
    policy: Policy
    feed: history.Feed


# --- telling it ---------------------------------------------------------------------------------------------


@contextmanager
def demo_environment(settings: Settings) -> Iterator[Path | None]:
    """The demo's waiver joins the shipped ones for the story's length (unless GOVFLOW_WAIVERS_FILE is set);
    yields the waivers file written, or None. Its flow runs send Prefect no heartbeats: they report to a server
    that lives as long as the demo with nothing watching for runs that stop beating, and each run's end waited
    up to a second for its heartbeat thread (189 s for the demo before, 179 s after, one run each)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        if "GOVFLOW_WAIVERS_FILE" in os.environ:
            yield None
            return
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        written = history.write_demo_waivers(settings.waivers_file, settings.data_dir.resolve() / "demo-waivers.yaml")
        os.environ["GOVFLOW_WAIVERS_FILE"] = str(written)
        try:
            yield written
        finally:
            os.environ.pop("GOVFLOW_WAIVERS_FILE", None)


def tell(stage: Stage, story: Sequence[Step] = AUTUMN) -> Iterator[Event]:
    """Run the story's steps in order; a store that holds the retrained version already was told it before,
    and then the versions stand at their verdicts and the last night is told again (its evidence is found
    recorded and not run twice)."""
    from govflow.tasks.queries import name_is

    if stage.client.search_registered_models(name_is(history.RETRAINED_MODEL)):
        yield from _stand_again(stage, story)
        return
    standing: dict[tuple[str, str], GateOutcome | Standing] = {}  # each version's latest gate
    night_result, noted, nights_begun, last_night = None, False, False, None
    for step in story:
        with history.clock_at(step.at):
            if isinstance(step, Register | Retrain | Systems):
                for event in _events_of(stage, step):
                    if isinstance(event, Gated | SignedOff):  # the latest gate of a version is the one that stands
                        standing[(event.outcome.model, event.outcome.version)] = event.outcome
                    yield event
            elif isinstance(step, Complaint):
                yield Complained(_complain(step, standing))
            else:
                if not nights_begun:
                    nights_begun = True
                    yield NightsBegin()
                night_result, last_night = _night(stage, step), step.at
                yield from (Judged(step.at, o) for o in night_result.monitored)
        note = (_note_first_finding(night_result, step.at)
                if isinstance(step, Night) and step.note and not noted and night_result is not None else None)
        if note is not None:
            noted = True
            yield note
    if night_result is None or last_night is None:
        raise ValueError("the demo's story must end with a night")
    yield Ended(tuple(standing.values()), night_result, last_night)


def _events_of(stage: Stage, step: Register | Retrain | Systems) -> Iterator[Event]:
    if isinstance(step, Register):
        return _register(stage, step)
    return _retrain(stage, step) if isinstance(step, Retrain) else _systems(stage, step)


def _systems(stage: Stage, step: Systems) -> Iterator[Event]:
    """Each system registered as `govflow system add` does it, then gated (and signed off, and deployed, as the
    fleet's models are), the assistant's second prompt once the first serves, so it is compared with it."""
    from govflow.demo.systems import assistant_spec, vendor_spec
    from govflow.flows.systems import add_system

    folder, through = stage.settings.datasets_dir, history.night_before(step.at)
    for spec in (vendor_spec(folder), assistant_spec(folder, 1, through), assistant_spec(folder, 2, through)):
        added = add_system(spec.name, spec.kind, spec.tags, spec.prompt, spec.description)
        yield Registered(added.name, added.version, step.at)
        yield from _gate_and_deploy(stage, [(added.name, added.version)])


def _register(stage: Stage, step: Register) -> Iterator[Event]:
    from govflow.demo.seed import seed_fleet

    seeded = seed_fleet(stage.client, stage.settings.datasets_dir, stage.settings.local_artifact_root,
                        scenarios=stage.feed.fleet, through=step.at.date())
    yield from (Registered(item.model, item.version, step.at) for item in seeded)
    yield from _gate_and_deploy(stage, [(item.model, item.version) for item in seeded])


def _retrain(stage: Stage, step: Retrain) -> Iterator[Event]:
    version = stage.feed.register_retrained(stage.client, step.at.date())
    yield Retrained(step.at, history.RETRAINED_MODEL, version)
    yield from _gate_and_deploy(stage, [(history.RETRAINED_MODEL, version)])


def _gate_and_deploy(stage: Stage, versions: list[tuple[str, str]]) -> Iterator[Event]:
    """Gate each version, one after another (from threads of the demo's own, the first flow would start
    Prefect's ephemeral server where nothing stops it at exit); sign off those awaiting only that; give the
    approved ones the serving alias (a retrained version takes it over from the one it replaces)."""
    from govflow.flows.gate import registration_gate

    for model, version in versions:
        outcome = registration_gate(model, version)
        if outcome is None:  # only automation's gates (only_if_ungated) pass a version by
            raise RuntimeError(f"the gate of {model} v{version} recorded no outcome")
        yield Gated(outcome)
        for event in _sign_off(stage, outcome):
            outcome = event.outcome
            yield event
        registered = stage.client.get_registered_model(outcome.model)
        if outcome.approved and registered.aliases.get(SERVING_ALIAS) != outcome.version:
            stage.client.set_registered_model_alias(outcome.model, SERVING_ALIAS, outcome.version)
            yield Deployed(outcome.model, outcome.version, SERVING_ALIAS)


def _sign_off(stage: Stage, outcome: GateOutcome) -> Iterator[SignedOff]:
    """A version whose only open check is its sign-off gets it, in each role its tier's policy names (as the
    jurisdictions it declares tighten it), from the demo's owner and validator; each sign-off gates it again."""
    from govflow.checks.governance_tags import version_tags
    from govflow.checks.jurisdictions import declared
    from govflow.flows.approval import sign_off

    if set(outcome.behind) != {"governance.signoff"}:
        return
    tags = version_tags(stage.client.get_registered_model(outcome.model).tags,
                        stage.client.get_model_version(outcome.model, outcome.version).tags)
    rule = stage.policy.tier(outcome.tier, declared(tags.jurisdictions)).governance.signoff
    for role in rule.roles if rule is not None else ():
        outcome = sign_off(outcome.model, outcome.version, SIGNERS.get(role, f"demo {role}"), role,
                           "demo: reviewed the gate's evidence")
        yield SignedOff(role, outcome)


def _complain(step: Complaint, standing: dict[tuple[str, str], Any]) -> FeedbackOutcome:
    from govflow.checks.feedback import entry
    from govflow.flows.feedback import record_feedback

    versions = [version for model, version in standing if model == step.model]
    if not versions:
        raise ValueError(f"the demo's story has a complaint about '{step.model}', which it never registered")
    return record_feedback(step.model, [entry(dict(item), "demo") for item in step.items], versions[-1], "demo")


def _night(stage: Stage, step: Night) -> NightlyOutcome:
    from govflow.flows.nightly import nightly_governance

    stage.feed.deliver(history.night_before(step.at), step.retrained)
    return nightly_governance(report=step.report)


def _note_first_finding(night: NightlyOutcome, at: datetime) -> Noted | None:
    """The morning after the retrained model's first failing night (02:00), its owner notes how the finding
    will be remediated."""
    from govflow.flows.finding_note import finding_note

    failing = next((o for o in night.monitored
                    if o.model == history.RETRAINED_MODEL and o.verdict == "REJECTED" and o.behind), None)
    if failing is None:
        return None
    check, morning = failing.behind[0], at + timedelta(hours=8)
    with history.clock_at(morning):
        finding_note(failing.model, check, history.OWNER, history.note_text(check), failing.version,
                     remediation="plan_agreed", plan_due=history.NOTE_PLAN_DUE)
    return Noted(morning, check, history.note_text(check))


def _stand_again(stage: Stage, story: Sequence[Step]) -> Iterator[Event]:
    """A second `govflow demo`: the feed and clock at the story's last night; the versions gated stand at their
    verdicts, and the last night's monitoring finds its evidence already recorded and is not run again."""
    from govflow.checks.governance_tags import VersionTags
    from govflow.demo.seed import seed_fleet
    from govflow.flows.gate import registration_gate

    last = story[-1]
    if not isinstance(last, Night):
        raise ValueError("the demo's story must end with a night")
    standing: list[GateOutcome | Standing] = []
    with history.clock_at(last.at):
        seeded = seed_fleet(stage.client, stage.settings.datasets_dir, stage.settings.local_artifact_root,
                            scenarios=stage.feed.fleet, through=history.night_before(last.at))
        for item in seeded:
            fresh = registration_gate(item.model, item.version, only_if_ungated=True)
            status = VersionTags.parse(stage.client.get_model_version(item.model, item.version).tags).status
            standing.append(fresh or Standing(item.model, item.version, status or "NOT_GATED"))
            yield Registered(item.model, item.version, last.at, already=standing[-1].verdict)
        for model, version, status in _systems_standing(stage):
            standing.append(Standing(model, version, status))
            yield Registered(model, version, last.at, already=status)
        retrained = any(item.model == history.RETRAINED_MODEL and item.version != "1" for item in seeded)
        night = _night(stage, Night(last.at, retrained=retrained, report=True))
    yield from (Judged(last.at, o) for o in night.monitored)
    yield Ended(tuple(standing), night, last.at)


def _systems_standing(stage: Stage) -> list[tuple[str, str, str]]:
    """(system, version, its gate verdict) of every version of the demo's AI systems in the store."""
    from govflow.checks.governance_tags import VersionTags
    from govflow.demo.systems import ASSISTANT, VENDOR
    from govflow.tasks.queries import name_is

    found = []
    for name in (VENDOR, ASSISTANT):
        for mv in sorted(stage.client.search_model_versions(name_is(name)), key=lambda v: int(v.version)):
            found.append((name, str(mv.version), VersionTags.parse(mv.tags).status or "NOT_GATED"))
    return found

"""`govflow demo`: seed the example fleet, gate it, sign off, deploy, take a complaint, run the night."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from govflow.cli.printing import print_feedback, print_monitoring, print_outcome, print_report
from govflow.cli.runner import flow_output, load_settings, usage_error

if TYPE_CHECKING:  # the flows load when the demo runs
    from govflow.flows.nightly import NightlyOutcome

app = typer.Typer()

DEMO_SIGNERS = {"owner": "A. Rivera (model owner)", "validator": "M. Chen (model validation)"}


def _demo_signoffs(client, outcomes: list, policy) -> list:
    """Versions that pass every check but await sign-off get it, in each role their tier's policy names (as the
    jurisdictions they declare tighten it), from the demo's owner and validator."""
    from govflow.checks.governance_tags import version_tags
    from govflow.checks.jurisdictions import declared
    from govflow.flows.approval import sign_off

    signed = []
    for outcome in outcomes:
        awaiting = next((r for r in outcome.results if r.check_id == "governance.signoff"
                         and r.status.value == "INCONCLUSIVE"), None)
        if awaiting is None or any(r for r in outcome.reasons if not r.startswith("governance.signoff")):
            signed.append(outcome)
            continue
        tags = version_tags(client.get_registered_model(outcome.model).tags,
                              client.get_model_version(outcome.model, outcome.version).tags)
        rule = policy.tier(outcome.tier, declared(tags.jurisdictions)).governance.signoff
        for role in rule.roles if rule is not None else ():
            with flow_output():
                outcome = sign_off(outcome.model, outcome.version, DEMO_SIGNERS.get(role, f"demo {role}"), role,
                                   "demo: reviewed the gate's evidence")
            typer.echo(f"signed off: {outcome.model} v{outcome.version} as {role}; status now {outcome.verdict}")
        signed.append(outcome)
    return signed


def _demo_feedback(outcomes: list) -> None:
    """A complaint about the loan model, as its service desk would record it: it opens a finding."""
    from govflow.checks.feedback import entry
    from govflow.flows.feedback import record_feedback

    loan = next((o for o in outcomes if o.model == "loan_approval"), None)
    if loan is None:
        return
    items = [entry({"from": "applicant", "severity": "high", "theme": "explanation",
                    "text": "declined with no reason I can act on; the letter names no factor"}, "demo"),
             entry({"from": "branch staff", "severity": "low", "theme": "explanation",
                    "text": "customers ask which income counts"}, "demo")]
    with flow_output():
        outcome = record_feedback(loan.model, items, loan.version, "demo")
    typer.echo("")
    print_feedback(outcome)


def _gate_each(seeded) -> list:
    """Each seeded version through the registration gate, one after another: run from threads of the demo's
    own, the first flow would start Prefect's ephemeral server where nothing stops it at exit."""
    from govflow.flows.gate import registration_gate

    return [registration_gate(item.model, item.version) for item in seeded]


def _gate_and_deploy(client, policy, seeded) -> list:
    """Gate each seeded version, sign off those awaiting only that, and give the approved ones the serving
    alias (a retrained version takes it over from the one it replaces)."""
    with flow_output():
        outcomes = _gate_each(seeded)
    for outcome in outcomes:
        print_outcome(outcome)
    outcomes = _demo_signoffs(client, outcomes, policy)
    for o in outcomes:
        if o.approved and client.get_registered_model(o.model).aliases.get("champion") != o.version:
            client.set_registered_model_alias(o.model, "champion", o.version)
            typer.echo(f"deployed: {o.model} v{o.version} now holds the alias 'champion'")
    return outcomes


def _night(moment, feed, retrained: bool, report: bool):
    """One simulated night: the feed as it stood, the nightly run as of 02:00, a line per version judged."""
    from govflow.demo.history import blocking_checks, clock_at, night_before
    from govflow.flows.nightly import nightly_governance

    with clock_at(moment):
        feed.deliver(night_before(moment), retrained)
        with flow_output():
            result = nightly_governance(report=report)
    for o in result.monitored:
        why = f" ({', '.join(blocking_checks(o))})" if o.verdict != "APPROVED" and o.reasons else ""
        if o.reused:
            why = " (unchanged since the last run: not run again)"
        typer.echo(f"  {moment:%Y-%m-%d}  {o.model} v{o.version}: {o.verdict}{why}")
    return result


def _note_first_finding(result, noted: bool, moment) -> bool:
    """On the morning after the credit model's first failing night (02:00), its owner notes how the finding will be
    remediated."""
    from datetime import timedelta

    from govflow.demo.history import NOTE_PLAN_DUE, OWNER, RETRAINED_MODEL, blocking_checks, clock_at, note_text
    from govflow.flows.finding_note import finding_note

    if noted:
        return True
    failing = next((o for o in result.monitored if o.model == RETRAINED_MODEL and o.verdict == "REJECTED"), None)
    checks = blocking_checks(failing) if failing else []
    if failing is None or not checks:
        return False
    with clock_at(moment + timedelta(hours=8)), flow_output():
        finding_note(failing.model, checks[0], OWNER, note_text(checks[0]), failing.version,
                     remediation="plan_agreed", plan_due=NOTE_PLAN_DUE)
    typer.echo(f"  {moment + timedelta(hours=8):%Y-%m-%d}  noted by the owner: {note_text(checks[0])}")
    return True


def _replay(client, settings, policy, feed) -> tuple[list, NightlyOutcome]:
    """The fleet's weeks from registration to the last simulated night; returns the gate outcomes that stand
    and the last night's result (with the report)."""
    from datetime import timedelta

    from govflow.demo import history
    from govflow.demo.seed import Seeded, seed_fleet

    with history.clock_at(history.SEEDED_AT):
        with flow_output():
            seeded = seed_fleet(client, settings.datasets_dir, settings.local_artifact_root,
                                through=history.SEEDED_AT.date())
        for item in seeded:
            typer.echo(f"registered: {item.model} v{item.version}")
        typer.echo("")
        outcomes = _gate_and_deploy(client, policy, seeded)
    with history.clock_at(history.FIRST_NIGHTS[0] + timedelta(days=4)):
        _demo_feedback(outcomes)
    typer.echo("\nWeeks of operation, replayed night by night (GOVFLOW_NOW set to each night; nothing is slept):")
    noted = False
    for night in history.FIRST_NIGHTS:
        noted = _note_first_finding(_night(night, feed, False, report=False), noted, night)
    with history.clock_at(history.RETRAINED_AT):
        version = feed.register_retrained(client, history.RETRAINED_AT.date())
        typer.echo(f"\n{history.RETRAINED_AT:%Y-%m-%d}  registered: {history.RETRAINED_MODEL} v{version}, "
                   "retrained on the downturn's applicants")
        retrained = _gate_and_deploy(client, policy, [Seeded(history.RETRAINED_MODEL, version, True, {})])
    outcomes = [next((r for r in retrained if r.model == o.model), o) for o in outcomes]
    for night in history.RETRAINED_NIGHTS[:-1]:
        _night(night, feed, True, report=False)
    return outcomes, _night(history.FINAL_NIGHT, feed, True, report=True)


@dataclass(frozen=True)
class Standing:
    """A version's gate verdict as its registry tag holds it, when the demo does not gate it again."""

    model: str
    version: str
    verdict: str


def _stand_again(client, settings, feed) -> tuple[list, NightlyOutcome]:
    """A second `govflow demo`: the feed and clock at the last simulated night; the versions gated stand at their
    verdicts, and the last night's monitoring finds its evidence already recorded and is not run again."""
    from govflow.checks.governance_tags import VersionTags
    from govflow.demo import history
    from govflow.demo.seed import seed_fleet
    from govflow.flows.gate import registration_gate

    with history.clock_at(history.FINAL_NIGHT):
        with flow_output():
            seeded = seed_fleet(client, settings.datasets_dir, settings.local_artifact_root,
                                through=history.night_before(history.FINAL_NIGHT))
            fresh = {item.model: registration_gate(item.model, item.version, only_if_ungated=True)
                     for item in seeded}
        outcomes = []
        for item in seeded:
            status = VersionTags.parse(client.get_model_version(item.model, item.version).tags).status or "NOT_GATED"
            outcomes.append(fresh[item.model] or Standing(item.model, item.version, status))
            typer.echo(f"already registered: {item.model} v{item.version} ({outcomes[-1].verdict})")
        retrained = any(item.model == history.RETRAINED_MODEL and item.version != "1" for item in seeded)
    return outcomes, _night(history.FINAL_NIGHT, feed, retrained, report=True)


@app.command()
def demo() -> None:
    """Replay the example fleet's autumn: register and gate it, deploy the approved models, monitor them week by
    week (a model drifts, its finding is noted, falls overdue and is closed by a retrained version), then
    write the reports.

    Example: govflow demo, then govflow inventory and open .govflow/reports/index.html
    """
    import os

    settings = load_settings()
    from mlflow import MlflowClient

    from govflow.checks.fleet_view import overall_state
    from govflow.checks.policy import PolicyError
    from govflow.demo import history
    from govflow.policy_file import load_policy
    from govflow.tasks.queries import name_is

    uri = settings.resolved_tracking_uri
    typer.echo(f"MLflow: {uri}")
    if "GOVFLOW_WAIVERS_FILE" not in os.environ:  # the demo's waiver joins the shipped ones, for this process
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        os.environ["GOVFLOW_WAIVERS_FILE"] = str(history.write_demo_waivers(
            settings.waivers_file, settings.data_dir.resolve() / "demo-waivers.yaml"))
        typer.echo(f"waivers: {os.environ['GOVFLOW_WAIVERS_FILE']} (the shipped file and the demo's waiver)")
    client = MlflowClient(uri)
    feed = history.Feed.generate(settings.datasets_dir)
    try:
        policy = load_policy(settings.policy_file)[0]
        replayed = bool(client.search_registered_models(name_is(history.RETRAINED_MODEL)))
        outcomes, night = (_stand_again(client, settings, feed) if replayed
                           else _replay(client, settings, policy, feed))
    except PolicyError as exc:
        usage_error(str(exc))
    typer.echo(f"\nThe last night, {history.FINAL_NIGHT:%Y-%m-%d}:")
    for outcome in night.monitored:
        print_monitoring(outcome)
    typer.echo("")
    # A deployed version stands at the worse of its gate verdict and tonight's monitoring (as the inventory says).
    tonight = {o.model: o.verdict for o in night.monitored}
    typer.echo("Gate verdicts: " + ", ".join(f"{o.model} v{o.version}={o.verdict}" for o in outcomes))
    typer.echo("Overall, after the last night's monitoring: " + ", ".join(
        f"{o.model}={overall_state(o.verdict, tonight.get(o.model), o.model in tonight)}" for o in outcomes))
    print_report(night.report, night.report_error)
    if uri.startswith("sqlite:"):
        # The mlflow beside this interpreter: a venv's bin is seldom on the user's PATH.
        mlflow = Path(sys.executable).parent / "mlflow"
        typer.echo(f"Browse the evidence: {mlflow if mlflow.exists() else 'mlflow'} ui --backend-store-uri {uri}")

"""`govflow demo`: tell the demo's autumn (govflow/demo/story.py) and print each thing that happens."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from govflow.cli.printing import print_feedback, print_monitoring, print_outcome, print_report
from govflow.cli.runner import flow_output, load_settings, need_prefect, usage_error

app = typer.Typer()


def _print_event(event) -> None:
    from govflow.demo import story

    match event:
        case story.Registered(already=str() as verdict):
            typer.echo(f"already registered: {event.model} v{event.version} ({verdict})")
        case story.Registered():
            typer.echo(f"registered: {event.model} v{event.version}")
        case story.Gated(outcome=outcome):
            typer.echo("")
            print_outcome(outcome)
        case story.SignedOff(role=role, outcome=o):
            typer.echo(f"signed off: {o.model} v{o.version} as {role}; status now {o.verdict}")
        case story.Deployed():
            typer.echo(f"deployed: {event.model} v{event.version} now holds the alias '{event.alias}'")
        case story.Complained(outcome=outcome):
            typer.echo("")
            print_feedback(outcome)
        case story.NightsBegin():
            typer.echo("\nWeeks of operation, replayed night by night (GOVFLOW_NOW set to each night; nothing is "
                       "slept):")
        case story.Judged(outcome=o):
            why = f" ({', '.join(o.behind)})" if o.verdict != "APPROVED" and o.behind else ""
            if o.reused:
                why = " (unchanged since the last run: not run again)"
            typer.echo(f"  {event.at:%Y-%m-%d}  {o.model} v{o.version}: {o.verdict}{why}")
        case story.Noted():
            typer.echo(f"  {event.at:%Y-%m-%d}  noted by the owner: {event.text}")
        case story.Retrained():
            typer.echo(f"\n{event.at:%Y-%m-%d}  registered: {event.model} v{event.version}, retrained on the "
                       "downturn's applicants")
        case story.Ended():
            _print_end(event)


def _print_end(ended) -> None:
    from govflow.checks.fleet_view import overall_state

    night = ended.night
    typer.echo(f"\nThe last night, {ended.at:%Y-%m-%d}:")
    for outcome in night.monitored:
        print_monitoring(outcome)
    typer.echo("")
    # A deployed version stands at the worse of its gate verdict and tonight's monitoring (as the inventory says);
    # a model's overall state is its serving version's (the one monitored tonight), else its latest version's.
    tonight = {o.model: o for o in night.monitored}
    typer.echo("Gate verdicts: " + ", ".join(f"{o.model} v{o.version}={o.verdict}" for o in ended.standing))
    gate: dict[str, str] = {}
    for o in ended.standing:
        serving = tonight.get(o.model)
        if o.model not in gate or (serving is not None and serving.version == o.version):
            gate[o.model] = o.verdict
    typer.echo("Overall, after the last night's monitoring: " + ", ".join(
        f"{m}={overall_state(verdict, tonight[m].verdict if m in tonight else None, m in tonight)}"
        for m, verdict in gate.items()))
    print_report(night.report, night.report_error)


@app.command()
def demo() -> None:
    """Replay the example fleet's autumn: register and gate it, deploy the approved models, monitor them week by
    week (a model drifts, its finding is noted, falls overdue and is closed by a retrained version), then
    write the reports.

    Example: govflow demo, then govflow inventory and open .govflow/reports/index.html
    """
    settings = load_settings()
    need_prefect("the demo")
    from mlflow import MlflowClient

    from govflow.checks.policy import PolicyError
    from govflow.demo import history, story
    from govflow.policy_file import load_policy

    uri = settings.resolved_tracking_uri
    typer.echo(f"MLflow: {uri}")
    try:
        policy = load_policy(settings.policy_file)[0]
    except PolicyError as exc:
        usage_error(str(exc))
    stage = story.Stage(MlflowClient(uri), settings, policy, history.Feed.generate(settings.datasets_dir))
    with story.demo_environment(settings) as waivers:
        if waivers is not None:
            typer.echo(f"waivers: {waivers} (the shipped file and the demo's waiver)")
        events = story.tell(stage)
        while True:
            with flow_output():  # what the flows' libraries print goes to stderr; the story to stdout
                event = next(events, None)
            if event is None:
                break
            _print_event(event)
    if uri.startswith("sqlite:"):
        # The mlflow beside this interpreter: a venv's bin is seldom on the user's PATH.
        mlflow = Path(sys.executable).parent / "mlflow"
        typer.echo(f"Browse the evidence: {mlflow if mlflow.exists() else 'mlflow'} ui --backend-store-uri {uri}")

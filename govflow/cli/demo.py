"""`govflow demo`: seed the example fleet, gate it, sign off, deploy, take a complaint, run the night."""

from __future__ import annotations

import typer

from govflow.cli.printing import print_feedback, print_monitoring, print_outcome, print_report
from govflow.cli.runner import flow_output, load_settings, usage_error

app = typer.Typer()

DEMO_SIGNERS = {"owner": "A. Rivera (model owner)", "validator": "M. Chen (model validation)"}


def _demo_signoffs(outcomes: list, policy) -> list:
    """Versions that pass every check but await sign-off get it, in each role their tier's policy names,
    from the demo's owner and validator."""
    from govflow.flows.approval import sign_off

    signed = []
    for outcome in outcomes:
        awaiting = next((r for r in outcome.results if r.check_id == "governance.signoff"
                         and r.status.value == "INCONCLUSIVE"), None)
        if awaiting is None or any(r for r in outcome.reasons if not r.startswith("governance.signoff")):
            signed.append(outcome)
            continue
        rule = policy.tier(outcome.tier).governance.signoff
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


@app.command()
def demo() -> None:
    """Seed the example fleet, gate every version, deploy the approved ones and run the nightly monitoring.

    Example: govflow demo, then govflow inventory and open .govflow/reports/index.html
    """
    settings = load_settings()
    from mlflow import MlflowClient

    from govflow.checks.fleet_view import overall_state
    from govflow.checks.policy import PolicyError
    from govflow.demo.seed import deploy_if_unserved, seed_fleet
    from govflow.flows.gate import registration_gate
    from govflow.flows.nightly import nightly_governance
    from govflow.policy_file import load_policy

    uri = settings.resolved_tracking_uri
    typer.echo(f"MLflow: {uri}")
    with flow_output():
        seeded = seed_fleet(MlflowClient(uri), settings.datasets_dir, settings.local_artifact_root)
    for item in seeded:
        typer.echo(f"{'registered' if item.created else 'already registered'}: {item.model} v{item.version}")
    try:
        with flow_output():
            outcomes = [registration_gate(item.model, item.version) for item in seeded]
    except PolicyError as exc:
        usage_error(str(exc))
    typer.echo("")
    for outcome in outcomes:
        print_outcome(outcome)
    outcomes = _demo_signoffs(outcomes, load_policy(settings.policy_file)[0])
    client = MlflowClient(uri)
    deployed = [o for o in outcomes if o.approved and deploy_if_unserved(client, o.model, o.version)]
    _demo_feedback(outcomes)
    with flow_output():
        nightly_result = nightly_governance([o.model for o in outcomes if o.approved])
    monitored = nightly_result.monitored
    typer.echo("")
    for o in deployed:
        typer.echo(f"deployed: {o.model} v{o.version} now holds the alias 'champion'")
    for outcome in monitored:
        print_monitoring(outcome)
    typer.echo("")
    # A deployed version stands at the worse of its gate verdict and tonight's monitoring (as the inventory says).
    tonight = {o.model: o.verdict for o in monitored}
    typer.echo("Gate verdicts: " + ", ".join(f"{o.model}={o.verdict}" for o in outcomes))
    typer.echo("Overall, after tonight's monitoring: " + ", ".join(
        f"{o.model}={overall_state(o.verdict, tonight.get(o.model), o.model in tonight)}" for o in outcomes))
    print_report(nightly_result.report, nightly_result.report_error)
    if uri.startswith("sqlite:"):
        typer.echo(f"Browse the evidence: mlflow ui --backend-store-uri {uri}")

"""Commands that run the fleet's recurring jobs: the nightly run, the retirement sweep, retiring a version,
the reports, and serving the deployments on one machine."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

import typer

from govflow.cli.printing import print_inventory, print_lifecycle, print_monitoring, print_report
from govflow.cli.runner import emit_json, exit_for, flow_output, load_settings, need_prefect, run_job, usage_error

app = typer.Typer()


@app.command()
def nightly(
    model: Annotated[list[str] | None, typer.Option("--model", help="only these models (repeatable)")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="only versions tagged KEY=VALUE (repeatable)")] = None,
) -> None:
    """Gate versions never gated, then monitor every deployed version (one holding an alias). Exit 0 all
    pass, 1 any finding, 2 bad input.

    Example: govflow nightly --model credit_scoring --tag team=retail
    """
    settings = load_settings()
    wanted = {}
    for item in tag or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            usage_error(f"--tag '{item}' is not KEY=VALUE")
        wanted[key] = value
    from govflow.flows.nightly import nightly_governance
    from govflow.tasks.registry import reach_registry

    reach_registry(settings.resolved_tracking_uri)  # a stopped store answers before the flow engine starts
    need_prefect("the nightly run")

    with flow_output():
        result = nightly_governance(model or None, wanted or None)
    for (name, version), verdict in result.gated.items():
        typer.echo(f"{name} v{version} was never gated; gate: {verdict}")
    if not result.monitored:
        typer.echo("no deployed versions (none holds an alias)")
    for outcome in result.monitored:
        print_monitoring(outcome)
    print_report(result.report, result.report_error)
    exit_for([o.verdict for o in result.monitored] + list(result.gated.values()))


@app.command()
def retirement(
    model: Annotated[list[str] | None, typer.Option("--model", help="only these models (repeatable)")] = None,
    as_of: Annotated[str | None, typer.Option(help="judge as of this later date (YYYY-MM-DD): what falls due")] = None,
) -> None:
    """Sweep serving and retiring versions: review, owner, monitoring, succession, retirement. Exit 0 none
    found, 1 any finding, 2 bad input.

    Example: govflow retirement --as-of 2026-12-31
    """
    from datetime import datetime

    load_settings()
    moment = None
    if as_of is not None:
        try:
            moment = datetime.fromisoformat(as_of)
        except ValueError:
            usage_error(f"--as-of '{as_of}' is not a date (YYYY-MM-DD) or an ISO timestamp")
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    from govflow.flows.retirement import retirement_sweep

    with flow_output():
        outcomes = run_job(retirement_sweep, model or None, as_of=moment)
    if not outcomes:
        typer.echo("no version serves or is being retired")
    for outcome in outcomes:
        print_lifecycle(outcome)
    exit_for(o.verdict for o in outcomes)


@app.command()
def retire(
    model: str, version: Annotated[str | None, typer.Argument(help="one version; all of the model's if left out")] = None,
    by: Annotated[str | None, typer.Option(help="who asks for the retirement")] = None,
) -> None:
    """Start retiring a version; it is retired once no alias and no lost evidence remain. Exit 0 retired,
    1 still retiring (what remains is named), 2 bad input.

    Example: govflow retire credit_scoring 2 --by "M. Chen"
    """
    load_settings()
    from govflow.flows.retirement import retire as retire_flow

    with flow_output():
        outcomes = run_job(retire_flow, model, version, by)
    if not outcomes:
        typer.echo(f"{model}: nothing to retire (already retired)")
    for outcome in outcomes:
        print_lifecycle(outcome)
    raise typer.Exit(0 if all(o.lifecycle == "retired" for o in outcomes) else 1)


@app.command()
def report(
    out: Annotated[str | None, typer.Option(help="folder for the pages (default: the data dir's reports folder)")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="the day the register is judged on, YYYY-MM-DD")] = None,
) -> None:
    """The fleet dashboard, a governance report per model, the risk register (HTML, CSV, JSON) and the
    management summary; also logged to MLflow. Exit 0.

    Example: govflow report --out ./reports (then open ./reports/index.html)
    """
    from datetime import date

    load_settings()
    if as_of:
        try:
            date.fromisoformat(as_of)
        except ValueError:
            usage_error(f"--as-of '{as_of}' is not a date (YYYY-MM-DD)")
    from govflow.flows.report import fleet_report

    with flow_output():
        outcome = fleet_report.fn(out, as_of)  # read-only: no Prefect server (see tasks/task_type.py)
    print_report(outcome)


@app.command()
def inventory(
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """The fleet in the terminal: each model's owner, tier, current version, gate status, latest monitoring
    verdict and overall state (a serving version stands at the worse of the two), open and overdue findings,
    and when its next review is due. Exit 0, or 1 when a model's overall state is not approved.

    Example: govflow inventory --json | jq '.models[] | select(.status != "APPROVED")'
    """
    load_settings()
    from govflow.flows.report import fleet_inventory

    with flow_output():
        rows = fleet_inventory.fn()  # read-only: no Prefect server (see tasks/task_type.py)
    if as_json:
        emit_json({"models": rows})
    else:
        print_inventory(rows)
    exit_for([r["status"] for r in rows if r["lifecycle"] == "serving"])


@app.command()
def serve(
    prefect_port: Annotated[int, typer.Option(help="port of the loopback Prefect server started when PREFECT_API_URL is unset")] = 4200,
    webhook_host: Annotated[str, typer.Option(help="address the webhook receiver listens on")] = "127.0.0.1",
    webhook_port: Annotated[int, typer.Option(help="port of the webhook receiver (needs GOVFLOW_WEBHOOK_SECRET)")] = 8787,
) -> None:
    """Serve the deployments of prefect.yaml in this process: nightly run, retirement sweep, gate and serving
    check on their schedules and events; with GOVFLOW_WEBHOOK_SECRET, the webhook receiver too.

    Example: govflow serve --prefect-port 4200
    """
    import os

    settings = load_settings()
    from govflow.serve import ServeError, read_deployments, start_prefect_server, start_receiver

    try:
        entries = read_deployments()
    except ServeError as exc:
        usage_error(str(exc))
    if settings.webhook_secret is not None:
        from govflow.cli.webhooks import webhook_secret

        webhook_secret(settings)  # too short a secret is refused before anything starts
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        try:
            url, server = start_prefect_server(settings, prefect_port)
        except ServeError as exc:
            usage_error(str(exc))
        os.environ["PREFECT_API_URL"] = url  # before Prefect reads its settings; flow runs inherit it
    try:
        from govflow.serve import runner_deployments, serve_until_stopped

        deployments = runner_deployments(entries, interval_seconds=settings.reconcile_seconds)
        if settings.webhook_secret is not None:
            start_receiver(settings, webhook_host, webhook_port)
            typer.echo(f"webhooks: http://{webhook_host}:{webhook_port}/webhooks/mlflow", err=True)
        typer.echo(f"Prefect API: {os.environ['PREFECT_API_URL']}; serving "
                   + ", ".join(e["name"] for e in entries), err=True)
        with flow_output():
            serve_until_stopped(deployments)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)

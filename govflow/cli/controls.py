"""`govflow controls`: the control catalogue and its framework coverage."""

from __future__ import annotations

from typing import Annotated

import typer

from govflow.cli.runner import bad_input_types, emit_json, flow_output, load_settings, usage_error

group = typer.Typer(no_args_is_help=True, help="The control catalogue and its framework coverage.")


@group.command("coverage")
def controls_coverage_command(
    model: Annotated[str | None, typer.Argument(help="one model (default: every registered model)")] = None,
    framework: Annotated[str | None, typer.Option(help="nist_ai_rmf, iso_42001, sr_11_7, sr_26_2, eu_ai_act or naic")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Per framework clause: whether each model has current evidence, an attestation, or nothing.

    Example: govflow controls coverage --framework eu_ai_act
    """
    settings = load_settings()
    from govflow.checks.controls import FRAMEWORKS
    from govflow.policy_file import load_controls
    from govflow.tasks.registry import ensure_registered

    if framework is not None and framework not in FRAMEWORKS:
        usage_error(f"unknown framework '{framework}' (known: {', '.join(FRAMEWORKS)})")
    try:
        load_controls(settings.controls_file)
        if model:
            ensure_registered(settings.resolved_tracking_uri, model)
    except bad_input_types() as exc:
        usage_error(str(exc))
    from govflow.flows.controls import controls_coverage

    with flow_output():
        result = controls_coverage.fn(model, framework)  # read-only: no Prefect server
    if as_json:
        emit_json({"models": result.models, "clauses": result.rows})
        return
    names = list(result.models)
    typer.echo("models: " + ", ".join(f"{m} v{v}" for m, v in result.models.items()))
    current = None
    for row in result.rows:
        if row["framework"] != current:
            current = row["framework"]
            typer.echo(f"\n{current}")
        cells = "  ".join(f"{m}={row['models'][m]}" for m in names)
        typer.echo(f"  {row['clause']:<48} [{', '.join(row['controls'])}]  {cells}")

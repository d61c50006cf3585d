"""The `govflow` command: a thin shell over the flows. Heavy libraries load only inside commands."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Annotated

import typer

from govflow.settings import Settings, apply_environment

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _settings() -> Settings:
    settings = Settings()
    apply_environment(settings)
    return settings


def _usage_error(message: str) -> None:
    typer.echo(f"govflow: {message}", err=True)
    raise typer.Exit(2)


def _print_outcome(outcome) -> None:
    """Every non-passing result in full with its fix; passing results counted per check."""
    typer.echo(f"{outcome.model} v{outcome.version} [{outcome.tier} tier]: {outcome.verdict}")
    passed: dict[str, int] = {}
    for r in outcome.results:
        if r.status.value == "PASS" and (r.column or r.group):
            passed[r.check_id] = passed.get(r.check_id, 0) + 1
            continue
        where = f"[{r.column or r.group}]" if (r.column or r.group) else ""
        ci = f"  CI [{r.ci[0]:.4f}, {r.ci[1]:.4f}]" if r.ci else ""
        typer.echo(f"  {r.status.value:<12} {r.check_id}{where}: {r.message}{ci}")
        if r.hint and r.status.value != "PASS":
            typer.echo(f"  {'':<12} fix: {r.hint}")
    for check_id, count in passed.items():
        typer.echo(f"  {'PASS':<12} {check_id}: {count} column(s) or group(s) within limits")
    typer.echo(f"  evidence: {outcome.artifact_uri}")


def _outcome_json(outcome) -> dict:
    return {
        "model": outcome.model, "version": outcome.version, "tier": outcome.tier, "verdict": outcome.verdict,
        "reasons": list(outcome.reasons), "run_id": outcome.run_id, "evidence": outcome.artifact_uri,
        "results": [r.model_dump(mode="json", exclude_none=False) for r in outcome.results],
    }


@app.command()
def gate(
    model: str, version: str,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Run the registration gate for one model version. Exit 0 approved, 1 rejected or blocked, 2 bad input."""
    settings = _settings()
    from checks.policy import PolicyError
    from govflow.policy_file import load_policy
    from tasks.registry import UnknownModelVersion, lookup_model_version

    try:
        # Bad input is answered in a second, before the flow engine starts.
        load_policy(settings.policy_file)
        lookup_model_version(settings.resolved_tracking_uri, model, version)
    except (UnknownModelVersion, PolicyError) as exc:
        _usage_error(str(exc))
    from flows.gate import registration_gate

    try:
        # Libraries print (MLflow's "View run at ..."); stdout is kept for our report alone.
        with contextlib.redirect_stdout(sys.stderr):
            outcome = registration_gate(model, version)
    except (UnknownModelVersion, PolicyError) as exc:
        _usage_error(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(_outcome_json(outcome)) + "\n")
    else:
        _print_outcome(outcome)
    raise typer.Exit(0 if outcome.approved else 1)


@app.command()
def demo() -> None:
    """Seed MLflow with the example fleet, gate every version, and print each verdict and its evidence."""
    settings = _settings()
    from mlflow import MlflowClient

    from checks.policy import PolicyError
    from flows.gate import registration_gate
    from govflow.demo.seed import seed_fleet

    uri = settings.resolved_tracking_uri
    typer.echo(f"MLflow: {uri}")
    with contextlib.redirect_stdout(sys.stderr):
        seeded = seed_fleet(MlflowClient(uri), settings.datasets_dir, settings.local_artifact_root)
    for item in seeded:
        typer.echo(f"{'registered' if item.created else 'already registered'}: {item.model} v{item.version}")
    try:
        with contextlib.redirect_stdout(sys.stderr):
            outcomes = [registration_gate(item.model, item.version) for item in seeded]
    except PolicyError as exc:
        _usage_error(str(exc))
    typer.echo("")
    for outcome in outcomes:
        _print_outcome(outcome)
    typer.echo("")
    typer.echo("Verdicts: " + ", ".join(f"{o.model}={o.verdict}" for o in outcomes))
    if uri.startswith("sqlite:"):
        typer.echo(f"Browse the evidence: mlflow ui --backend-store-uri {uri}")


if __name__ == "__main__":
    app()

"""Commands around the registration gate: gate a version, sign it off, gate what a lost webhook left, and
compare bias mitigations."""

from __future__ import annotations

from typing import Annotated

import typer

from govflow.cli.printing import outcome_json, print_outcome
from govflow.cli.runner import (
    check_subject,
    emit_json,
    exit_for,
    flow_output,
    load_settings,
    run_job,
    usage_error,
)

app = typer.Typer()


@app.command()
def gate(
    model: str, version: str,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Run the registration gate for one model version. Exit 0 approved, 1 rejected or blocked, 2 bad input.

    Example: govflow gate credit_scoring 3 --json
    """
    check_subject(load_settings(), model, version)
    from mlflow.exceptions import MlflowException

    from govflow.flows.gate import registration_gate

    try:
        with flow_output():
            outcome = run_job(registration_gate, model, version)
        if outcome is None:  # only automation's gates (only_if_ungated) pass a version by
            raise RuntimeError(f"the gate of {model} v{version} recorded no outcome")
    except MlflowException as exc:  # the store went away after retries; what was written stays, unvouched
        typer.echo(f"govflow: MLflow failed during the gate, so its evidence could not be written whole: "
                   f"{exc.message[:500]}\nThe run it began is incomplete: `govflow verify {model}` names it, and the "
                   f"next gate of v{version} completes it.", err=True)
        raise typer.Exit(1) from None
    if as_json:
        emit_json(outcome_json(outcome))
    else:
        print_outcome(outcome)
    exit_for([outcome.verdict])


@app.command()
def approve(
    model: str, version: str,
    by: Annotated[str, typer.Option(help="the person signing off, by name")],
    role: Annotated[str, typer.Option(help="the role they sign in (the policy names the roles a tier needs)")],
    note: Annotated[str | None, typer.Option(help="what they checked, or conditions")] = None,
) -> None:
    """Record a human sign-off as evidence, then gate the version again. Exit 0 (the sign-off is recorded).

    Example: govflow approve credit_scoring 3 --role validator --by "A. Rivera" --note "reviewed the fairness pack"
    """
    settings = load_settings()
    check_subject(settings, model, version)
    from govflow.policy_file import load_policy

    if len(by.strip()) < 3:
        usage_error("--by needs the person's name")
    policy, _ = load_policy(settings.policy_file)
    roles = policy.signoff_roles()
    if roles and role not in roles:
        usage_error(f"role '{role}' is not one the policy signs off in ({', '.join(roles)})")
    from govflow.flows.approval import sign_off

    with flow_output():
        outcome = run_job(sign_off, model, version, by.strip(), role, note)
    typer.echo(f"sign-off recorded: {by.strip()} as {role} for {model} v{outcome.version}")
    print_outcome(outcome)


@app.command()
def reconcile(
    model: Annotated[list[str] | None, typer.Option("--model", help="only these models (repeatable)")] = None,
) -> None:
    """Gate every registered version that has no governance status (a webhook that was lost); `govflow serve`
    runs this every few minutes. Exit 0 all approved or none to gate, 1 otherwise.

    Example: govflow reconcile --model credit_scoring
    """
    load_settings()
    from govflow.flows.reconcile import reconciliation

    with flow_output():
        gated = run_job(reconciliation, model or None)
    if not gated:
        typer.echo("every registered version has a governance status")
    for name, verdict in gated.items():
        typer.echo(f"{name} had no governance status; gate: {verdict}")
    exit_for(gated.values())


@app.command()
def mitigate(
    model: str, version: str,
    register: Annotated[bool, typer.Option("--register", help="register the recommended mitigated model")] = False,
) -> None:
    """Compare bias mitigations with the model as it is, before / after, on held-out data.

    Example: govflow mitigate hiring_promotion 1
    """
    check_subject(load_settings(), model, version)
    from govflow.flows.mitigation import MitigationInputError, mitigation_evaluation

    try:
        with flow_output():
            outcome = run_job(mitigation_evaluation, model, version, register_best=register)
    except MitigationInputError as exc:
        usage_error(str(exc))
    names = ["original", "threshold_optimizer", "exponentiated_gradient", "reweighing"]
    shown = [n for n in names if n not in outcome.errors]
    typer.echo(f"{model} v{outcome.version}: mitigations on the evaluation data")
    typer.echo(f"  {'check[group]':<52}" + "".join(f"{n:>26}" for n in shown))
    for row in outcome.table:
        cells = []
        for n in shown:
            cell = row.get(n)
            if cell is None or cell["value"] is None:
                cells.append(f"{'-':>26}")
            else:
                ci = f" [{cell['ci'][0]:.3f},{cell['ci'][1]:.3f}]" if cell["ci"] else ""
                cells.append(f"{cell['value']:.3f}{ci} {cell['status'][:4]}".rjust(26))
        typer.echo(f"  {row['check_id'] + '[' + (row['group'] or '-') + ']':<52}" + "".join(cells))
    for name, error in outcome.errors.items():
        typer.echo(f"  not evaluated: {name}: {error}")
    typer.echo(f"  recommended: {outcome.recommended or 'none passes the policy'}")
    if register:
        typer.echo(f"  registered: {model} v{outcome.registered_version}" if outcome.registered_version
                   else "  registered: nothing (no registrable mitigation passes the policy)")

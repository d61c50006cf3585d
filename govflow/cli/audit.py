"""`govflow audit`: ad-hoc audits of a data file, no MLflow needed."""

from __future__ import annotations

from typing import Annotated

import typer

from govflow.cli.printing import print_groups
from govflow.cli.runner import emit_json, exit_for, load_settings, usage_error

group = typer.Typer(no_args_is_help=True, help="Ad-hoc audits of a data file; no MLflow needed.")


@group.command("fairness")
def audit_fairness_command(
    data: Annotated[str, typer.Option(help="CSV or Parquet: a file, folder or glob")],
    label: Annotated[str, typer.Option(help="true outcome column (0/1)")],
    prediction: Annotated[str, typer.Option(help="predicted class column (0/1)")],
    sensitive: Annotated[str, typer.Option(help="protected attribute column(s), comma-separated")],
    score: Annotated[str | None, typer.Option(help="predicted probability column")] = None,
    tier: Annotated[str | None, typer.Option(help="policy tier to judge by (default: the unassessed tier)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Group fairness of a file of predictions. Exit 0 pass, 1 fail or inconclusive, 2 bad input."""
    settings = load_settings()
    from govflow.audit import AuditInputError, audit_fairness
    from govflow.checks.policy import PolicyError
    from govflow.policy_file import load_policy

    frame = _read_or_exit(data)
    try:
        policy, _ = load_policy(settings.policy_file)
        report = audit_fairness(frame, label=label, prediction=prediction, score=score, tier=tier,
                                sensitive=[c.strip() for c in sensitive.split(",") if c.strip()],
                                policy=policy, source=data)
    except (AuditInputError, PolicyError) as exc:
        usage_error(str(exc))
    if not as_json:
        typer.echo(f"fairness audit of {data}: {report.verdict}")
        print_groups(report.groups)
    _finish_audit(report, as_json)


def _read_or_exit(path: str, columns: list[str] | None = None):
    from govflow.datasets import read_dataset

    loaded = read_dataset(path, columns)
    if loaded.error:
        usage_error(f"cannot read {path}: {loaded.error}")
    return loaded.frame


def _finish_audit(report, as_json: bool) -> None:
    """Print the results (or the JSON object) and exit: 0 pass, 1 finding, 2 when the input broke a check."""
    if as_json:
        emit_json(report.to_json())
    else:
        for r in report.results:
            where = r.group or r.column or "-"
            ci = f"  CI [{r.ci[0]:.4f}, {r.ci[1]:.4f}]" if r.ci else ""
            typer.echo(f"  {r.status.value:<12} {r.check_id}[{where}]: {r.message}{ci}")
    errors = [r for r in report.results if r.status.value == "ERROR"]
    if errors:
        typer.echo(f"govflow: {errors[0].message}", err=True)
        raise typer.Exit(2)
    exit_for([report.verdict])


@group.command("drift")
def audit_drift_command(
    reference: Annotated[str, typer.Option(help="reference data: CSV or Parquet file, folder or glob")],
    current: Annotated[str, typer.Option(help="current data: CSV or Parquet file, folder or glob")],
    columns: Annotated[str | None, typer.Option(help="columns to compare, comma-separated (default: all shared)")] = None,
    tier: Annotated[str | None, typer.Option(help="policy tier to judge by (default: the unassessed tier)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Drift of one file from another, per column. Exit 0 no drift, 1 drift, 2 bad input."""
    settings = load_settings()
    from govflow.audit import AuditInputError, audit_drift
    from govflow.checks.policy import PolicyError
    from govflow.policy_file import load_policy

    chosen = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    ref_frame, cur_frame = _read_or_exit(reference, chosen), _read_or_exit(current, chosen)  # only what is compared
    try:
        policy, _ = load_policy(settings.policy_file)
        report = audit_drift(ref_frame, cur_frame, policy=policy, tier=tier, sources=(reference, current),
                             columns=chosen)
    except (AuditInputError, PolicyError) as exc:
        usage_error(str(exc))
    if not as_json:
        typer.echo(f"drift audit of {current} against {reference}: {report.verdict}")
    _finish_audit(report, as_json)

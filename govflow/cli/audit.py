"""`govflow audit`: ad-hoc audits of a data file, no MLflow needed."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from govflow.cli.printing import (
    print_adverse_impact,
    print_class_groups,
    print_continuous_groups,
    print_favourable,
    print_groups,
)
from govflow.cli.runner import emit_json, load_settings, usage_error

if TYPE_CHECKING:  # the CLI imports pandas only when a command reads data
    import pandas as pd

    from govflow.datasets import LoadedData

group = typer.Typer(no_args_is_help=True, help="Ad-hoc audits of a data file; no MLflow needed.")


class FailOn(StrEnum):
    FAIL = "fail"
    WARN = "warn"


class DecisionKind(StrEnum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"


FAIL_ON_HELP = ("what exits 1: 'fail', a verdict that does not approve (a blocking check failed or could not judge); "
                "'warn', that or any warning (a non-blocking check that failed)")


@group.command("fairness")
def audit_fairness_command(
    data: Annotated[str, typer.Option(help="CSV or Parquet: a file, folder or glob")],
    prediction: Annotated[str, typer.Option(help="decision column (0/1 with 1 favourable, or see --favourable)")],
    sensitive: Annotated[str, typer.Option(help="protected attribute column(s), comma-separated")],
    label: Annotated[str | None, typer.Option(
        help="true outcome column; without it the decisions alone are judged (selection-rate parity)")] = None,
    favourable: Annotated[str | None, typer.Option(
        help="the favourable decision, e.g. approved: the value that benefits the person (for a column 'deny', "
             "the value meaning not denied); needed unless the column is 0/1 with 1 favourable")] = None,
    favourable_outcome: Annotated[str | None, typer.Option(
        help="the favourable outcome in the --label column, e.g. repaid (default: the --favourable value)")] = None,
    positive: Annotated[str | None, typer.Option(hidden=True, help="old name of --favourable")] = None,
    score: Annotated[str | None, typer.Option(help="predicted probability column")] = None,
    tier: Annotated[str | None, typer.Option(help="policy tier to judge by (default: the unassessed tier)")] = None,
    task: Annotated[DecisionKind, typer.Option(help=(
        "binary: a decision that favours or not; multiclass: one of several classes (a product offered), judged "
        "one class against the rest; regression: a continuous decision (an offered limit, a premium), judged by the "
        "mean decision per group and, with --label, the errors per group"))] = DecisionKind.BINARY,
    fail_on: Annotated[FailOn, typer.Option(help=FAIL_ON_HELP)] = FailOn.FAIL,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Group fairness of a file of decisions, with each group's adverse impact ratio, its interval and a
    two-proportion test; with --task regression, of continuous decisions: the lowest group's mean over the
    highest's with its interval; with --task multiclass, of decisions among several classes, one class against
    the rest.

    Exit 0: the tier's verdict approves (with --fail-on warn, and nothing warned); 1: a finding; 2: bad input.
    Example: govflow audit fairness --data decisions.csv --prediction decision --favourable approved
    --sensitive race,sex
    """
    if task is not DecisionKind.BINARY:
        if favourable or favourable_outcome or positive or score:
            usage_error(f"--favourable and --score describe binary decisions; a {task.value} decision has none")
        _task_fairness(task, data, prediction, sensitive, label, tier, fail_on, as_json)
        return
    settings = load_settings()
    from govflow.audit import AuditInputError, audit_fairness
    from govflow.checks.policy import PolicyError
    from govflow.policy_file import load_policy

    if positive is not None:
        if favourable is not None:
            usage_error("give --favourable only (--positive is its old name)")
        typer.echo("govflow: note: --positive is read as --favourable, the decision that benefits the person",
                   err=True)
        favourable = positive
    frame = _read_or_exit(data)
    try:
        policy, _ = load_policy(settings.policy_file)
        report = audit_fairness(frame, label=label, prediction=prediction, score=score, tier=tier,
                                sensitive=[c.strip() for c in sensitive.split(",") if c.strip()],
                                policy=policy, source=data, favourable=favourable,
                                favourable_outcome=favourable_outcome)
    except (AuditInputError, PolicyError) as exc:
        usage_error(str(exc))
    if not as_json:
        typer.echo(f"fairness audit of {data}: {report.verdict}" + ("" if label else " (decisions only: no outcomes)"))
        print_favourable(report.favourable)
        print_groups(report.groups)
        print_adverse_impact(report.adverse_impact)
    _finish_audit(report, as_json, fail_on)


def _task_fairness(task: DecisionKind, data: str, prediction: str, sensitive: str, label: str | None,
                   tier: str | None, fail_on: FailOn, as_json: bool) -> None:
    settings = load_settings()
    from govflow.audit import AuditInputError, audit_class_fairness, audit_continuous_fairness
    from govflow.checks.policy import PolicyError
    from govflow.policy_file import load_policy

    frame = _read_or_exit(data)
    audit = audit_continuous_fairness if task is DecisionKind.REGRESSION else audit_class_fairness
    try:
        policy, _ = load_policy(settings.policy_file)
        report = audit(frame, label=label, prediction=prediction, tier=tier, source=data,
                       sensitive=[c.strip() for c in sensitive.split(",") if c.strip()], policy=policy)
    except (AuditInputError, PolicyError) as exc:
        usage_error(str(exc))
    if not as_json:
        kind = "continuous decisions" if task is DecisionKind.REGRESSION else "decisions among classes"
        typer.echo(f"fairness audit of {data} ({kind}): {report.verdict}"
                   + ("" if label else " (decisions only: no outcomes)"))
        (print_continuous_groups if task is DecisionKind.REGRESSION else print_class_groups)(report.groups)
    _finish_audit(report, as_json, fail_on)


def _read_or_exit(path: str, columns: list[str] | None = None, dictionary: bool = False) -> pd.DataFrame:
    return _frame_or_exit(path, _read(path, columns, dictionary))


def _read(path: str, columns: list[str] | None, dictionary: bool):
    from govflow.datasets import read_dataset

    return read_dataset(path, columns, dictionary)


def _frame_or_exit(path: str, loaded: LoadedData) -> pd.DataFrame:
    if loaded.error or loaded.frame is None:
        usage_error(f"cannot read {path}: {loaded.error or 'no rows'}")
    return loaded.frame


def _finish_audit(report, as_json: bool, fail_on: FailOn) -> None:
    """Print the results (or the JSON object) and exit: 0 pass, 1 a finding at the `fail_on` level, 2 when the
    input broke a check."""
    if as_json:
        emit_json(report.to_json())
    else:
        # What failed first, then what could not be judged, then warnings; passes last (a stable sort).
        order = {"ERROR": 0, "FAIL": 0, "INCONCLUSIVE": 1, "WARN": 2}
        for r in sorted(report.results, key=lambda r: order.get(r.status.value, 3)):
            where = r.group or r.column or "-"
            ci = f"  CI [{r.ci[0]:.4f}, {r.ci[1]:.4f}]" if r.ci else ""
            typer.echo(f"  {r.status.value:<12} {r.check_id}[{where}]: {r.message}{ci}")
    errors = [r for r in report.results if r.status.value == "ERROR"]
    if errors:
        typer.echo(f"govflow: {errors[0].message}", err=True)
        raise typer.Exit(2)
    warnings = [r for r in report.results if r.status.value in ("WARN", "FAIL")]
    if not as_json and warnings and not report.fails_on(fail_on.value):
        typer.echo(f"exit 0: {len(warnings)} non-blocking finding(s) above; --fail-on warn makes them exit 1")
    raise typer.Exit(1 if report.fails_on(fail_on.value) else 0)


@group.command("drift")
def audit_drift_command(
    reference: Annotated[str, typer.Option(help="reference data: CSV or Parquet file, folder or glob")],
    current: Annotated[str, typer.Option(help="current data: CSV or Parquet file, folder or glob")],
    columns: Annotated[str | None, typer.Option(help="columns to compare, comma-separated (default: all shared)")] = None,
    tier: Annotated[str | None, typer.Option(help="policy tier to judge by (default: the unassessed tier)")] = None,
    fail_on: Annotated[FailOn, typer.Option(help=FAIL_ON_HELP)] = FailOn.FAIL,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Drift of one file from another, per column and jointly (a classifier telling the files apart).

    Exit 0: the tier's verdict approves (with --fail-on warn, and no feature drifted); 1: a finding; 2: bad
    input. Example: govflow audit drift --reference train.parquet --current last_week.parquet --fail-on warn
    """
    settings = load_settings()
    from govflow.audit import AuditInputError, audit_drift
    from govflow.checks.policy import PolicyError
    from govflow.policy_file import load_policy

    chosen = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    # Only what is compared is read, strings as dictionary codes: drift counts values, it never needs the strings.
    # Both files at once: Parquet decoding releases the GIL.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        loaded = list(pool.map(lambda path: _read(path, chosen, True), (reference, current)))
    ref_frame, cur_frame = (_frame_or_exit(path, data) for path, data in zip((reference, current), loaded))
    try:
        policy, _ = load_policy(settings.policy_file)
        report = audit_drift(ref_frame, cur_frame, policy=policy, tier=tier, sources=(reference, current),
                             columns=chosen)
    except (AuditInputError, PolicyError) as exc:
        usage_error(str(exc))
    if not as_json:
        typer.echo(f"drift audit of {current} against {reference}: {report.verdict}")
    _finish_audit(report, as_json, fail_on)

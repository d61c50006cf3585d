"""`govflow finding` and `govflow feedback`: notes on findings, and stakeholder feedback recorded as evidence."""

from __future__ import annotations

from typing import Annotated

import typer

from govflow.cli.printing import print_feedback
from govflow.cli.runner import check_subject, flow_output, load_settings, run_job, usage_error, validate_subject

finding_group = typer.Typer(no_args_is_help=True, help="Findings on the risk register.")
feedback_group = typer.Typer(no_args_is_help=True, help="Stakeholder feedback and incidents, recorded as evidence.")


@finding_group.command("note")
def finding_note_command(
    model: str, check: str,
    by: Annotated[str, typer.Option(help="who did or decided it, by name")],
    text: Annotated[str, typer.Option(help="what was done about the finding")],
    version: Annotated[str | None, typer.Option(help="the version (default: the serving one, else the newest)")] = None,
    status: Annotated[str | None, typer.Option(
        help="the remediation status it sets: open, plan_agreed (needs --due), in_progress or remediated (the "
             "finding closes when a run passes the check; a waiver marks it accepted)")] = None,
    due: Annotated[str | None, typer.Option(help="with --status plan_agreed: the date the plan fixes it by")] = None,
) -> None:
    """Record a remediation note on a finding as evidence, with the status it sets and who set it; the register
    shows them beside the finding. Exit 0.

    Example: govflow finding note credit_scoring drift.share --by "A. Rivera" --text "retraining on Q3 data"
    --status plan_agreed --due 2026-11-30
    """
    settings = load_settings()
    from govflow.checks import CHECKS

    if check not in CHECKS:
        usage_error(f"unknown check id '{check}'; known ids are listed in the policy file and checks/check_registry.py")
    if len(by.strip()) < 3 or not text.strip():
        usage_error("--by needs the person's name and --text what was done")
    from govflow.checks.register import REMEDIATION_STEPS

    if status is not None and status not in REMEDIATION_STEPS:
        usage_error(f"--status '{status}' is not a remediation status ({', '.join(REMEDIATION_STEPS)}; a waiver in "
                    "the waivers file marks a finding accepted)")
    if (status == "plan_agreed") != (due is not None):
        usage_error("--status plan_agreed needs --due DATE, the date the plan fixes it by, and --due goes only with it")
    if due is not None:
        from datetime import date

        try:
            due = date.fromisoformat(due).isoformat()
        except ValueError:
            usage_error(f"--due '{due}' is not a date (YYYY-MM-DD)")
    version = check_subject(settings, model, version)
    from govflow.flows.finding_note import finding_note

    with flow_output():
        run_id = run_job(finding_note, model, check, by.strip(), text.strip(), version, status, due)
    set_to = f"; remediation {status.replace('_', ' ')}" + (f" by {due}" if due else "") if status else ""
    typer.echo(f"note recorded on {model} v{version} {check} by {by.strip()}{set_to} (evidence run {run_id})")


@feedback_group.command("add")
def feedback_add(
    model: str,
    source: Annotated[str, typer.Option("--from", help="who gives it: a role (applicant, branch staff, regulator)")],
    severity: Annotated[str, typer.Option(help="low, medium, high or critical")],
    text: Annotated[str, typer.Option(help="what was reported")],
    version: Annotated[str | None, typer.Option(help="the version (default: the serving one, else the newest)")] = None,
    theme: Annotated[str | None, typer.Option(help="what it is about (fairness, explanation, error...)")] = None,
) -> None:
    """Record one piece of feedback as evidence; at or above the policy's severity it opens a finding. Exit 0.

    Example: govflow feedback add loan_approval --from applicant --severity high --text "declined without a reason"
    """
    settings = load_settings()
    from govflow.checks.feedback import entry

    try:
        item = entry({"from": source, "severity": severity, "text": text, "theme": theme}, "feedback")
    except ValueError as exc:
        usage_error(str(exc))
    version = check_subject(settings, model, version)
    from govflow.flows.feedback import record_feedback

    with flow_output():
        outcome = run_job(record_feedback, model, [item], version, "cli")
    print_feedback(outcome)


@feedback_group.command("import")
def feedback_import(
    path: Annotated[str, typer.Argument(help="a CSV file with a header row, or a JSON list of objects")],
    model: Annotated[str | None, typer.Option(help="the model of rows that name none")] = None,
) -> None:
    """Record feedback from a file, one evidence run per model version. Bad rows are named and skipped, good
    rows kept. Exit 0 all recorded, 1 some rows bad, 2 the file unusable.

    Example: govflow feedback import complaints.csv --model loan_approval
    """
    settings = load_settings()
    from pathlib import Path

    from govflow.checks.feedback import parse_bulk

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        usage_error(f"cannot read {path}: {exc}")
    good, bad = parse_bulk(text, str(path))
    groups: dict[tuple[str, str | None], list[dict]] = {}
    for item in good:
        name = item.pop("model") or model
        if not name:
            bad.append(f"{item['row']}: no model (give a 'model' column or --model)")
            continue
        groups.setdefault((name, item["version"]), []).append(item)
    from govflow.checks.policy import PolicyError
    from govflow.flows.feedback import record_feedback
    from govflow.tasks.registry import UnknownModelVersion

    for (name, version), items in groups.items():
        try:
            resolved = validate_subject(settings, name, version)
        except UnknownModelVersion as exc:  # these rows are skipped and named once; the others are recorded
            bad += [f"{item['row']}: {exc}" for item in items]
            continue
        except PolicyError as exc:
            usage_error(str(exc))
        with flow_output():
            outcome = run_job(record_feedback, name, items, resolved, str(path))
        print_feedback(outcome)
    for message in bad:
        typer.echo(f"govflow: skipped {message}", err=True)
    if bad:
        raise typer.Exit(1)


@feedback_group.command("resolve")
def feedback_resolve(
    model: str,
    by: Annotated[str, typer.Option(help="who resolved it, by name")],
    text: Annotated[str, typer.Option(help="how it was resolved")],
    version: Annotated[str | None, typer.Option(help="the version (default: the serving one, else the newest)")] = None,
) -> None:
    """Record the resolution of a version's open feedback finding; the register shows it closed. Exit 0.

    Example: govflow feedback resolve loan_approval --by "A. Rivera" --text "reasons now sent"
    """
    settings = load_settings()
    if len(by.strip()) < 3 or not text.strip():
        usage_error("--by needs the person's name and --text how it was resolved")
    version = check_subject(settings, model, version)
    from govflow.flows.feedback import resolve_feedback

    with flow_output():
        outcome = run_job(resolve_feedback, model, by.strip(), text.strip(), version)
    typer.echo(f"{outcome.model} v{outcome.version}: feedback resolution recorded by {by.strip()} "
               f"(evidence run {outcome.run_id})")

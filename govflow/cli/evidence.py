"""Commands for auditors: verify a model's evidence (in MLflow or an exported bundle), export a bundle,
move a head log into the database."""

from __future__ import annotations

from typing import Annotated

import typer

from govflow.cli.printing import print_verification
from govflow.cli.runner import emit_json, flow_output, load_settings, usage_error

app = typer.Typer()
group = typer.Typer(no_args_is_help=True, help="Evidence for auditors.")


@app.command()
def verify(
    model: str,
    version: Annotated[str | None, typer.Option(help="check this version's artifacts (the chain is always whole)")] = None,
    bundle: Annotated[str | None, typer.Option(help="verify an exported bundle offline instead of MLflow")] = None,
    head: Annotated[str | None, typer.Option(help="a chain head you kept earlier, as SEQUENCE:SHA256")] = None,
    public_key: Annotated[str | None, typer.Option(help="Ed25519 public key (PEM): every manifest must be signed")] = None,
    no_heads: Annotated[bool, typer.Option("--no-heads", help=(
        "verify hashes and links without the published heads (a whole-chain rewrite then goes unseen)"))] = False,
    witness: Annotated[str | None, typer.Option(help=(
        "a witness log (GOVFLOW_WITNESS_LOG's checkpoints, kept apart): the chain must hold every checkpoint "
        "and reach the latest, so a rewrite of MLflow and the head store truncated at the tail is seen"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Recompute every hash and the manifest chain. Exit 0 intact, 1 altered or missing, 2 bad input.

    Example: govflow verify credit_scoring, or offline: govflow verify credit_scoring --bundle credit.zip
    """
    from pathlib import Path

    from govflow.checks.verification import evidence_notes, evidence_problems, signature_problems

    kept = None
    if head is not None:
        sequence, _, digest = head.partition(":")
        if not (sequence.isdigit() and len(digest) == 64):
            usage_error(f"--head '{head}' is not SEQUENCE:SHA256 (a number, a colon, 64 hex digits)")
        kept = (int(sequence), digest.lower())
    if kept is not None and no_heads:
        usage_error("--head is checked against the head log; it cannot be combined with --no-heads")
    key_pem = None
    if public_key is not None:
        try:
            key_pem = Path(public_key).read_bytes()
            signature_problems([], key_pem)  # a bad key is bad input, before anything is read
        except (OSError, ValueError, TypeError) as exc:
            usage_error(f"--public-key {public_key}: {exc}")
    checkpoints = None
    if witness is not None:
        from govflow.checks.witness import WitnessError
        from govflow.tasks.witness import read_witness

        try:
            checkpoints = read_witness(Path(witness))
            if key_pem is not None:
                signature_problems([], key_pem)
        except WitnessError as exc:
            usage_error(str(exc))
    if bundle is not None:
        from govflow.bundle import BundleError, read_bundle, read_bundle_heads
        from govflow.checks.witness import witness_notes, witness_problems

        try:
            index, runs, problems = read_bundle(Path(bundle), key_pem)
        except BundleError as exc:
            usage_error(str(exc))
        if index.get("model") != model:
            usage_error(f"{bundle} holds evidence of '{index.get('model')}', not '{model}'")
        log = None if no_heads else read_bundle_heads(Path(bundle))
        problems += evidence_problems(runs, log, model, version, kept, key_pem)
        count, files, source = len(index.get("runs", [])), sum(len(r.files) for r in runs), bundle
        notes = evidence_notes(runs, log, model)
        if checkpoints is not None:
            problems += witness_problems(runs, checkpoints, model, key_pem)
            notes += witness_notes(runs, checkpoints, model)
    else:
        load_settings()
        from govflow.flows.evidence_audit import evidence_verification

        with flow_output():
            # Read-only: the flow's function, so no Prefect server starts (tasks/task_type.py).
            outcome = evidence_verification.fn(model, version, kept, key_pem, use_heads=not no_heads,
                                               witness=checkpoints)
        count, files, problems, source = outcome.runs, outcome.files, list(outcome.problems), "MLflow"
        notes = list(outcome.notes)
    intact = count > 0 and not problems
    if as_json:
        emit_json({"model": model, "intact": intact, "runs": count, "files": files,
                                     "problems": [p.__dict__ for p in problems], "notes": notes,
                                     "heads_checked": not no_heads, "witness_checked": checkpoints is not None})
    else:
        print_verification(model, count, files, problems, source, notes)
        if no_heads:
            typer.echo("  (--no-heads: hashes and links only; a consistent rewrite of the whole chain is not ruled out)")
    raise typer.Exit(0 if intact else 1)


@group.command("pull")
def evidence_pull(
    model: str,
    out: Annotated[str, typer.Option(help="folder to write the bundle to")],
    version: Annotated[str | None, typer.Option(help="the version the auditor looks at")] = None,
    as_of: Annotated[str | None, typer.Option(help="only runs started up to this date (YYYY-MM-DD, UTC)")] = None,
) -> None:
    """Export every governance run of the model as a bundle that `govflow verify --bundle` checks offline.

    Example: govflow evidence pull credit_scoring --out credit.zip
    """
    from pathlib import Path

    settings = load_settings()
    from govflow.flows.evidence_audit import as_of_ms, evidence_export
    from govflow.tasks.registry import UnknownModelVersion, lookup_model_version

    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        usage_error(f"{out}: the folder already holds files; export a bundle into a new or empty folder")
    try:
        as_of_ms(as_of)
        if version:
            lookup_model_version(settings.resolved_tracking_uri, model, version)
    except (ValueError, UnknownModelVersion) as exc:
        usage_error(str(exc))
    from govflow.bundle import BundleError

    try:
        with flow_output():
            index = evidence_export.fn(model, out, version, as_of)
    except BundleError as exc:
        usage_error(str(exc))
    if not index["runs"]:
        usage_error(f"no governance runs of '{model}' up to {index['as_of']}")
    typer.echo(f"{model}: {len(index['runs'])} run(s) written to {out}; verify with "
               f"`govflow verify {model} --bundle {out}`")
    for kind, digest in index["config_not_exported"]:
        typer.echo(f"  note: the {kind} file with SHA-256 {digest[:12]}… that some runs used is not the current "
                   "one, so it is not in the bundle; fetch it from the repository's history")


@group.command("import-heads")
def evidence_import_heads(
    source: Annotated[str | None, typer.Option("--from", help="the head log to copy (default GOVFLOW_CHAIN_LOG)")] = None,
) -> None:
    """Copy a head log's heads into the database head store (GOVFLOW_DATABASE_URL), once, when moving an
    installation to PostgreSQL; until then recording refuses to start chains the log already holds. Exit 0
    copied, 1 a head conflicts with one already there, 2 bad input.

    Example: govflow evidence import-heads .govflow/heads.log
    """
    from pathlib import Path

    settings = load_settings()
    from govflow.database import DatabaseUnavailable
    from govflow.tasks.head_store import DatabaseHeadStore, FileHeadStore

    if settings.database_url is None:
        usage_error("GOVFLOW_DATABASE_URL is not set: there is no database head store to copy into")
    log = FileHeadStore(Path(source) if source else settings.resolved_chain_log)
    read = log.read()
    if not read.exists:
        usage_error(f"{log.path}: no such head log")
    try:
        inserted, present, conflicts = DatabaseHeadStore(settings.database_url).copy_in(read.heads)
    except (DatabaseUnavailable, ValueError) as exc:
        usage_error(str(exc))
    typer.echo(f"{log.path}: {inserted} head(s) copied, {present} already there, {len(conflicts)} in conflict"
               + (f"; {len(read.defects)} line(s) that are not heads were left (govflow verify names them)"
                  if read.defects else ""))
    for conflict in conflicts:
        typer.echo(f"  conflict: {conflict}")
    raise typer.Exit(1 if conflicts else 0)


@group.command("verify", hidden=True, context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def evidence_verify_pointer(ctx: typer.Context) -> None:
    """Where verification lives: auditors reach for `evidence verify` beside `evidence pull`."""
    usage_error(f"verification is `govflow verify {' '.join(ctx.args) or 'MODEL'}` (add --bundle DIR for an exported "
                "bundle)")

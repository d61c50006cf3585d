"""The `govflow` command: a thin shell over the flows. Heavy libraries load only inside commands."""

from __future__ import annotations

import contextlib
import json
import sys
from datetime import UTC
from typing import Annotated

import typer

from govflow.settings import Settings, apply_environment

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _settings() -> Settings:
    from govflow.redact import RedactingStream

    settings = Settings()
    apply_environment(settings)
    # Whatever any library prints (MLflow's errors quote the tracking URI), no password reaches the terminal.
    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)
    return settings


def _usage_error(message: str) -> None:
    typer.echo(f"govflow: {message}", err=True)
    raise typer.Exit(2)


def _check_subject(settings: Settings, model: str, version: str) -> None:
    """Answer bad input (policy, model, version) in a second, before the flow engine starts."""
    from govflow.checks.policy import PolicyError
    from govflow.policy_file import load_assessment, load_policy, load_waivers
    from govflow.tasks.registry import UnknownModelVersion, lookup_model_version

    try:
        load_policy(settings.policy_file)
        load_waivers(settings.waivers_file)
        load_assessment(settings.questionnaire_file, settings.assessments_dir, model)
        lookup_model_version(settings.resolved_tracking_uri, model, version)
    except (UnknownModelVersion, PolicyError) as exc:
        _usage_error(str(exc))


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
    _check_subject(_settings(), model, version)
    from mlflow.exceptions import MlflowException

    from govflow.checks.policy import PolicyError
    from govflow.flows.gate import registration_gate
    from govflow.tasks.registry import UnknownModelVersion

    try:
        # Libraries print (MLflow's "View run at ..."); stdout is kept for our report alone.
        with contextlib.redirect_stdout(sys.stderr):
            outcome = registration_gate(model, version)
    except (UnknownModelVersion, PolicyError) as exc:
        _usage_error(str(exc))
    except MlflowException as exc:  # the store went away after retries; what was written stays, unvouched
        typer.echo(f"govflow: MLflow failed during the gate, so its evidence could not be written whole: "
                   f"{exc.message[:500]}\nThe run it began is incomplete: `govflow verify {model}` names it, and the "
                   f"next gate of v{version} completes it.", err=True)
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(json.dumps(_outcome_json(outcome)) + "\n")
    else:
        _print_outcome(outcome)
    raise typer.Exit(0 if outcome.approved else 1)


@app.command()
def approve(
    model: str, version: str,
    by: Annotated[str, typer.Option(help="the person signing off, by name")],
    role: Annotated[str, typer.Option(help="the role they sign in (the policy names the roles a tier needs)")],
    note: Annotated[str | None, typer.Option(help="what they checked, or conditions")] = None,
) -> None:
    """Record a human sign-off as evidence, then gate the version again. Exit 0 (the sign-off is recorded)."""
    settings = _settings()
    _check_subject(settings, model, version)
    from govflow.policy_file import load_policy

    if len(by.strip()) < 3:
        _usage_error("--by needs the person's name")
    policy, _ = load_policy(settings.policy_file)
    roles = sorted({r for tier in policy.tiers.values() if tier.governance.signoff for r in tier.governance.signoff.roles})
    if roles and role not in roles:
        _usage_error(f"role '{role}' is not one the policy signs off in ({', '.join(roles)})")
    from govflow.flows.approval import sign_off

    with contextlib.redirect_stdout(sys.stderr):
        outcome = sign_off(model, version, by.strip(), role, note)
    typer.echo(f"sign-off recorded: {by.strip()} as {role} for {model} v{outcome.version}")
    _print_outcome(outcome)


def _print_report(report, error: str | None = None) -> None:
    if report is not None:
        in_ui = f", {report.link}" if report.link.startswith("http") else ""
        typer.echo(f"reports: {report.dashboard} ({report.models} models, {report.open_findings} open findings, "
                   f"{report.overdue_findings} overdue); logged as MLflow run {report.run_id}{in_ui}")
    elif error:
        typer.echo(f"reports were not refreshed: {error}")


def _print_monitoring(outcome) -> None:
    reused = " (unchanged since the last run)" if outcome.reused else ""
    typer.echo(f"{outcome.model} v{outcome.version} (monitoring): {outcome.verdict}{reused}")
    if outcome.error:
        typer.echo(f"  ERROR        {outcome.error}")
    for reason in outcome.reasons:
        typer.echo(f"  {reason}")


@app.command()
def nightly(
    model: Annotated[list[str] | None, typer.Option("--model", help="only these models (repeatable)")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="only versions tagged KEY=VALUE (repeatable)")] = None,
) -> None:
    """Gate versions never gated, then monitor every deployed version (one holding an alias). Exit 0 all
    pass, 1 any finding, 2 bad input."""
    _settings()
    wanted = {}
    for item in tag or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            _usage_error(f"--tag '{item}' is not KEY=VALUE")
        wanted[key] = value
    from govflow.flows.nightly import nightly_governance
    from govflow.tasks.registry import UnknownModelVersion

    try:
        with contextlib.redirect_stdout(sys.stderr):
            result = nightly_governance(model or None, wanted or None)
    except UnknownModelVersion as exc:
        _usage_error(str(exc))
    for (name, version), verdict in result.gated.items():
        typer.echo(f"{name} v{version} was never gated; gate: {verdict}")
    if not result.monitored:
        typer.echo("no deployed versions (none holds an alias)")
    for outcome in result.monitored:
        _print_monitoring(outcome)
    _print_report(result.report, result.report_error)
    fine = all(o.verdict == "APPROVED" for o in result.monitored) and all(
        v in ("APPROVED", "APPROVED_WITH_WAIVERS") for v in result.gated.values())
    raise typer.Exit(0 if fine else 1)


@app.command()
def reconcile(
    model: Annotated[list[str] | None, typer.Option("--model", help="only these models (repeatable)")] = None,
) -> None:
    """Gate every registered version that has no governance status (a webhook that was lost); `govflow serve`
    runs this every few minutes. Exit 0 all approved or none to gate, 1 otherwise."""
    _settings()
    from govflow.flows.reconcile import reconciliation

    with contextlib.redirect_stdout(sys.stderr):
        gated = reconciliation(model or None)
    if not gated:
        typer.echo("every registered version has a governance status")
    for name, verdict in gated.items():
        typer.echo(f"{name} had no governance status; gate: {verdict}")
    raise typer.Exit(0 if all(v in ("APPROVED", "APPROVED_WITH_WAIVERS") for v in gated.values()) else 1)


@app.command()
def mitigate(
    model: str, version: str,
    register: Annotated[bool, typer.Option("--register", help="register the recommended mitigated model")] = False,
) -> None:
    """Compare bias mitigations with the model as it is, before / after, on held-out data."""
    _check_subject(_settings(), model, version)
    from govflow.flows.mitigation import MitigationInputError, mitigation_evaluation

    try:
        with contextlib.redirect_stdout(sys.stderr):
            outcome = mitigation_evaluation(model, version, register_best=register)
    except MitigationInputError as exc:
        _usage_error(str(exc))
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


def _print_verification(model: str, runs: int, files: int, problems, source: str, notes) -> None:
    if not runs:
        typer.echo(f"{model}: no governance runs found in {source}; nothing to verify")
    else:
        state = "intact" if not problems else f"NOT intact: {len(problems)} problem(s)"
        typer.echo(f"{model}: {runs} run(s), {files} file(s) in {source}: {state}")
    for p in problems:
        typer.echo(f"  {p.kind.upper():<10} {p.message}")
    for note in notes:
        typer.echo(f"  {'NOTE':<10} {note}")


@app.command()
def verify(
    model: str,
    version: Annotated[str | None, typer.Option(help="check this version's artifacts (the chain is always whole)")] = None,
    bundle: Annotated[str | None, typer.Option(help="verify an exported bundle offline instead of MLflow")] = None,
    head: Annotated[str | None, typer.Option(help="a chain head you kept earlier, as SEQUENCE:SHA256")] = None,
    public_key: Annotated[str | None, typer.Option(help="Ed25519 public key (PEM): every manifest must be signed")] = None,
    no_heads: Annotated[bool, typer.Option("--no-heads", help=(
        "verify hashes and links without the published heads (a whole-chain rewrite then goes unseen)"))] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Recompute every hash and the manifest chain. Exit 0 intact, 1 altered or missing, 2 bad input."""
    from pathlib import Path

    from govflow.checks.verification import evidence_notes, evidence_problems, signature_problems

    kept = None
    if head is not None:
        sequence, _, digest = head.partition(":")
        if not (sequence.isdigit() and len(digest) == 64):
            _usage_error(f"--head '{head}' is not SEQUENCE:SHA256 (a number, a colon, 64 hex digits)")
        kept = (int(sequence), digest.lower())
    if kept is not None and no_heads:
        _usage_error("--head is checked against the head log; it cannot be combined with --no-heads")
    key_pem = None
    if public_key is not None:
        try:
            key_pem = Path(public_key).read_bytes()
            signature_problems([], key_pem)  # a bad key is bad input, before anything is read
        except (OSError, ValueError, TypeError) as exc:
            _usage_error(f"--public-key {public_key}: {exc}")
    if bundle is not None:
        from govflow.bundle import BundleError, read_bundle, read_bundle_heads

        try:
            index, runs, problems = read_bundle(Path(bundle), key_pem)
        except BundleError as exc:
            _usage_error(str(exc))
        if index.get("model") != model:
            _usage_error(f"{bundle} holds evidence of '{index.get('model')}', not '{model}'")
        log = None if no_heads else read_bundle_heads(Path(bundle))
        problems += evidence_problems(runs, log, model, version, kept, key_pem)
        count, files, source = len(index.get("runs", [])), sum(len(r.files) for r in runs), bundle
        notes = evidence_notes(runs, log, model)
    else:
        _settings()
        from govflow.flows.evidence import evidence_verification

        with contextlib.redirect_stdout(sys.stderr):
            outcome = evidence_verification(model, version, kept, key_pem, use_heads=not no_heads)
        count, files, problems, source = outcome.runs, outcome.files, list(outcome.problems), "MLflow"
        notes = list(outcome.notes)
    intact = count > 0 and not problems
    if as_json:
        sys.stdout.write(json.dumps({"model": model, "intact": intact, "runs": count, "files": files,
                                     "problems": [p.__dict__ for p in problems], "notes": notes,
                                     "heads_checked": not no_heads}) + "\n")
    else:
        _print_verification(model, count, files, problems, source, notes)
        if no_heads:
            typer.echo("  (--no-heads: hashes and links only; a consistent rewrite of the whole chain is not ruled out)")
    raise typer.Exit(0 if intact else 1)


evidence_app = typer.Typer(no_args_is_help=True, help="Evidence for auditors.")
app.add_typer(evidence_app, name="evidence")


@evidence_app.command("pull")
def evidence_pull(
    model: str,
    out: Annotated[str, typer.Option(help="folder to write the bundle to")],
    version: Annotated[str | None, typer.Option(help="the version the auditor looks at")] = None,
    as_of: Annotated[str | None, typer.Option(help="only runs started up to this date (YYYY-MM-DD, UTC)")] = None,
) -> None:
    """Export every governance run of the model as a bundle that `govflow verify --bundle` checks offline."""
    from pathlib import Path

    settings = _settings()
    from govflow.flows.evidence import as_of_ms, evidence_export
    from govflow.tasks.registry import UnknownModelVersion, lookup_model_version

    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        _usage_error(f"{out}: the folder already holds files; export a bundle into a new or empty folder")
    try:
        as_of_ms(as_of)
        if version:
            lookup_model_version(settings.resolved_tracking_uri, model, version)
    except (ValueError, UnknownModelVersion) as exc:
        _usage_error(str(exc))
    from govflow.bundle import BundleError

    try:
        with contextlib.redirect_stdout(sys.stderr):
            index = evidence_export(model, out, version, as_of)
    except BundleError as exc:
        _usage_error(str(exc))
    if not index["runs"]:
        _usage_error(f"no governance runs of '{model}' up to {index['as_of']}")
    typer.echo(f"{model}: {len(index['runs'])} run(s) written to {out}; verify with "
               f"`govflow verify {model} --bundle {out}`")
    for digest in index["config_not_exported"]:
        typer.echo(f"  note: a policy, waiver or assessment file with SHA-256 {digest[:12]}… that some runs "
                   "used is not the current one; fetch it from the repository's history")


@evidence_app.command("import-heads")
def evidence_import_heads(
    source: Annotated[str | None, typer.Option("--from", help="the head log to copy (default GOVFLOW_CHAIN_LOG)")] = None,
) -> None:
    """Copy a head log's heads into the database head store (GOVFLOW_DATABASE_URL), once, when moving an
    installation to PostgreSQL; until then recording refuses to start chains the log already holds. Exit 0
    copied, 1 a head conflicts with one already there, 2 bad input."""
    from pathlib import Path

    settings = _settings()
    from govflow.database import DatabaseUnavailable
    from govflow.tasks.head_store import DatabaseHeadStore, FileHeadStore

    if settings.database_url is None:
        _usage_error("GOVFLOW_DATABASE_URL is not set: there is no database head store to copy into")
    log = FileHeadStore(Path(source) if source else settings.resolved_chain_log)
    read = log.read()
    if not read.exists:
        _usage_error(f"{log.path}: no such head log")
    try:
        inserted, present, conflicts = DatabaseHeadStore(settings.database_url).copy_in(read.heads)
    except (DatabaseUnavailable, ValueError) as exc:
        _usage_error(str(exc))
    typer.echo(f"{log.path}: {inserted} head(s) copied, {present} already there, {len(conflicts)} in conflict"
               + (f"; {len(read.defects)} line(s) that are not heads were left (govflow verify names them)"
                  if read.defects else ""))
    for conflict in conflicts:
        typer.echo(f"  conflict: {conflict}")
    raise typer.Exit(1 if conflicts else 0)


controls_app = typer.Typer(no_args_is_help=True, help="The control catalogue and its framework coverage.")
app.add_typer(controls_app, name="controls")


@controls_app.command("coverage")
def controls_coverage_command(
    model: Annotated[str | None, typer.Argument(help="one model (default: every registered model)")] = None,
    framework: Annotated[str | None, typer.Option(help="nist_ai_rmf, iso_42001, sr_11_7, sr_26_2, eu_ai_act or naic")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Per framework clause: whether each model has current evidence, an attestation, or nothing."""
    settings = _settings()
    from govflow.checks.controls import FRAMEWORKS
    from govflow.checks.policy import PolicyError
    from govflow.policy_file import load_controls
    from govflow.tasks.registry import UnknownModelVersion, lookup_model_version

    if framework is not None and framework not in FRAMEWORKS:
        _usage_error(f"unknown framework '{framework}' (known: {', '.join(FRAMEWORKS)})")
    try:
        load_controls(settings.controls_file)
        if model:
            try:
                lookup_model_version(settings.resolved_tracking_uri, model, "1")
            except UnknownModelVersion as exc:
                if "is not registered" in str(exc):
                    raise
    except (PolicyError, UnknownModelVersion) as exc:
        _usage_error(str(exc))
    from govflow.flows.controls import controls_coverage

    with contextlib.redirect_stdout(sys.stderr):
        result = controls_coverage(model, framework)
    if as_json:
        sys.stdout.write(json.dumps({"models": result.models, "clauses": result.rows}) + "\n")
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


audit_app = typer.Typer(no_args_is_help=True, help="Ad-hoc audits of a data file; no MLflow needed.")
app.add_typer(audit_app, name="audit")

_GROUP_COLUMNS = ("n", "selection_rate", "tpr", "fpr", "fnr", "ppv", "accuracy", "auc", "brier", "ece")


def _print_groups(groups: list[dict]) -> None:
    shown = [c for c in _GROUP_COLUMNS if any(g.get(c) is not None for g in groups)]
    width = max([len(f"{g['feature']}={g['group']}") for g in groups] + [5])
    typer.echo(f"  {'group':<{width}}  " + "  ".join(f"{c:>14}" for c in shown))
    for g in groups:
        cells = [("-" if g.get(c) is None else f"{g[c]:.4f}" if c != "n" else str(g[c])) for c in shown]
        mark = "  (inconclusive: " + "; ".join(f"{k}: {v}" for k, v in g["inconclusive"].items()) + ")" if g["inconclusive"] else ""
        typer.echo(f"  {g['feature'] + '=' + g['group']:<{width}}  " + "  ".join(f"{c:>14}" for c in cells) + mark)


@audit_app.command("fairness")
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
    settings = _settings()
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
        _usage_error(str(exc))
    if not as_json:
        typer.echo(f"fairness audit of {data}: {report.verdict}")
        _print_groups(report.groups)
    _finish_audit(report, as_json)


def _read_or_exit(path: str, columns: list[str] | None = None):
    from govflow.datasets import read_dataset

    loaded = read_dataset(path, columns)
    if loaded.error:
        _usage_error(f"cannot read {path}: {loaded.error}")
    return loaded.frame


def _finish_audit(report, as_json: bool) -> None:
    """Print the results (or the JSON object) and exit: 0 pass, 1 finding, 2 when the input broke a check."""
    if as_json:
        sys.stdout.write(json.dumps(report.to_json()) + "\n")
    else:
        for r in report.results:
            where = r.group or r.column or "-"
            ci = f"  CI [{r.ci[0]:.4f}, {r.ci[1]:.4f}]" if r.ci else ""
            typer.echo(f"  {r.status.value:<12} {r.check_id}[{where}]: {r.message}{ci}")
    errors = [r for r in report.results if r.status.value == "ERROR"]
    if errors:
        typer.echo(f"govflow: {errors[0].message}", err=True)
        raise typer.Exit(2)
    raise typer.Exit(0 if report.verdict in ("APPROVED", "APPROVED_WITH_WAIVERS") else 1)


@audit_app.command("drift")
def audit_drift_command(
    reference: Annotated[str, typer.Option(help="reference data: CSV or Parquet file, folder or glob")],
    current: Annotated[str, typer.Option(help="current data: CSV or Parquet file, folder or glob")],
    columns: Annotated[str | None, typer.Option(help="columns to compare, comma-separated (default: all shared)")] = None,
    tier: Annotated[str | None, typer.Option(help="policy tier to judge by (default: the unassessed tier)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Drift of one file from another, per column. Exit 0 no drift, 1 drift, 2 bad input."""
    settings = _settings()
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
        _usage_error(str(exc))
    if not as_json:
        typer.echo(f"drift audit of {current} against {reference}: {report.verdict}")
    _finish_audit(report, as_json)


DEMO_SIGNERS = {"owner": "A. Rivera (model owner)", "validator": "M. Chen (model validation)"}


def _demo_signoffs(outcomes: list) -> list:
    """Versions that pass every check but await sign-off get it from the demo's owner and validator."""
    from govflow.flows.approval import sign_off

    signed = []
    for outcome in outcomes:
        awaiting = next((r for r in outcome.results if r.check_id == "governance.signoff"
                         and r.status.value == "INCONCLUSIVE"), None)
        if awaiting is None or any(r for r in outcome.reasons if not r.startswith("governance.signoff")):
            signed.append(outcome)
            continue
        for role in str(awaiting.limit).split(", "):
            with contextlib.redirect_stdout(sys.stderr):
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
    with contextlib.redirect_stdout(sys.stderr):
        outcome = record_feedback(loan.model, items, loan.version, "demo")
    typer.echo("")
    _print_feedback(outcome)


def _print_lifecycle(outcome) -> None:
    state = f" [{outcome.lifecycle}]" if outcome.lifecycle else ""
    typer.echo(f"{outcome.model} v{outcome.version}{state} (lifecycle): {outcome.verdict}")
    if outcome.error:
        typer.echo(f"  ERROR        {outcome.error}")
    for r in outcome.results:
        if r.status.value != "PASS":
            typer.echo(f"  {r.status.value:<12} {r.check_id}: {r.message}")
            if r.hint:
                typer.echo(f"  {'':<12} fix: {r.hint}")


@app.command()
def retirement(
    model: Annotated[list[str] | None, typer.Option("--model", help="only these models (repeatable)")] = None,
    as_of: Annotated[str | None, typer.Option(help="judge as of this later date (YYYY-MM-DD): what falls due")] = None,
) -> None:
    """Sweep serving and retiring versions: review, owner, monitoring, succession, retirement. Exit 0 none
    found, 1 any finding, 2 bad input."""
    from datetime import datetime

    _settings()
    moment = None
    if as_of is not None:
        try:
            moment = datetime.fromisoformat(as_of)
        except ValueError:
            _usage_error(f"--as-of '{as_of}' is not a date (YYYY-MM-DD) or an ISO timestamp")
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    from govflow.flows.retirement import retirement_sweep
    from govflow.tasks.registry import UnknownModelVersion

    try:
        with contextlib.redirect_stdout(sys.stderr):
            outcomes = retirement_sweep(model or None, as_of=moment)
    except UnknownModelVersion as exc:
        _usage_error(str(exc))
    if not outcomes:
        typer.echo("no version serves or is being retired")
    for outcome in outcomes:
        _print_lifecycle(outcome)
    raise typer.Exit(0 if all(o.verdict == "APPROVED" for o in outcomes) else 1)


@app.command()
def retire(
    model: str, version: Annotated[str | None, typer.Argument(help="one version; all of the model's if left out")] = None,
    by: Annotated[str | None, typer.Option(help="who asks for the retirement")] = None,
) -> None:
    """Start retiring a version; it is retired once no alias and no lost evidence remain. Exit 0 retired,
    1 still retiring (what remains is named), 2 bad input."""
    _settings()
    from govflow.flows.retirement import retire as retire_flow
    from govflow.tasks.registry import UnknownModelVersion

    try:
        with contextlib.redirect_stdout(sys.stderr):
            outcomes = retire_flow(model, version, by)
    except UnknownModelVersion as exc:
        _usage_error(str(exc))
    if not outcomes:
        typer.echo(f"{model}: nothing to retire (already retired)")
    for outcome in outcomes:
        _print_lifecycle(outcome)
    raise typer.Exit(0 if all(o.lifecycle == "retired" for o in outcomes) else 1)


@app.command()
def serve(
    prefect_port: Annotated[int, typer.Option(help="port of the loopback Prefect server started when PREFECT_API_URL is unset")] = 4200,
    webhook_host: Annotated[str, typer.Option(help="address the webhook receiver listens on")] = "127.0.0.1",
    webhook_port: Annotated[int, typer.Option(help="port of the webhook receiver (needs GOVFLOW_WEBHOOK_SECRET)")] = 8787,
) -> None:
    """Serve the deployments of prefect.yaml in this process: nightly run, retirement sweep, gate and serving
    check on their schedules and events; with GOVFLOW_WEBHOOK_SECRET, the webhook receiver too."""
    import os

    settings = _settings()
    from govflow.serve import ServeError, read_deployments, start_prefect_server, start_receiver

    try:
        entries = read_deployments()
    except ServeError as exc:
        _usage_error(str(exc))
    if settings.webhook_secret is not None:
        _webhook_secret(settings)  # too short a secret is refused before anything starts
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        try:
            url, server = start_prefect_server(settings, prefect_port)
        except ServeError as exc:
            _usage_error(str(exc))
        os.environ["PREFECT_API_URL"] = url  # before Prefect reads its settings; flow runs inherit it
    try:
        from prefect import serve as prefect_serve

        from govflow.serve import runner_deployments

        deployments = runner_deployments(entries, interval_seconds=settings.reconcile_seconds)
        if settings.webhook_secret is not None:
            start_receiver(settings, webhook_host, webhook_port)
            typer.echo(f"webhooks: http://{webhook_host}:{webhook_port}/webhooks/mlflow", err=True)
        typer.echo(f"Prefect API: {os.environ['PREFECT_API_URL']}; serving "
                   + ", ".join(e["name"] for e in entries), err=True)
        with contextlib.redirect_stdout(sys.stderr):
            prefect_serve(*deployments, print_starting_message=False)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


webhook_app = typer.Typer(no_args_is_help=True, help="MLflow registry webhooks that start the gate.")
app.add_typer(webhook_app, name="webhook")
WEBHOOK_EVENTS = ("model_version.created", "model_version_alias.created")


def _webhook_secret(settings: Settings) -> str:
    from govflow.webhooks.signature import WeakSecret, require_secret

    try:
        return require_secret(settings.webhook_secret.get_secret_value() if settings.webhook_secret else None)
    except WeakSecret as exc:
        _usage_error(str(exc))
        raise


@webhook_app.command("serve")
def webhook_serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8787,
) -> None:
    """Receive MLflow registry webhooks at POST /webhooks/mlflow and start the gate for each new version."""
    settings = _settings()
    secret = _webhook_secret(settings)
    import logging

    import uvicorn

    from govflow.webhooks.dispatch import dispatcher_for_environment
    from govflow.webhooks.ledger import open_ledger
    from govflow.webhooks.receiver import PATH, create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    dispatcher = dispatcher_for_environment(settings.webhook_queue)
    ledger = open_ledger(settings)
    app_ = create_app(secret, ledger, dispatcher, tolerance_seconds=settings.webhook_tolerance_seconds,
                      max_body_bytes=settings.webhook_max_body_bytes)
    typer.echo(f"receiving MLflow webhooks at http://{host}:{port}{PATH} "
               f"({type(dispatcher).__name__}); Ctrl-C stops", err=True)
    try:
        uvicorn.run(app_, host=host, port=port, log_level="warning")
    finally:
        dispatcher.close()
        ledger.close()


@webhook_app.command("register")
def webhook_register(
    url: Annotated[str, typer.Option(help="the receiver's URL, ending in /webhooks/mlflow")],
    name: Annotated[str, typer.Option(help="the webhook's name in MLflow")] = "govflow-gate",
) -> None:
    """Create (or update) the MLflow registry webhook that calls the receiver, signed with the shared secret."""
    settings = _settings()
    secret = _webhook_secret(settings)
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(settings.resolved_tracking_uri)
    try:
        existing = [w for w in client.list_webhooks() if w.name == name]
        if existing:
            hook = client.update_webhook(existing[0].webhook_id, url=url, events=list(WEBHOOK_EVENTS), secret=secret,
                                         status="ACTIVE")
        else:
            hook = client.create_webhook(name, url, events=list(WEBHOOK_EVENTS), secret=secret,
                                         description="govflow: gate new versions, check aliases")
    except MlflowException as exc:
        _usage_error(f"MLflow refused the webhook ({settings.resolved_tracking_uri}): {exc.message}")
    typer.echo(f"{'updated' if existing else 'created'} webhook {hook.webhook_id} '{name}' -> {url} "
               f"for {', '.join(WEBHOOK_EVENTS)}")


@app.command()
def demo() -> None:
    """Seed the example fleet, gate every version, deploy the approved ones and run the nightly monitoring."""
    settings = _settings()
    from mlflow import MlflowClient

    from govflow.checks.policy import PolicyError
    from govflow.demo.seed import deploy_if_unserved, seed_fleet
    from govflow.flows.gate import registration_gate
    from govflow.flows.nightly import nightly_governance

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
    outcomes = _demo_signoffs(outcomes)
    client = MlflowClient(uri)
    deployed = [o for o in outcomes if o.approved and deploy_if_unserved(client, o.model, o.version)]
    _demo_feedback(outcomes)
    with contextlib.redirect_stdout(sys.stderr):
        nightly_result = nightly_governance([o.model for o in outcomes if o.approved])
    monitored = nightly_result.monitored
    typer.echo("")
    for o in deployed:
        typer.echo(f"deployed: {o.model} v{o.version} now holds the alias 'champion'")
    for outcome in monitored:
        _print_monitoring(outcome)
    typer.echo("")
    typer.echo("Verdicts: " + ", ".join(f"{o.model}={o.verdict}" for o in outcomes))
    _print_report(nightly_result.report, nightly_result.report_error)
    if uri.startswith("sqlite:"):
        typer.echo(f"Browse the evidence: mlflow ui --backend-store-uri {uri}")


@app.command()
def report(
    out: Annotated[str | None, typer.Option(help="folder for the pages (default: the data dir's reports folder)")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="the day the register is judged on, YYYY-MM-DD")] = None,
) -> None:
    """The fleet dashboard, a governance report per model, the risk register (HTML, CSV, JSON) and the
    management summary; also logged to MLflow. Exit 0."""
    from datetime import date

    _settings()
    if as_of:
        try:
            date.fromisoformat(as_of)
        except ValueError:
            _usage_error(f"--as-of '{as_of}' is not a date (YYYY-MM-DD)")
    from govflow.flows.report import fleet_report

    with contextlib.redirect_stdout(sys.stderr):
        outcome = fleet_report(out, as_of)
    _print_report(outcome)


finding_app = typer.Typer(no_args_is_help=True, help="Findings on the risk register.")
app.add_typer(finding_app, name="finding")


@finding_app.command("note")
def finding_note_command(
    model: str, check: str,
    by: Annotated[str, typer.Option(help="who did or decided it, by name")],
    text: Annotated[str, typer.Option(help="what was done about the finding")],
    version: Annotated[str | None, typer.Option(help="the version (default: the serving one, else the newest)")] = None,
) -> None:
    """Record a remediation note on a finding as evidence; the register shows it beside the finding. Exit 0."""
    settings = _settings()
    from govflow.checks import CHECKS
    from govflow.tasks.registry import UnknownModelVersion, current_version, lookup_model_version

    if check not in CHECKS:
        _usage_error(f"unknown check id '{check}'; known ids are listed in the policy file and checks/__init__.py")
    if len(by.strip()) < 3 or not text.strip():
        _usage_error("--by needs the person's name and --text what was done")
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    uri = settings.resolved_tracking_uri
    try:
        version = version or current_version(MlflowClient(uri), model)
        if version is None:
            _usage_error(f"model '{model}' has no versions")
        lookup_model_version(uri, model, version)
    except UnknownModelVersion as exc:
        _usage_error(str(exc))
    except MlflowException:
        _usage_error(f"model '{model}' is not registered")
    from govflow.flows.finding_note import finding_note

    with contextlib.redirect_stdout(sys.stderr):
        run_id = finding_note(model, check, by.strip(), text.strip(), version)
    typer.echo(f"note recorded on {model} v{version} {check} by {by.strip()} (evidence run {run_id})")


feedback_app = typer.Typer(no_args_is_help=True, help="Stakeholder feedback and incidents, recorded as evidence.")
app.add_typer(feedback_app, name="feedback")


def _feedback_version(settings: Settings, model: str, version: str | None) -> str:
    """The version named, else the serving one, else the newest; exit 2 naming what is unknown."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from govflow.tasks.registry import current_version

    try:
        found = version or current_version(MlflowClient(settings.resolved_tracking_uri), model)
    except MlflowException:
        found = None
    if found is None:
        _usage_error(f"model '{model}' is not registered or has no versions")
    _check_subject(settings, model, found)
    return found


def _print_feedback(outcome) -> None:
    opened = "; a feedback.stakeholder finding is open for the owner" if outcome.finding else ""
    typer.echo(f"{outcome.model} v{outcome.version}: {outcome.recorded} feedback entr"
               f"{'y' if outcome.recorded == 1 else 'ies'} recorded (evidence run {outcome.run_id}){opened}")


@feedback_app.command("add")
def feedback_add(
    model: str,
    source: Annotated[str, typer.Option("--from", help="who gives it: a role (applicant, branch staff, regulator)")],
    severity: Annotated[str, typer.Option(help="low, medium, high or critical")],
    text: Annotated[str, typer.Option(help="what was reported")],
    version: Annotated[str | None, typer.Option(help="the version (default: the serving one, else the newest)")] = None,
    theme: Annotated[str | None, typer.Option(help="what it is about (fairness, explanation, error...)")] = None,
) -> None:
    """Record one piece of feedback as evidence; at or above the policy's severity it opens a finding. Exit 0."""
    settings = _settings()
    from govflow.checks.feedback import entry

    try:
        item = entry({"from": source, "severity": severity, "text": text, "theme": theme}, "feedback")
    except ValueError as exc:
        _usage_error(str(exc))
    version = _feedback_version(settings, model, version)
    from govflow.flows.feedback import record_feedback

    with contextlib.redirect_stdout(sys.stderr):
        outcome = record_feedback(model, [item], version, "cli")
    _print_feedback(outcome)


@feedback_app.command("import")
def feedback_import(
    path: Annotated[str, typer.Argument(help="a CSV file with a header row, or a JSON list of objects")],
    model: Annotated[str | None, typer.Option(help="the model of rows that name none")] = None,
) -> None:
    """Record feedback from a file, one evidence run per model version. Bad rows are named and skipped, good
    rows kept. Exit 0 all recorded, 1 some rows bad, 2 the file unusable."""
    settings = _settings()
    from pathlib import Path

    from govflow.checks.feedback import parse_bulk

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _usage_error(f"cannot read {path}: {exc}")
    good, bad = parse_bulk(text, str(path))
    groups: dict[tuple[str, str | None], list[dict]] = {}
    for item in good:
        name = item.pop("model") or model
        if not name:
            bad.append(f"{item['row']}: no model (give a 'model' column or --model)")
            continue
        groups.setdefault((name, item["version"]), []).append(item)
    from govflow.flows.feedback import record_feedback

    for (name, version), items in groups.items():
        try:
            resolved = _feedback_version(settings, name, version)
        except typer.Exit:
            bad += [f"{item['row']}: model '{name}'{f' version {version}' if version else ''} is unknown"
                    for item in items]
            continue
        with contextlib.redirect_stdout(sys.stderr):
            outcome = record_feedback(name, items, resolved, str(path))
        _print_feedback(outcome)
    for message in bad:
        typer.echo(f"govflow: skipped {message}", err=True)
    if bad:
        raise typer.Exit(1)


@feedback_app.command("resolve")
def feedback_resolve(
    model: str,
    by: Annotated[str, typer.Option(help="who resolved it, by name")],
    text: Annotated[str, typer.Option(help="how it was resolved")],
    version: Annotated[str | None, typer.Option(help="the version (default: the serving one, else the newest)")] = None,
) -> None:
    """Record the resolution of a version's open feedback finding; the register shows it closed. Exit 0."""
    settings = _settings()
    if len(by.strip()) < 3 or not text.strip():
        _usage_error("--by needs the person's name and --text how it was resolved")
    version = _feedback_version(settings, model, version)
    from govflow.flows.feedback import resolve_feedback

    with contextlib.redirect_stdout(sys.stderr):
        outcome = resolve_feedback(model, by.strip(), text.strip(), version)
    typer.echo(f"{outcome.model} v{outcome.version}: feedback resolution recorded by {by.strip()} "
               f"(evidence run {outcome.run_id})")


if __name__ == "__main__":
    app()

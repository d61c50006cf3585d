"""Writing a governance run's evidence, shared by every flow: files, then `manifest.json` last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from checks.decision import Decision, decide
from checks.evidence import family_documents, key_metrics, verdict_document
from checks.findings import findings, review_dates
from checks.manifest import build_manifest, canonical_json
from checks.results import CheckResult
from flows.alerts import alert_on_failure
from flows.subject import Subject, open_run
from govflow.provenance import code_version
from tasks.chain import publish_head
from tasks.evidence import GovernanceRun, previous_manifest_sha256, supersede_incomplete, write_evidence


def record_evidence(
    ctx: Subject, run: GovernanceRun, flow: str, *, files: dict[str, bytes], inputs: dict[str, str],
    tags: dict[str, str], metrics: dict[str, float], history: list[tuple[str, float, int]] | None = None,
) -> str:
    """Log the files and a manifest chained to the model's previous one, publish the new chain head outside
    MLflow; return the manifest's SHA-256."""
    model, experiment = ctx.version.model, ctx.settings.experiment
    manifest = build_manifest(
        model=model, version=ctx.version.version, flow=flow,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), artifacts=files,
        inputs={**inputs, "waivers_file": f"sha256:{ctx.waivers_sha}"},
        policy_sha256=ctx.policy_sha, code_version=code_version(),
        previous_manifest_sha256=previous_manifest_sha256(ctx.uri, experiment, model),
    )
    digest = write_evidence(ctx.uri, run.run_id, files, manifest, tags={
        **tags, "governance.policy_sha256": ctx.policy_sha, "governance.code_version": code_version(),
    }, metrics=metrics, history=history, signing_key=ctx.settings.signing_key)
    publish_head(ctx.settings.resolved_chain_log, model, digest, run.run_id)
    # A run of this flow that the store lost mid-write is now completed by this one.
    supersede_incomplete(ctx.uri, experiment, model, ctx.version.version, flow, run.run_id)
    return digest


def findings_evidence(ctx: Subject, results) -> tuple[dict[str, str | None], dict[str, bytes]]:
    """The review and retention dates for the verdict, and `evidence/findings.json`: each finding with its
    severity, the model's owner and the date the policy allows to fix it."""
    today = datetime.now(timezone.utc).date()
    rows = findings(results, ctx.tier, ctx.tags.get("governance.owner"), today)
    return review_dates(ctx.tier, today), {"evidence/findings.json": canonical_json({"findings": rows})}


@dataclass(frozen=True)
class Judged:
    """A governance run that judged a few checks: its decision and where its evidence is."""

    decision: Decision
    run_id: str
    manifest_sha256: str


def judge_and_record(ctx: Subject, flow: str, results: list[CheckResult], *, families: tuple[str, ...],
                     not_judged: tuple[str, ...] = (), context: dict | None = None,
                     files: dict[str, bytes] | None = None, tags: dict[str, str] | None = None) -> Judged:
    """Decide on `results` (waivers applied) within `families`, write the verdict, findings and family
    documents as a new governance run, and alert on a blocking failure."""
    run = open_run(ctx, flow)
    decision = decide(ctx.waived(results), ctx.tier, families=families, not_judged=not_judged)
    context = {"model": ctx.version.model, "version": ctx.version.version, "flow": flow,
               "risk_tier": ctx.tier_name, **(context or {})}
    dates, findings_file = findings_evidence(ctx, decision.results)
    context |= dates
    generated = {**family_documents(decision.results, context), **findings_file,
                 "evidence/verdict.json": verdict_document(decision, context)}
    if clash := sorted(set(files or {}) & set(generated)):
        raise ValueError(f"evidence file(s) {clash} would be overwritten by the verdict's own documents")
    documents = {**(files or {}), **generated}
    digest = record_evidence(ctx, run, flow, files=documents, inputs={
        "model_version": f"models:/{ctx.version.model}/{ctx.version.version}"}, metrics=key_metrics(decision.results),
        tags={"governance.verdict": decision.verdict.value, "governance.risk_tier": ctx.tier_name, **(tags or {})})
    alert_on_failure(ctx, flow, decision, run.run_id)
    return Judged(decision, run.run_id, digest)

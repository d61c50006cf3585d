"""Recording a governance run's evidence, the one path every flow takes: files, then under the model's chain
lock the manifest, the published head and the recorded hash."""

from __future__ import annotations

from dataclasses import dataclass

from govflow import clock
from govflow.checks.check_registry import kind_lacks
from govflow.checks.decision import Decision, decide
from govflow.checks.evidence_documents import family_documents, key_metrics, verdict_document, verdict_tags
from govflow.checks.findings import findings, review_dates
from govflow.checks.heads import Head
from govflow.checks.manifest import build_manifest, canonical_json
from govflow.checks.results import CheckResult
from govflow.checks.run_labels import RunLabels
from govflow.failpoints import failpoint
from govflow.flows.alerts import alert_on_failure
from govflow.flows.chain_guard import refuse_if_behind
from govflow.flows.subject import Subject, open_run
from govflow.provenance import code_version
from govflow.redact import redact_bytes
from govflow.tasks.artifacts import upload_evidence, upload_manifest
from govflow.tasks.chain import HeadStore, append_head, chain_tip, head_store, model_lock
from govflow.tasks.runs import (
    GovernanceRun,
    abandon_run,
    commit_run,
    committed_run_of,
    complete_committed,
    supersede_incomplete,
)
from govflow.tasks.task_type import NO_CACHE, task
from govflow.tasks.witness import publish_checkpoint


class AlreadyRecorded(RuntimeError):
    """Recording once per version, and another run of the flow committed for this version first."""

    def __init__(self, run_id: str, verdict: str) -> None:
        super().__init__(f"run {run_id} already recorded this flow for this version ({verdict})")
        self.run_id, self.verdict = run_id, verdict


@dataclass(frozen=True)
class _Superseded:
    """The version's run of this flow committed first (once per version): this run was set aside for it."""

    run_id: str
    verdict: str


def record_evidence(
    ctx: Subject, run: GovernanceRun, flow: str, *, files: dict[str, bytes], inputs: dict[str, str],
    tags: dict[str, str], metrics: dict[str, float], history: list[tuple[str, float, int]] | None = None,
    once_per_version: bool = False,
) -> str:
    """The one record path: log the files, then, holding the model's chain lock, chain a manifest to the tip the
    head store names, publish the new head (the commit point) and record the hash on the run; return the
    manifest's SHA-256. In a flow run it is one task run, `record-FLOW`, its reads and writes steps of it.

    A crash before the head leaves a run that vouches for nothing and that the next run of the same flow and
    version supersedes; a crash after it leaves a committed run that the model's next recording completes.

    With `once_per_version`, a run of this flow already committed for the version (checked under the lock, so
    two runs racing cannot both pass) wins: this run is marked superseded by it and AlreadyRecorded raised.
    """
    recorded = _record(ctx, run, flow, files, inputs, tags, metrics, history, once_per_version)
    if isinstance(recorded, _Superseded):  # raised here, so the task run that found it is not shown as failed
        raise AlreadyRecorded(recorded.run_id, recorded.verdict)
    return recorded


# One task run for the recording's dozen reads and writes: each was a run of its own, with its state events on
# Prefect's server (a third of the runs of a gate, and of the demo).
@task(name="record-evidence", task_run_name="record-{flow}", cache_policy=NO_CACHE)
def _record(ctx: Subject, run: GovernanceRun, flow: str, files: dict[str, bytes], inputs: dict[str, str],
            tags: dict[str, str], metrics: dict[str, float], history: list[tuple[str, float, int]] | None,
            once_per_version: bool) -> str | _Superseded:
    model, settings = ctx.version.model, ctx.settings
    store = head_store(settings)
    # Error texts and messages can quote a URI with its password: masked before anything is hashed or stored.
    files = {rel: redact_bytes(data) for rel, data in files.items()}
    failpoint("before_artifacts")
    upload_evidence(ctx.uri, run.run_id, files)
    failpoint("after_artifacts")
    with model_lock(store, model, settings.chain_lock_timeout_seconds):
        tip = _settled_tip(ctx, run, flow, store, once_per_version)
        if isinstance(tip, _Superseded):
            return tip
        sequence = tip.sequence + 1 if tip else 1
        manifest = _manifest(ctx, run, flow, files, inputs, RunLabels.parse(tags).verdict, tip, sequence)
        digest = upload_manifest(ctx.uri, run.run_id, manifest, settings.signing_key)
        failpoint("after_manifest")
        head = append_head(store, model, sequence, digest, run.run_id, settings.signing_key)
        failpoint("after_head")
        if settings.witness_log is not None:
            publish_checkpoint(settings.witness_log, head, settings.signing_key)
        commit_run(ctx.uri, run.run_id, digest, {
            **tags, "governance.policy_sha256": ctx.policy_sha, "governance.code_version": code_version(),
            "governance.sequence": str(sequence)}, metrics, history)
    failpoint("after_recorded_hash")
    # A run of this flow that stopped before it was committed is now completed by this one.
    supersede_incomplete(ctx.uri, settings.experiment, model, ctx.version.version, flow, run.run_id)
    return digest


def _settled_tip(ctx: Subject, run: GovernanceRun, flow: str, store: HeadStore,
                 once_per_version: bool) -> Head | _Superseded | None:
    """The chain tip to extend, held under the model's lock: refused when the store is behind MLflow, its run
    completed when its process died after the head, and the run that won when the version's run of this flow
    was committed first (once per version)."""
    model, settings = ctx.version.model, ctx.settings
    tip = chain_tip(store, model)
    refuse_if_behind(settings, ctx.uri, store, model, tip)
    if tip is not None:
        complete_committed(ctx.uri, tip.run_id, tip.manifest_sha256)
    if once_per_version and (done := committed_run_of(ctx.uri, settings.experiment, model, ctx.version.version,
                                                      flow)):
        abandon_run(ctx.uri, run.run_id, done.run_id)
        return _Superseded(done.run_id, done.verdict)
    return tip


def _manifest(ctx: Subject, run: GovernanceRun, flow: str, files: dict[str, bytes], inputs: dict[str, str],
              verdict: str | None, tip: Head | None, sequence: int) -> dict:
    return build_manifest(
        model=ctx.version.model, version=ctx.version.version, flow=flow,
        created_at=clock.now().isoformat(timespec="seconds"), artifacts=files,
        inputs={**inputs, "waivers_file": f"sha256:{ctx.waivers_sha}"},
        policy_sha256=ctx.policy_sha, code_version=code_version(),
        previous_manifest_sha256=tip.manifest_sha256 if tip else None, sequence=sequence, verdict=verdict,
        started_ms=run.started_ms)


def findings_evidence(ctx: Subject, results) -> tuple[dict[str, str | None], dict[str, bytes]]:
    """The review and retention dates for the verdict, and `evidence/findings.json`: each finding with its
    severity, the model's owner and the date the policy allows to fix it."""
    today = clock.now().date()
    # A check the kind of system cannot be judged by (SKIPPED: a vendor system has no model) needs no action.
    rows = findings([r for r in results if not kind_lacks(r, ctx.tags)], ctx.tier, ctx.tags.owner, today)
    return review_dates(ctx.tier, today), {"evidence/findings.json": canonical_json({"findings": rows})}


@dataclass(frozen=True)
class Judged:
    """A governance run that judged a few checks: its decision and where its evidence is."""

    decision: Decision
    run_id: str
    manifest_sha256: str


def judge_and_record(ctx: Subject, flow: str, results: list[CheckResult], *, families: tuple[str, ...] | None = None,
                     not_judged: tuple[str, ...] = (), context: dict | None = None,
                     files: dict[str, bytes] | None = None, tags: dict[str, str] | None = None) -> Judged:
    """Decide on `results` (waivers applied) within `families` (all, if None), write the verdict, findings and family
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
        tags={**verdict_tags(decision, ctx.tier_name), **(tags or {})})
    alert_on_failure(ctx, flow, decision, run.run_id)
    return Judged(decision, run.run_id, digest)

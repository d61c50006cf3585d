"""Writing a governance run's evidence, shared by every flow: files, then `manifest.json` last."""

from __future__ import annotations

from datetime import datetime, timezone

from checks.findings import findings, review_dates
from checks.manifest import build_manifest, canonical_json
from flows.subject import Subject
from govflow.provenance import code_version
from tasks.chain import publish_head
from tasks.evidence import GovernanceRun, previous_manifest_sha256, write_evidence


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
    return digest


def findings_evidence(ctx: Subject, results) -> tuple[dict[str, str | None], dict[str, bytes]]:
    """The review and retention dates for the verdict, and `evidence/findings.json`: each finding with its
    severity, the model's owner and the date the policy allows to fix it."""
    today = datetime.now(timezone.utc).date()
    rows = findings(results, ctx.tier, ctx.tags.get("governance.owner"), today)
    return review_dates(ctx.tier, today), {"evidence/findings.json": canonical_json({"findings": rows})}

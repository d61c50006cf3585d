"""The retirement sweep (weekly) and retirement on request.

The sweep judges every version that serves or is being retired: review overdue, no owner, monitoring data
gone stale, superseded by a newer approved version, serving without approval; and for a version marked
`governance.lifecycle=retiring` (by `govflow retire`), whether its retirement can complete. Only then is
it marked `retired`, with the date its evidence must be kept until."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prefect import flow

from govflow import clock
from govflow.checks.findings import review_dates
from govflow.checks.lifecycle import RETIRED, RETIRING, VersionFacts, lifecycle_results, superseded_by
from govflow.checks.results import CheckResult, Status
from govflow.checks.signoff import check_serving
from govflow.checks.system_kind import SystemKind
from govflow.flows.flow_type import part_of_this_job
from govflow.flows.recording import judge_and_record
from govflow.flows.subject import resolve_subject
from govflow.flows.system_gate import due_diligence
from govflow.settings import Settings
from govflow.tasks.lifecycle import list_models, read_version_facts
from govflow.tasks.registry import set_version_tags
from govflow.tasks.task_type import run_logger

FLOW = "retirement"


@dataclass(frozen=True)
class LifecycleOutcome:
    model: str
    version: str
    verdict: str
    lifecycle: str | None
    reasons: tuple[str, ...] = ()
    results: tuple[CheckResult, ...] = ()
    run_id: str | None = None
    error: str | None = None


def _judge(facts: VersionFacts, newer: str | None, now: datetime) -> LifecycleOutcome:
    """One version's lifecycle checks as a governance run; a retiring version that passes becomes retired."""
    ctx = resolve_subject(facts.model, facts.version)
    results = lifecycle_results(facts, newer, ctx.tier.lifecycle, now) if ctx.tier.lifecycle else []
    if facts.serving and ctx.tier.governance.serving is not None:
        results += check_serving(facts.aliases, facts.status)
    files: dict[str, bytes] = {}
    if facts.serving and ctx.tags.kind is SystemKind.VENDOR and ctx.tier.vendor is not None:
        vendor, files, _ = due_diligence(ctx.tags.due_diligence, ctx.tier.vendor, now.date())
        results += vendor
    produced = {r.check_id for r in results}
    enabled = [*ctx.tier.enabled_check_ids("lifecycle"), *ctx.tier.enabled_check_ids("governance"),
               *ctx.tier.enabled_check_ids("vendor")]
    context = {"lifecycle": facts.lifecycle, "aliases": list(facts.aliases), "superseded_by": newer,
               "retire_requested_by": ctx.tags.retire_requested_by}
    judged = judge_and_record(ctx, FLOW, results, families=("lifecycle", "governance", "vendor"),
                              not_judged=tuple(c for c in enabled if c not in produced), context=context, files=files)
    state = facts.lifecycle
    done = any(r.check_id == "lifecycle.retirement" and r.status is Status.PASS for r in judged.decision.results)
    if facts.lifecycle == RETIRING and done:
        keep = review_dates(ctx.tier, now.date())["retain_until"] if ctx.tier.lifecycle else None
        set_version_tags(ctx.uri, facts.model, facts.version, {
            "governance.lifecycle": RETIRED, "governance.retired_at": now.isoformat(timespec="seconds"),
            "governance.retirement_run": judged.run_id, **({"governance.retain_until": keep} if keep else {})})
        state = RETIRED
    return LifecycleOutcome(facts.model, facts.version, judged.decision.verdict.value, state,
                            judged.decision.reasons, judged.decision.results, judged.run_id)


@flow(name="retirement-sweep")
def retirement_sweep(models: list[str] | None = None, as_of: datetime | None = None) -> list[LifecycleOutcome]:
    """Judge every serving or retiring version's lifecycle as of now (or `as_of`, to see what falls due by
    then); one version's error is its outcome, not the sweep's."""
    logger = run_logger()
    settings = Settings()
    now = as_of or clock.now()
    outcomes = []
    for model in list_models(settings.resolved_tracking_uri, models):
        try:
            versions = read_version_facts(settings.resolved_tracking_uri, settings.experiment, [model])[model]
        except Exception as exc:  # retried with backoff first; a store that stays away is an error, not a finding
            logger.error("the facts of %s could not be read from the tracking store: %s", model, type(exc).__name__)
            outcomes.append(LifecycleOutcome(model, "*", "BLOCKED", None, error=(
                f"the tracking store could not be read ({type(exc).__name__}); nothing was judged, run the sweep "
                "again once it answers")))
            continue
        newer = superseded_by(versions)
        for facts in versions:
            if not (facts.serving or facts.lifecycle == RETIRING):
                continue
            try:
                outcomes.append(_judge(facts, newer.get(facts.version), now))
            except Exception as exc:  # the sweep goes on; the next one tries this version again
                logger.error("lifecycle of %s v%s could not be judged: %s", model, facts.version, exc)
                outcomes.append(LifecycleOutcome(model, facts.version, "BLOCKED", facts.lifecycle,
                                                 error=f"{type(exc).__name__}: {exc}"))
    return outcomes


@flow(name="retire")
def retire(model: str, version: str | None = None, by: str | None = None) -> list[LifecycleOutcome]:
    """Mark the version (or every version of the model not yet retired) as retiring, then sweep the model:
    the versions whose checks pass are retired now, the others when the next sweep finds them ready."""
    settings = Settings()
    uri = settings.resolved_tracking_uri
    versions = read_version_facts(uri, settings.experiment, [model])[model]
    chosen = [f for f in versions if (version is None or f.version == str(version)) and f.lifecycle != RETIRED]
    if version is not None and not any(f.version == str(version) for f in versions):
        from govflow.tasks.registry import UnknownModelVersion

        raise UnknownModelVersion(f"model '{model}' has no version '{version}'")
    stamp = clock.now().isoformat(timespec="seconds")
    for facts in chosen:
        if facts.lifecycle != RETIRING:
            set_version_tags(uri, model, facts.version, {"governance.lifecycle": RETIRING,
                                                         "governance.retire_requested_at": stamp,
                                                         "governance.retire_requested_by": by or "unnamed"})
    wanted = {f.version for f in chosen}
    return [o for o in part_of_this_job(retirement_sweep)([model]) if o.version in wanted]

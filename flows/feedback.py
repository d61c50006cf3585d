"""Stakeholder feedback and incidents, recorded as evidence in the model's chain: what was reported, by whom
and how serious it is. Feedback at or above the policy's severity opens a `feedback.stakeholder` finding
for the owner on the register; a recorded resolution closes it."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow

from govflow import clock
from govflow.checks.feedback import feedback_result, resolution_result, summary
from govflow.checks.manifest import canonical_json
from govflow.flows.recording import judge_and_record
from govflow.flows.subject import resolve_subject
from govflow.settings import Settings
from govflow.tasks.registry import named_or_current

FLOW = "feedback"


@dataclass(frozen=True)
class FeedbackOutcome:
    model: str
    version: str
    recorded: int
    verdict: str
    finding: bool  # whether the run opened (or kept open) a finding
    run_id: str


@flow(name="stakeholder-feedback", flow_run_name="feedback-{model}")
def record_feedback(model: str, entries: list[dict], version: str | None = None, source: str = "cli") -> FeedbackOutcome:
    """Record checked feedback entries for one version as evidence/feedback/entries.json and judge them
    against the tier's `feedback.stakeholder` rule."""
    if not entries:
        raise ValueError("no feedback entries to record")
    ctx = resolve_subject(model, named_or_current(Settings().resolved_tracking_uri, model, version))
    now = clock.now().isoformat(timespec="seconds")
    entries = [{**e, "version": ctx.version.version, "received": e.get("received") or now} for e in entries]
    rule = ctx.tier.feedback.stakeholder
    result = feedback_result(entries, rule) if rule is not None else None
    document = {"model": model, "version": ctx.version.version, "source": source, "recorded_at": now,
                "open_at": rule.open_at if rule else None, "entries": entries, "summary": summary(entries)}
    judged = judge_and_record(ctx, FLOW, [result] if result else [], families=("feedback",),
                              # feedback below the threshold needs no judgement: recorded and counted only
                              not_judged=() if result else ("feedback.stakeholder",),
                              files={"evidence/feedback/entries.json": canonical_json(document)},
                              context={"source": source, "entries": len(entries)},
                              tags={"governance.feedback_entries": str(len(entries))})
    return FeedbackOutcome(model, ctx.version.version, len(entries), judged.decision.verdict.value,
                           result is not None, judged.run_id)


@flow(name="stakeholder-feedback-resolution")
def resolve_feedback(model: str, by: str, text: str, version: str | None = None) -> FeedbackOutcome:
    """Record who resolved the version's open feedback finding and how; its PASS closes the finding."""
    if not by.strip() or not text.strip():
        raise ValueError("a resolution needs who resolved it (--by) and how (--text)")
    ctx = resolve_subject(model, named_or_current(Settings().resolved_tracking_uri, model, version))
    document = {"model": model, "version": ctx.version.version, "resolved_by": by.strip(), "resolution": text.strip(),
                "at": clock.now().isoformat(timespec="seconds"), "entries": []}
    judged = judge_and_record(ctx, FLOW, [resolution_result(by.strip(), text.strip())], families=("feedback",),
                              files={"evidence/feedback/entries.json": canonical_json(document)},
                              context={"source": "resolution"})
    return FeedbackOutcome(model, ctx.version.version, 0, judged.decision.verdict.value, False, judged.run_id)

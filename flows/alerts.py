"""Telling people when a blocking check fails: one message per governance run, through Apprise."""

from __future__ import annotations

from govflow.checks.decision import Decision, Verdict
from govflow.checks.findings import severity
from govflow.flows.subject import Subject
from govflow.tasks.notify import notify
from govflow.tasks.task_type import run_logger


def alert_on_failure(ctx: Subject, flow: str, decision: Decision, run_id: str) -> bool:
    """Notify GOVFLOW_NOTIFY_URL when the verdict is REJECTED (a blocking check failed); say whether one was sent."""
    url = ctx.settings.notify_url
    if decision.verdict is not Verdict.REJECTED or not url:
        return False
    critical = [r for r in decision.results if severity(r, ctx.tier) == "critical"]
    model, version = ctx.version.model, ctx.version.version
    lines = [f"{r.check_id}{f'[{r.column or r.group}]' if (r.column or r.group) else ''}: {r.message}"
             for r in critical]
    body = "\n".join([f"{flow} run {run_id} on {model} v{version} [{ctx.tier_name} tier]: {decision.verdict.value}",
                      f"owner: {ctx.tags.owner or 'unknown'}", *lines])
    try:
        notify(url, f"govflow: {model} v{version} {decision.verdict.value} ({len(critical)} critical)", body)
    except Exception as exc:  # the evidence is written; a lost notice must not fail the governance run
        run_logger().error("notification for %s v%s failed: %s", model, version, exc)
        return False
    return True

"""The serving check: a version that was just given an alias must hold an approved status. Started by the
webhook receiver on `model_version_alias.created`; the nightly run judges the same check for every version."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, get_run_logger

from govflow.checks.check_registry import Stage, not_expected_at
from govflow.checks.signoff import check_serving
from govflow.flows.recording import judge_and_record
from govflow.flows.subject import resolve_subject

FLOW = "serving"


@dataclass(frozen=True)
class ServingOutcome:
    model: str
    version: str
    alias: str
    verdict: str
    run_id: str


@flow(name="serving-check", flow_run_name="serving-{model}-v{version}-{alias}")
def serving_check(model: str, version: str, alias: str) -> ServingOutcome:
    """Judge `governance.serving` for a version that now holds `alias`; an unapproved one is a critical finding."""
    ctx = resolve_subject(model, version)
    # The registry may not show the alias yet if the event raced ahead of the read; the event says it is there.
    aliases = tuple(dict.fromkeys([*ctx.version.aliases, alias]))
    status = ctx.tags.status
    judged = judge_and_record(ctx, FLOW, check_serving(aliases, status),
                              not_judged=not_expected_at(Stage.SERVING, ctx.tier, ctx.tags),
                              context={"alias": alias, "status": status})
    get_run_logger().info("%s v%s given alias %s: %s", model, version, alias, judged.decision.verdict.value)
    return ServingOutcome(model, ctx.version.version, alias, judged.decision.verdict.value, judged.run_id)

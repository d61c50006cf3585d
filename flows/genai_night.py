"""A generative-AI application's night (issue 31): the answers it logged since the last run, period by period,
scored by the same offline scorers as its evaluation set at the gate. flows/nightly.py runs it in place of the
tabular steps a model or a vendor system gets."""

from __future__ import annotations

import pandas as pd

from govflow.checks.check_registry import EVERYTHING, Need, Stage, expected_at
from govflow.checks.data_validation import check_readable
from govflow.checks.genai import BadAnswers, OutputFormat, answer_table, judge_answers
from govflow.checks.genai_lifetime import continue_rates, rates_basis
from govflow.checks.lifetime import closed
from govflow.checks.lifetime_state import LIFETIME_STATE, LifetimeState, how_started, resume
from govflow.checks.manifest import canonical_json
from govflow.checks.periods import last_stamp, rows_after
from govflow.checks.policy.genai_rules import GenaiChecks
from govflow.checks.results import CheckResult, Status, not_run
from govflow.flows import monitoring as step
from govflow.flows.lifetime import carried_lifetime
from govflow.flows.subject import Subject
from govflow.tasks.traces import TRACE_TIME, TRACES_URI, load_answers


def genai_night(ctx: Subject, start: str | None, gate, out: step.Collected) -> tuple[set[Need], list[str], str | None]:
    """Each new period's logged answers judged by the tier's genai rates (overall and per sensitive group) and
    the team's judges; what the night has, no period awaiting labels, and how far the logs reach."""
    tags, tier, policy = ctx.tags, ctx.tier, ctx.policy
    expected = expected_at(Stage.MONITORING, tier, tags, families=("genai",))
    logged = load_answers(ctx.uri, tags.data.monitoring, ctx.version.source)  # a file, or its MLflow traces
    out.add(check_readable("monitoring", logged.uri, logged.rows, logged.error, empty=Status.INCONCLUSIVE))
    if not logged.has_rows or tier.genai is None:
        out.add(not_run(expected, "no logged answers to judge (tag governance.monitoring_data)"))
        return set(EVERYTHING), [], start
    out.inputs["monitoring_data"] = logged.fingerprint or ""
    # Traces carry the moment each was asked; a file names its own column.
    timestamp = tags.columns.timestamp or (TRACE_TIME if tags.data.monitoring == TRACES_URI else None)
    new = rows_after(logged.table, timestamp, start)
    if new.empty:
        out.add([CheckResult(check_id="data.readable", status=Status.INCONCLUSIVE, column="monitoring", n=0,
                             message=f"no logged answers after {start}, where the last monitoring run stopped",
                             hint="check that the application still logs its answers")])
        return {Need.DATA}, [], start
    periods = step.split(new, timestamp, policy.monitoring_period, out, expected)
    for period, rows in periods or []:
        judged = judge_answers(rows, tags, tier.genai, policy.confidence, f"{logged.uri} ({period})", expected,
                               traffic=True)
        out.add(judged.results, period)
    if tier.genai.lifetime is not None and (whole := step.split(logged.table, timestamp, policy.monitoring_period,
                                                                out, [])) is not None:
        _lifetime(ctx, tier.genai, closed(whole), out)
    return {Need.DATA, Need.ROWS}, [], last_stamp(new, timestamp) or start


def _lifetime(ctx: Subject, genai: GenaiChecks, closed_periods, out: step.Collected) -> None:
    """The lifetime rates: the counts the last monitoring run kept, and the answers of the periods closed since,
    scored; the new counts kept as evidence."""
    tags = ctx.tags
    carried = carried_lifetime(ctx.uri, tags.last_monitor_run).genai
    basis = rates_basis(genai, {"answers": tags.answers, "output_format": tags.output_format})
    resumed = resume(carried, basis, closed_periods)
    results, kept = continue_rates(resumed, _scored(resumed.todo, tags, genai), genai, basis)
    out.add(results)
    if kept is not None:
        out.files[LIFETIME_STATE] = canonical_json(LifetimeState(genai=kept).document(
            tags.last_monitor_run if carried else None, [how_started("genai.lifetime", resumed)]))


def _scored(periods, tags, genai) -> list[tuple[str, pd.DataFrame]]:
    """Each period's answers scored (tonight's, and the periods closed since the last run's counts)."""
    out = []
    for period, rows in periods:
        try:
            declared = OutputFormat.parse(tags.output_format) if tags.output_format else None
            out.append((period, answer_table(rows, tags.answers, genai, period, declared)))
        except BadAnswers:
            continue  # the period's own results already say which column or tag is wrong
    return out

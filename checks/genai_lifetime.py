"""A generative-AI application's rates over its whole life (issue 31): each rate's beta-binomial confidence
sequence (checks/sequential.py) over the closed periods' scored answers, valid at every nightly look. The
sequence needs only how many answers carried the rate and how many of them hit, so a night continues the
counts the last monitoring run kept (checks/lifetime_state.py) and scores only the periods closed since."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from govflow.checks.genai import DOES, rule_of
from govflow.checks.lifetime_state import Cohorts, Resumed, Taken, basis_of
from govflow.checks.policy.genai_rules import GenaiChecks, GenaiLifetimeRule
from govflow.checks.results import CheckResult, Status
from govflow.checks.sequential import MeanSequence, bernoulli_sequence_bounds


def rates_basis(genai: GenaiChecks, scoring: Mapping[str, Any]) -> str:
    """What the counts depend on: the genai policy (its scorers' settings) and how the answers are read
    (`scoring`: the answer columns and output format tags); another basis scores answers anew."""
    return basis_of(check="genai.lifetime", genai=genai.model_dump(mode="json"), scoring=dict(scoring))


def lifetime_rates(closed: Sequence[tuple[str, pd.DataFrame]], genai: GenaiChecks) -> list[CheckResult]:
    """`genai.lifetime.<metric>` over every closed period's scored answers (`continue_rates` with no counts)."""
    return continue_rates(Resumed(None, list(closed)), list(closed), genai, "")[0]


def continue_rates(resumed: Resumed, scored: Cohorts, genai: GenaiChecks,
                   basis: str) -> tuple[list[CheckResult], Taken | None]:
    """`genai.lifetime.<metric>`: the counts `resumed` starts from plus the answers of `scored` (its periods
    still to take in, scored as `answer_table`s); PASS once the whole interval lies within the rate's limit,
    FAIL once wholly beyond it. Returns the results and the counts to keep."""
    rule = genai.lifetime
    if rule is None:
        return [], None
    # Every closed period taken in, scored or not (a period whose answers could not be read says so itself).
    periods = (resumed.start.periods if resumed.start else ()) + tuple(name for name, _ in resumed.todo)
    out, kept = [], {}
    for metric in rule.metrics:
        counts = resumed.start.sequences.get((metric,)) if resumed.start else None
        counts = counts or MeanSequence(rule.alpha)
        for _, table in scored:
            if metric in table:
                counts = counts.update(table[metric].dropna().to_numpy(dtype=float))
        kept[(metric,)] = counts
        out += _rate(metric, counts, periods, genai, rule)
    return out, Taken(basis, periods, kept)


def _rate(metric: str, counts: MeanSequence, periods: tuple[str, ...], genai: GenaiChecks,
          rule: GenaiLifetimeRule) -> list[CheckResult]:
    check_id, limit = f"genai.lifetime.{metric}", rule_of(genai, metric).limit()  # type: ignore[union-attr]
    if not counts.rows:
        # Every answer can leak or refuse; a format, a reference or a context only some logs hold.
        if metric in ("pii_leak_rate", "refusal_rate"):
            return [CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, limit=limit.bound,
                                message="no closed period of logged answers yet")]
        return []
    rows, hits = counts.rows, round(counts.total)
    low, high = bernoulli_sequence_bounds(hits, rows, rule.alpha)
    point = hits / rows
    span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
    return [CheckResult(
        check_id=check_id, status=limit.judge(point, (low, high), rule.on_straddle), value=point, ci=(low, high),
        limit=limit.bound, n=rows,
        message=(f"{point:.2%} of {rows} answers {DOES[metric]} in {len(periods)} closed period(s) "
                 f"({span}), within [{low:.4f}, {high:.4f}] at every night's look (lifetime alpha {rule.alpha}); "
                 f"{limit.describe()} allowed"))]

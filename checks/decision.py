"""The verdict for a model version: a pure function of its results and its tier's policy."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from govflow.checks.policy import TierPolicy
from govflow.checks.results import UNKNOWN_STATUSES, CheckResult, Status


class Verdict(StrEnum):
    APPROVED = "APPROVED"
    APPROVED_WITH_WAIVERS = "APPROVED_WITH_WAIVERS"
    REJECTED = "REJECTED"
    BLOCKED = "BLOCKED"


class Decision(BaseModel):
    """The verdict, the results it rests on (severity applied), and the reasons in words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Verdict
    reasons: tuple[str, ...]
    results: tuple[CheckResult, ...]
    because: str = ""  # the verdict in one line: "rejected because drift.share failed"
    behind: tuple[str, ...] = ()  # the check ids the reasons name, each once, in the reasons' order


def reaches_past_limit(result: CheckResult) -> bool:
    """A PASS its evidence does not support: the limit lies strictly inside the result's interval."""
    if result.status is not Status.PASS or result.ci is None or not isinstance(result.limit, (int, float)):
        return False
    return result.ci[0] < float(result.limit) < result.ci[1]


def apply_severity(results: Iterable[CheckResult], tier: TierPolicy) -> list[CheckResult]:
    """Demote a FAIL on a check this tier does not block on to WARN; severity is policy's alone. A PASS whose
    interval reaches past its limit is WARN too: every family judges through checks/limits.py, and this guard
    keeps one that forgets from putting more than its evidence into a verdict."""
    out = []
    for result in results:
        if reaches_past_limit(result):
            result = result.with_status(Status.WARN, "its interval reaches past the limit: not shown within it")
        rule = tier.rule(result.check_id)
        if result.status is Status.FAIL and rule is not None and not rule.blocking:
            result = result.with_status(Status.WARN, "non-blocking for this tier")
        out.append(result)
    return out


def _expected(tier: TierPolicy, families: tuple[str, ...] | None = None,
              not_judged: tuple[str, ...] = ()) -> list[str]:
    """The tier's enabled check ids in `families` (all if None), less the `not_judged` ids."""
    ids = [c for f in families for c in tier.enabled_check_ids(f)] if families else tier.enabled_check_ids()
    return [c for c in ids if c not in not_judged]


def decide(results: Iterable[CheckResult], tier: TierPolicy, families: tuple[str, ...] | None = None,
           not_judged: tuple[str, ...] = ()) -> Decision:
    """REJECTED on any blocking FAIL; else BLOCKED when a blocking check errored, was
    inconclusive, skipped or has no result at all; else approved (with waivers if any).

    `families` limits what is expected to the named check families (an ad-hoc audit of one family);
    `not_judged` names the check ids this job does not judge (the registry's `not_expected_at` says which,
    per job).
    """
    judged = apply_severity(results, tier)
    blocking = [r for r in judged if (rule := tier.rule(r.check_id)) is not None and rule.blocking]
    reasons: list[str] = []

    failed = [r for r in blocking if r.status is Status.FAIL]
    # A check the job does not judge may still be listed SKIPPED, saying why (a vendor system has no model to
    # question); that says it does not apply, not that it is unknown.
    unknown = [r for r in blocking if r.status in UNKNOWN_STATUSES
               and not (r.status is Status.SKIPPED and r.check_id in not_judged)]
    seen = {r.check_id for r in judged}
    expected = _expected(tier, families, not_judged)
    silent = [c for c in expected if tier.rule(c).blocking and c not in seen]  # type: ignore[union-attr]

    reasons += [_reason(r) for r in failed]
    reasons += [_reason(r) for r in unknown]
    reasons += [f"{c}: no result was produced for this blocking check" for c in silent]

    waived = [r for r in judged if r.status is Status.WAIVED]
    if failed:
        verdict = Verdict.REJECTED
        because = f"rejected because {_named(failed)} failed"
    elif unknown or silent:
        verdict = Verdict.BLOCKED
        because = "blocked because " + "; ".join(
            ([f"{_named(unknown)} could not be judged"] if unknown else [])
            + ([f"{_listed(silent)} produced no result"] if silent else []))
    elif waived:
        verdict = Verdict.APPROVED_WITH_WAIVERS
        reasons += [_reason(r) for r in waived]
        because = f"approved with waivers on {_named(waived)}; every other blocking check passed"
    else:
        verdict = Verdict.APPROVED
        because = "approved: every blocking check passed" + (
            f" ({len(warned)} non-blocking finding(s): {_named(warned)})"
            if (warned := [r for r in judged if r.status in (Status.WARN, Status.FAIL)]) else "")
    named = [*failed, *unknown] + (waived if verdict is Verdict.APPROVED_WITH_WAIVERS else [])
    behind = tuple(dict.fromkeys([*(r.check_id for r in named), *silent]))
    return Decision(verdict=verdict, reasons=tuple(reasons), results=tuple(judged), because=because, behind=behind)


def _listed(ids: list[str], shown: int = 3) -> str:
    unique = list(dict.fromkeys(ids))
    more = f" and {len(unique) - shown} more" if len(unique) > shown else ""
    return ", ".join(unique[:shown]) + more


def _named(results: list[CheckResult]) -> str:
    """The check ids of `results`, each once, the first few named."""
    return _listed([r.check_id for r in results])


def _reason(result: CheckResult) -> str:
    subject = result.column or result.group
    where = f"[{subject}]" if subject else ""
    when = f" in {result.period}" if result.period else ""
    return f"{result.check_id}{where}{when} {result.status.value}: {result.message}"

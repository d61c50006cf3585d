"""Findings: every result that did not pass, with a severity, an owner and a due date from the policy,
so a risk register can track them to closure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from govflow.checks.policy import TierPolicy
from govflow.checks.results import UNKNOWN_STATUSES, CheckResult, Status

SEVERITIES = ("critical", "major", "minor")  # most severe first


def severity(result: CheckResult, tier: TierPolicy) -> str | None:
    """critical for a blocking FAIL, major for a blocking check that could not judge, minor for a WARN;
    None for a result that is no finding (PASS, WAIVED, or a non-blocking check that could not judge)."""
    rule = tier.rule(result.check_id)
    blocking = rule is not None and rule.blocking
    if result.status is Status.FAIL:
        return "critical" if blocking else "minor"
    if result.status in UNKNOWN_STATUSES and blocking:
        return "major"
    return "minor" if result.status is Status.WARN else None


def findings(results: Iterable[CheckResult], tier: TierPolicy, owner: str | None, on: date) -> list[dict]:
    """One finding per result that needs action, due `fix_within_days[severity]` after `on`."""
    days = tier.lifecycle.fix_within_days if tier.lifecycle else None
    out = []
    for r in results:
        level = severity(r, tier)
        if level is None:
            continue
        due = on + timedelta(days=getattr(days, level)) if days else None
        out.append({"check_id": r.check_id, "subject": r.column or r.group, "period": r.period,
                    "status": r.status.value, "severity": level, "owner": owner,
                    "due": due.isoformat() if due else None, "message": r.message})
    return out


def review_dates(tier: TierPolicy, on: date) -> dict[str, str | None]:
    """When people must review the version next, and until when its evidence is kept."""
    if tier.lifecycle is None:
        return {"review_due": None, "retain_until": None}
    life = tier.lifecycle
    retain = on.replace(year=on.year + life.retention_years) if not (on.month == 2 and on.day == 29) \
        else on.replace(year=on.year + life.retention_years, day=28)
    return {"review_due": (on + timedelta(days=life.review_every_days)).isoformat(), "retain_until": retain.isoformat()}

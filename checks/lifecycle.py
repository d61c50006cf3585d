"""Lifecycle checks for the retirement sweep: is a serving version still reviewed, owned, monitored and
current, and has a version being retired finished retiring? Pure: the registry's and the runs' facts come
in as a `VersionFacts`, results go out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from govflow.checks.policy import Lifecycle
from govflow.checks.results import CheckResult, Status

RETIRING, RETIRED = "retiring", "retired"
APPROVED = ("APPROVED", "APPROVED_WITH_WAIVERS")


@dataclass(frozen=True)
class VersionFacts:
    """What the registry and the governance runs say about one version, as the sweep found them."""

    model: str
    version: str
    aliases: tuple[str, ...]
    status: str | None
    lifecycle: str | None
    owner: str | None
    registered: datetime
    last_gate: datetime | None = None          # when the gate last judged it (a review re-gates it)
    monitored_through: datetime | None = None  # newest production row monitored (else when monitoring ran)
    completed_runs: int = 0                    # governance runs whose manifest was written
    incomplete_runs: tuple[str, ...] = ()      # runs that stopped before their manifest, not yet rerun
    deleted_runs: tuple[str, ...] = ()         # governance runs someone deleted

    @property
    def serving(self) -> bool:
        return bool(self.aliases)


def superseded_by(versions: list[VersionFacts]) -> dict[str, str]:
    """Version -> the newer version that supersedes it: the newest approved version that serves supersedes
    every older version of the model that still serves."""
    serving = [v for v in versions if v.serving and v.status in APPROVED and v.lifecycle not in (RETIRING, RETIRED)]
    if not serving:
        return {}
    newest = max(serving, key=lambda v: int(v.version) if v.version.isdigit() else -1)
    return {v.version: newest.version for v in versions
            if v.serving and v.version.isdigit() and newest.version.isdigit() and int(v.version) < int(newest.version)}


def check_review(facts: VersionFacts, rules: Lifecycle, today: date) -> CheckResult:
    """FAIL once `review_every_days` have passed since the gate last judged the version (on the due date
    itself it is still current); INCONCLUSIVE when it was never gated."""
    if facts.last_gate is None:
        return CheckResult(check_id="lifecycle.review", status=Status.INCONCLUSIVE, limit=rules.review_every_days,
                           message="never gated, so no review date is known", hint=f"govflow gate {facts.model} {facts.version}")
    due = facts.last_gate.date() + timedelta(days=rules.review_every_days)
    overdue = (today - due).days
    if overdue > 0:
        return CheckResult(check_id="lifecycle.review", status=Status.FAIL, value=due.isoformat(),
                           limit=rules.review_every_days,
                           message=f"review overdue by {overdue} day(s): last gated {facts.last_gate.date()}, "
                                   f"review due every {rules.review_every_days} days",
                           hint="review the version and gate it again (govflow gate), or retire it")
    return CheckResult(check_id="lifecycle.review", status=Status.PASS, value=due.isoformat(),
                       limit=rules.review_every_days, message=f"next review due {due}")


def check_owner(facts: VersionFacts) -> CheckResult:
    """FAIL when no owner is named (tag governance.owner on the version or its model)."""
    if facts.owner and facts.owner.strip():
        return CheckResult(check_id="lifecycle.owner", status=Status.PASS, value=facts.owner,
                           message=f"owned by {facts.owner}")
    return CheckResult(check_id="lifecycle.owner", status=Status.FAIL, value=None,
                       message="no owner is named (tag governance.owner is unset)",
                       hint="set governance.owner on the registered model to the accountable person")


def check_monitoring(facts: VersionFacts, max_days: int, now: datetime) -> CheckResult:
    """FAIL when the newest production row monitoring has seen is more than `max_days` days old (exactly
    `max_days` still passes); with no monitoring yet, counted from registration."""
    since, what = facts.monitored_through, "the newest monitored production row"
    if since is None:
        since, what = facts.registered, "registration, with no monitoring data since"
    age = (now - since).total_seconds() / 86_400
    result = {"check_id": "lifecycle.monitoring", "value": round(age, 2), "limit": max_days}
    if age > max_days:
        return CheckResult(status=Status.FAIL, message=f"{age:.1f} days since {what} ({since:%Y-%m-%d %H:%M}); "
                                                       f"the limit is {max_days} days",
                           hint="check the production feed (governance.monitoring_data), or retire the version",
                           **result)
    return CheckResult(status=Status.PASS, message=f"{age:.1f} days since {what}", **result)


def check_superseded(facts: VersionFacts, newer: str | None) -> CheckResult:
    """FAIL when a newer approved version serves while this one still holds an alias."""
    if newer is None:
        return CheckResult(check_id="lifecycle.superseded", status=Status.PASS, message="no newer approved version serves")
    return CheckResult(check_id="lifecycle.superseded", status=Status.FAIL, value=newer,
                       message=f"still serves as {', '.join(facts.aliases)} though v{newer} is approved and serves",
                       hint=f"move the alias to v{newer} and retire this version (govflow retire {facts.model} {facts.version})")


def check_retirement(facts: VersionFacts) -> CheckResult:
    """PASS once a retiring version holds no alias (so monitoring has stopped) and its evidence is whole:
    at least one completed run, none deleted, none left incomplete."""
    remaining = []
    if facts.aliases:
        remaining.append(f"it still serves as {', '.join(facts.aliases)} (remove the alias; monitoring stops with it)")
    if facts.completed_runs == 0:
        remaining.append("it has no completed governance run to keep")
    if facts.deleted_runs:
        remaining.append(f"governance run(s) {', '.join(facts.deleted_runs)} were deleted (restore them)")
    if facts.incomplete_runs:
        remaining.append(f"run(s) {', '.join(facts.incomplete_runs)} stopped before their manifest (rerun the flow)")
    if remaining:
        return CheckResult(check_id="lifecycle.retirement", status=Status.FAIL, value=len(remaining), limit=0,
                           message="retirement cannot complete: " + "; ".join(remaining),
                           hint="fix what is named, then the next sweep retires it")
    return CheckResult(check_id="lifecycle.retirement", status=Status.PASS, value=0, limit=0,
                       message=f"no alias, monitoring stopped, {facts.completed_runs} completed run(s) kept")


def lifecycle_results(facts: VersionFacts, newer: str | None, rules: Lifecycle, now: datetime) -> list[CheckResult]:
    """The lifecycle checks the policy enables that apply to this version: serving versions are judged on
    review, owner, monitoring and succession; a retiring one on whether its retirement can complete."""
    out: list[CheckResult] = []
    if facts.lifecycle == RETIRING:
        if rules.retirement is not None:
            out.append(check_retirement(facts))
        return out
    if not facts.serving:
        return out
    if rules.review is not None:
        out.append(check_review(facts, rules, now.date()))
    if rules.owner is not None:
        out.append(check_owner(facts))
    if rules.monitoring is not None:
        out.append(check_monitoring(facts, rules.monitoring.max_days_without_data, now))
    if rules.superseded is not None:
        out.append(check_superseded(facts, newer))
    return out

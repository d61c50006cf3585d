"""Human sign-off and what serves: a high-tier version is approved only when people in distinct roles
have signed it off, and a version that serves traffic without approval is a critical finding."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from govflow.checks.policy import SignoffRule
from govflow.checks.results import CheckResult, Status

SIGNOFF_TAG = "governance.signoff."
APPROVED = ("APPROVED", "APPROVED_WITH_WAIVERS")


def signoff_tag(role: str) -> str:
    return f"{SIGNOFF_TAG}{role}"


def signoff_record(by: str, role: str, at: str, verdict: str | None, gate_run: str | None, note: str | None) -> str:
    """The version tag's value: who signed in which role, when, and the verdict and gate run they saw."""
    return json.dumps({"by": by, "role": role, "at": at, "verdict": verdict, "gate_run": gate_run, "note": note},
                      sort_keys=True)


def check_signoffs(tags: Mapping[str, str], rule: SignoffRule) -> CheckResult:
    """PASS when every role the tier requires has signed off, each by a different person; INCONCLUSIVE
    (awaiting people, not a fault of the model) otherwise, naming who is still needed; ERROR for a tag
    that is no sign-off record."""
    signed: dict[str, dict] = {}
    for role in rule.roles:
        raw = tags.get(signoff_tag(role))
        if raw:
            try:
                signed[role] = json.loads(raw)
            except ValueError:
                return CheckResult(check_id="governance.signoff", status=Status.ERROR, column=signoff_tag(role),
                                   message=f"tag '{signoff_tag(role)}' is not a govflow sign-off record",
                                   hint="record sign-off with `govflow approve`, not by editing tags")
    missing = [role for role in rule.roles if role not in signed]
    people = [record.get("by", "").strip().lower() for record in signed.values()]
    limit = ", ".join(rule.roles)
    if missing:
        return CheckResult(check_id="governance.signoff", status=Status.INCONCLUSIVE, value=len(signed),
                           limit=limit, message=f"awaiting sign-off by {', '.join(missing)}",
                           hint=f"`govflow approve MODEL VERSION --by NAME --role {missing[0]}`")
    if len(set(people)) < len(people):
        # Not a fault of the model: the version waits for a second person, as it waits for a missing role.
        return CheckResult(check_id="governance.signoff", status=Status.INCONCLUSIVE, value=len(set(people)),
                           limit=limit, message="one person signed off in more than one role; each role needs "
                                                "its own person", hint="segregation of duties: have someone "
                                                                       "else sign the second role")
    who = "; ".join(f"{role}: {signed[role]['by']} ({signed[role]['at']})" for role in rule.roles)
    return CheckResult(check_id="governance.signoff", status=Status.PASS, value=len(signed), limit=limit,
                       message=f"signed off by {who}")


def check_serving(aliases: Sequence[str], status: str | None) -> list[CheckResult]:
    """A FAIL when the version serves (holds an alias) without an approved status; nothing if it does not serve."""
    if not aliases:
        return []
    if status in APPROVED:
        return [CheckResult(check_id="governance.serving", status=Status.PASS, value=status, limit="approved",
                            message=f"serves as {', '.join(aliases)} with status {status}")]
    return [CheckResult(
        check_id="governance.serving", status=Status.FAIL, value=status or "never gated", limit="approved",
        message=f"serves as {', '.join(aliases)} but its status is {status or 'unset: it never passed the gate'}",
        hint="remove the alias, or gate and approve this version before it serves")]

"""Waivers: a time-bound, approved exception to one check for one model's versions.

A waived result still runs and is kept; it shows as WAIVED with the waiver's reason, approver and expiry.
From its expiry date on a waiver no longer applies, and it is reported as expired.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from pydantic import Field, field_validator

from govflow.checks.policy import Frozen, PolicyError, line_of, parse_typed
from govflow.checks.results import CheckResult, Status

WAIVABLE = frozenset({Status.FAIL, Status.WARN, Status.ERROR, Status.INCONCLUSIVE})


class Waiver(Frozen):
    """`check` on `model`'s `versions` is waived until `expires` (exclusive), for `reason`, by `approved_by`;
    `subject` narrows it to one column or group."""

    check: str
    model: str
    versions: tuple[str, ...] = Field(min_length=1)
    subject: str | None = None
    reason: str = Field(min_length=10)
    approved_by: str = Field(min_length=3)
    expires: date

    @field_validator("versions", mode="before")
    @classmethod
    def _versions_as_text(cls, value):
        return [str(v) for v in value] if isinstance(value, list) else value

    def covers(self, model: str, version: str, result: CheckResult) -> bool:
        return (self.model == model and str(version) in self.versions and result.check_id == self.check
                and (self.subject is None or self.subject in (result.column, result.group)))


class WaiverFile(Frozen):
    version: int = Field(ge=1, le=1)
    waivers: tuple[Waiver, ...] = ()


def parse_waivers(text: str, source: str, known_checks: Iterable[str]) -> tuple[Waiver, ...]:
    """The waivers of a YAML file; PolicyError naming the file, key and line for a bad key or value, a
    missing expiry, or a check id that does not exist."""
    parsed, node = parse_typed(text, source, WaiverFile)
    known = set(known_checks)
    for i, waiver in enumerate(parsed.waivers):
        if waiver.check not in known:
            raise PolicyError(f"{source}, line {line_of(node, ['waivers', str(i), 'check'])}: key "
                              f"'waivers.{i}.check': no check '{waiver.check}' exists")
    return parsed.waivers


def apply_waivers(results: Sequence[CheckResult], waivers: Sequence[Waiver], model: str, version: str,
                  today: date) -> list[CheckResult]:
    """Results with every unexpired waiver applied, and one `governance.waivers` result per waiver of this
    version: PASS while it applies, WARN once expired (the check is judged as it is again)."""
    mine = [w for w in waivers if w.model == model and str(version) in w.versions]
    active = [w for w in mine if today < w.expires]
    out = []
    for result in results:
        waiver = next((w for w in active if w.covers(model, version, result)), None)
        if waiver is None or result.status not in WAIVABLE:
            out.append(result)
            continue
        out.append(result.with_status(Status.WAIVED, (
            f"was {result.status.value}; waived until {waiver.expires} by {waiver.approved_by}: {waiver.reason}")))
    for waiver in mine:
        expired = today >= waiver.expires
        out.append(CheckResult(
            check_id="governance.waivers", status=Status.WARN if expired else Status.PASS, group=waiver.check,
            column=waiver.subject, limit=str(waiver.expires),
            message=(f"waiver of {waiver.check} expired on {waiver.expires}; the check is judged as it is"
                     if expired else f"waiver of {waiver.check} applies until {waiver.expires} "
                                     f"({waiver.approved_by}: {waiver.reason})"),
            hint="renew the waiver with a new approval, or fix the finding" if expired else None))
    return out

"""The one result type every check returns, and its closed set of statuses."""

from __future__ import annotations

import textwrap
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Status(StrEnum):
    """Outcome of one check on one subject (a column, a group, a model)."""

    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"
    ERROR = "ERROR"
    INCONCLUSIVE = "INCONCLUSIVE"
    WAIVED = "WAIVED"
    SKIPPED = "SKIPPED"


# From best to worst: where a check judged several subjects in one run, it stands at its worst status.
STATUS_ORDER = (Status.PASS, Status.WAIVED, Status.SKIPPED, Status.WARN, Status.INCONCLUSIVE, Status.ERROR,
                Status.FAIL)

# Statuses that mean "we do not know", which a blocking check turns into BLOCKED.
UNKNOWN_STATUSES = frozenset({Status.ERROR, Status.INCONCLUSIVE, Status.SKIPPED})


class CheckResult(BaseModel):
    """One check's finding: status, observed value, the limit it was held to, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check_id: str
    status: Status
    value: float | str | None = None
    limit: float | str | None = None
    ci: tuple[float, float] | None = None
    n: int | None = None
    message: str
    group: str | None = None
    column: str | None = None
    period: str | None = None
    hint: str | None = None

    @property
    def family(self) -> str:
        return self.check_id.split(".", 1)[0]

    def with_status(self, status: Status, note: str) -> CheckResult:
        """Copy with a new status; the note is appended so the original reason stays visible."""
        return self.model_copy(update={"status": status, "message": f"{self.message} ({note})"})


def not_run(check_ids: list[str], reason: str) -> list[CheckResult]:
    """ERROR results for checks that could not run, so their absence is never read as a pass."""
    return [CheckResult(check_id=c, status=Status.ERROR, message=f"not run: {reason}") for c in check_ids]


def brief(exc: BaseException, width: int = 300) -> str:
    """An exception's message cut at a word, not mid-word, with a mark that it was cut."""
    return textwrap.shorten(str(exc), width=width, placeholder=" [...]") or type(exc).__name__

"""One way to judge a limit: a bound with a direction judges a value and its interval the same way in every
family, with the policy's rule for an interval that straddles the bound."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from govflow.checks.results import CheckResult, Status


class Direction(StrEnum):
    AT_MOST = "at most"
    AT_LEAST = "at least"


class Straddle(StrEnum):
    """What a value earns when its interval reaches across the bound (the policy chooses, per family). None of
    them is PASS: a PASS says the whole interval is within the limit, and a straddling one is not evidence of
    that, whatever its point estimate."""

    INCONCLUSIVE = "INCONCLUSIVE"  # more rows are needed before it can be judged
    WARN = "WARN"
    POINT = "point"  # the point estimate decides between WARN (within the bound) and FAIL (beyond it)


@dataclass(frozen=True)
class Limit:
    bound: float
    direction: Direction

    def within(self, x: float) -> bool:
        return x <= self.bound if self.direction is Direction.AT_MOST else x >= self.bound

    def judge(self, value: float | None, ci: tuple[float, float] | None = None,
              straddle: Straddle = Straddle.POINT) -> Status:
        """PASS when the whole interval (the value alone, without one) and the value are within the bound, FAIL
        when the interval is wholly beyond, else what `straddle` says (never PASS); a value that is not a number
        cannot be judged. A value outside its own interval beyond the bound is not shown within by it."""
        if value is None or not math.isfinite(value):
            return Status.INCONCLUSIVE
        low, high = ci if ci is not None else (value, value)
        worst, best = (high, low) if self.direction is Direction.AT_MOST else (low, high)
        if self.within(worst) and self.within(value):
            return Status.PASS
        if not self.within(best):
            return Status.FAIL
        if straddle is Straddle.POINT:
            return Status.WARN if self.within(value) else Status.FAIL
        return Status(straddle.value)

    def describe(self) -> str:
        return f"{self.direction.value} {self.bound:g}"


@dataclass(frozen=True)
class Judged:
    """A figure's limit with the rows it needs at least, and what to do when it is not met."""

    limit: Limit
    min_samples: int = 1
    hint: str | None = None


def at_most(bound: float, min_samples: int = 1) -> Judged:
    """A figure that must be at most `bound` (a loss, a gap)."""
    return Judged(Limit(bound, Direction.AT_MOST), min_samples)


def at_least(bound: float, min_samples: int = 1) -> Judged:
    """A figure that must be at least `bound` (an accuracy, R², a ratio)."""
    return Judged(Limit(bound, Direction.AT_LEAST), min_samples)


def judge_figure(check_id: str, value: float, ci: tuple[float, float] | None, n: int, rule: Judged,
                 straddle: Straddle, message: str, *, group: str | None = None,
                 column: str | None = None) -> CheckResult:
    """The result of one figure with its interval against its limit; `message` says what was measured."""
    status = rule.limit.judge(value, ci, straddle)
    return CheckResult(check_id=check_id, status=status, value=value, limit=rule.limit.bound, ci=ci, n=n,
                       group=group, column=column, message=f"{message}, {rule.limit.describe()} allowed",
                       hint=None if status is Status.PASS else rule.hint)


def not_judged_figure(check_id: str, n: int, rule: Judged, message: str, *,
                      column: str | None = None, group: str | None = None) -> CheckResult:
    """INCONCLUSIVE: the rows cannot judge the figure, for the reason `message` gives."""
    return CheckResult(check_id=check_id, status=Status.INCONCLUSIVE, column=column, group=group, n=n,
                       limit=rule.limit.bound, message=message)


def too_few_rows(check_id: str, n: int, rule: Judged) -> CheckResult | None:
    """INCONCLUSIVE when `n` rows are fewer than the rule needs; None when there are enough."""
    if n >= rule.min_samples:
        return None
    return not_judged_figure(check_id, n, rule, f"{n} rows, fewer than min_samples {rule.min_samples}")

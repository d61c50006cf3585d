"""What a govflow task is: a Prefect task when a flow or task run calls it (Prefect records it, retries it and
shows it in its UI); a plain call under the same retry rule otherwise, so a command that only reads (inventory,
verify, an evidence export) runs its flow's function without starting a Prefect server. Prefect would otherwise
start a temporary server for every task called outside a flow run, about ten seconds on two cores."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, overload

from prefect import Task, get_run_logger
from prefect.context import FlowRunContext, TaskRunContext
from prefect.states import Failed

P = ParamSpec("P")
R = TypeVar("R")


def in_a_run() -> bool:
    """True inside a Prefect flow or task run: what runs there is recorded on the server that run reports to."""
    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


class GovflowTask(Task[P, R]):
    """A Prefect task that, called outside any flow or task run, is its function under its own retry rule."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:  # pyright: ignore[reportIncompatibleMethodOverride]
        # Prefect's own keywords (return_state, wait_for) ask for its engine, as does an async task.
        if "return_state" in kwargs or "wait_for" in kwargs or self.isasync or in_a_run():
            return super().__call__(*args, **kwargs)  # pyright: ignore[reportCallIssue, reportReturnType]
        attempt = 0
        while True:
            try:
                return self.fn(*args, **kwargs)
            except Exception as exc:
                if attempt >= self.retries or not self._worth_retrying(exc):
                    raise
                time.sleep(self._delay(attempt))
                attempt += 1

    def _worth_retrying(self, exc: Exception) -> bool:
        # The same condition Prefect asks, shown the failed state it would see (no server: the state is local).
        condition = self.retry_condition_fn
        return condition is None or bool(condition(self, None, Failed(data=exc, message=str(exc))))  # pyright: ignore[reportArgumentType]

    def _delay(self, attempt: int) -> float:
        delays = self.retry_delay_seconds
        if isinstance(delays, list):
            return float(delays[min(attempt, len(delays) - 1)]) if delays else 0.0
        return float(delays or 0)


@overload
def task(fn: Callable[P, R], /, **options: Any) -> GovflowTask[P, R]: ...


@overload
def task(**options: Any) -> Callable[[Callable[P, R]], GovflowTask[P, R]]: ...


def task(fn: Callable[P, R] | None = None, /, **options: Any) -> Any:
    """`@task`, `@task(...)` or `task(fn, name=...)` in place of Prefect's, with Prefect's options."""
    if fn is None:
        return lambda f: GovflowTask(fn=f, **options)
    return GovflowTask(fn=fn, **options)


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's logger of the current run (its lines reach the run's page), or govflow's outside a run."""
    return get_run_logger() if in_a_run() else logging.getLogger("govflow")

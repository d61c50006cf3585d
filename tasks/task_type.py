"""What a govflow task is: a Prefect task when a flow run calls it (Prefect records it, retries it and shows it
in its UI); a plain call under the same retry rule otherwise, so a command that only reads (inventory,
verify, an evidence export) runs its flow's function without a Prefect server. Prefect would otherwise start a
temporary server for every task called outside a flow run, about ten seconds on two cores. The Prefect task is
built on first use inside a run, so a command that only reads never imports Prefect (about a second).

Inside another task's run a govflow task is a step of that run, a plain call too, unless it is made with
`own_run=True`: a model's night is one task run with its versions' runs in it, not a run for each read and
write, each with state events Prefect's server takes in (about 0.6 CPU-seconds of the server's a model,
measured, on the cores the night runs on)."""

from __future__ import annotations

import functools
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

if TYPE_CHECKING:
    from prefect import Task

P = ParamSpec("P")
R = TypeVar("R")


class _NoCache:
    """Prefect's `NO_CACHE` cache policy, named without importing Prefect."""


NO_CACHE: Any = _NoCache()


def in_a_run() -> bool:
    """True inside a Prefect flow or task run: what runs there is recorded on the server that run reports to."""
    context = sys.modules.get("prefect.context")
    if context is None:  # Prefect never loaded in this process: no run can be going on
        return False
    return context.FlowRunContext.get() is not None or context.TaskRunContext.get() is not None


def in_a_task_run() -> bool:
    """True inside a Prefect task run."""
    context = sys.modules.get("prefect.context")
    return context is not None and context.TaskRunContext.get() is not None


def prefect_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options as Prefect takes them (the `NO_CACHE` above made Prefect's own)."""
    if not any(value is NO_CACHE for value in options.values()):
        return options
    from prefect.cache_policies import NO_CACHE as PREFECTS

    return {key: PREFECTS if value is NO_CACHE else value for key, value in options.items()}


class BuiltOnFirstUse(Generic[P, R]):
    """A function with the options of the object Prefect makes of it (a task, a flow), made the first time it is
    needed; attributes this class lacks are that object's."""

    def __init__(self, fn: Callable[P, R], **options: Any) -> None:
        functools.update_wrapper(self, fn)  # pyright: ignore[reportArgumentType] (subclasses are callable)
        self.fn, self.options = fn, options
        self._built: Any = None
        self._building = threading.Lock()

    def _build(self) -> Any:
        raise NotImplementedError

    def built(self) -> Any:
        """Prefect's object, made once."""
        with self._building:
            if self._built is None:
                self._built = self._build()
            return self._built

    def __getstate__(self) -> dict[str, Any]:
        # Dask ships a flow's functions to its workers by value, and with them the tasks they call: the lock
        # and the built Prefect object stay behind, and are made again where they are needed.
        return {k: v for k, v in self.__dict__.items() if k not in ("_built", "_building")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _built=None, _building=threading.Lock())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # never the lazily built state (copying or unpickling asks before it exists)
            raise AttributeError(name)
        return getattr(self.built(), name)


class GovflowTask(BuiltOnFirstUse[P, R]):
    """A function with Prefect's task options: called by a flow run it is a Prefect task (`submit`, `map` and
    `with_options` are that task's), as it is inside a task's run when made with `own_run=True`; otherwise its
    function under its own retry rule."""

    def __init__(self, fn: Callable[P, R], *, own_run: bool = False, **options: Any) -> None:
        super().__init__(fn, **options)
        self.name: str = options.get("name") or getattr(fn, "__name__", "task")
        self.own_run = own_run  # a run of its own even inside another task's run

    def _build(self) -> Task[P, R]:
        from prefect import Task

        return Task(fn=self.fn, **prefect_options(self.options))

    @property
    def prefect_task(self) -> Task[P, R]:
        """The Prefect task, built once."""
        return self.built()

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        # Prefect's own keywords (return_state, wait_for) ask for its engine, as does an async task.
        recorded = in_a_run() and (self.own_run or not in_a_task_run())
        if "return_state" in kwargs or "wait_for" in kwargs or recorded:
            return self.prefect_task(*args, **kwargs)  # pyright: ignore[reportCallIssue, reportReturnType]
        attempt = 0
        while True:
            try:
                return self.fn(*args, **kwargs)
            except Exception as exc:
                if attempt >= self.options.get("retries", 0) or not self._worth_retrying(exc):
                    raise
                time.sleep(self._delay(attempt))
                attempt += 1

    def _worth_retrying(self, exc: Exception) -> bool:
        # The same condition Prefect asks, shown the failed state it would see (made locally: no server).
        condition = self.options.get("retry_condition_fn")
        if condition is None:
            return True
        from prefect.states import Failed

        return bool(condition(self, None, Failed(data=exc, message=str(exc))))

    def _delay(self, attempt: int) -> float:
        delays = self.options.get("retry_delay_seconds")
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
        return lambda f: GovflowTask(f, **options)
    return GovflowTask(fn, **options)


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's logger of the current run (its lines reach the run's page), or govflow's outside a run."""
    if not in_a_run():
        return logging.getLogger("govflow")
    from prefect import get_run_logger

    return get_run_logger()

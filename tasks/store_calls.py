"""The one retry rule of every task that calls a store (MLflow, the head store, the webhook ledger): twice
more, 1 s then 4 s later, unless the store did not answer at all: MLflow's client has then already retried
within its budget (GOVFLOW_STORE_RETRIES, GOVFLOW_STORE_TIMEOUT_SECONDS), and three times that budget is how a
down store used to hang a command for minutes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, overload

from govflow.store_errors import worth_retrying
from govflow.tasks.task_type import GovflowTask, task

P = ParamSpec("P")
R = TypeVar("R")


@overload
def store_task(fn: Callable[P, R], /, **options: Any) -> GovflowTask[P, R]: ...


@overload
def store_task(**options: Any) -> Callable[[Callable[P, R]], GovflowTask[P, R]]: ...


def store_task(fn: Callable[P, R] | None = None, /, **options: Any) -> Any:
    """`@store_task` or `@store_task(cache_policy=...)` in place of `@task(...)` for a task that calls a store;
    `store_task(fn, name=...)` makes a task of a plain function. Options given override the retry rule."""
    decorate = task(**{"retries": 2, "retry_delay_seconds": [1, 4], "retry_condition_fn": worth_retrying, **options})
    return decorate if fn is None else decorate(fn)

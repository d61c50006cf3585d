"""The flows that only read MLflow and write pages or files (the reports, the inventory, evidence verification and
export, control coverage): a Prefect flow when run as one (the night runs the report as its subflow), and
`.fn`, its function, for the commands that answer in seconds without Prefect. The Prefect flow is built on first
use, so importing these modules does not import Prefect (about a second of every such command). Flows that
deployments run stay Prefect's own, since Prefect loads them by entrypoint and checks their type."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from govflow.tasks.task_type import BuiltOnFirstUse, in_a_run

if TYPE_CHECKING:
    from prefect import Flow

P = ParamSpec("P")
R = TypeVar("R")


class ReadFlow(BuiltOnFirstUse[P, R]):
    """A function with Prefect's flow options; called, a Prefect flow run; `.fn`, the function alone."""

    def _build(self) -> Flow[P, R]:
        from prefect import Flow

        return Flow(fn=self.fn, **self.options)

    @property
    def prefect_flow(self) -> Flow[P, R]:
        return self.built()

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.prefect_flow(*args, **kwargs)  # pyright: ignore[reportReturnType]


def read_flow(**options: Any) -> Callable[[Callable[P, R]], ReadFlow[P, R]]:
    """`@read_flow(name=...)` in place of `@flow(name=...)` for a flow that only reads."""
    return lambda fn: ReadFlow(fn, **options)


def part_of_this_job(flow: Any) -> Any:
    """A flow that a job calls as one of its steps (the gate after a sign-off or in a reconciliation): a subflow
    inside a flow run, recorded under its parent; its function when the job runs without Prefect (`govflow`
    with no server configured), where calling the flow would start a temporary Prefect server for it alone."""
    return flow if in_a_run() else flow.fn

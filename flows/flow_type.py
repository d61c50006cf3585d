"""The flows that only read MLflow and write pages or files (the reports, the inventory, evidence verification and
export, control coverage): a Prefect flow when run as one (the night runs the report as its subflow), and
`.fn`, its function, for the commands that answer in seconds without Prefect. The Prefect flow is built on first
use, so importing these modules does not import Prefect (about a second of every such command). Flows that
deployments run stay Prefect's own, since Prefect loads them by entrypoint and checks their type."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

if TYPE_CHECKING:
    from prefect import Flow

P = ParamSpec("P")
R = TypeVar("R")


class ReadFlow(Generic[P, R]):
    """A function with Prefect's flow options; called, a Prefect flow run; `.fn`, the function alone."""

    def __init__(self, fn: Callable[P, R], **options: Any) -> None:
        functools.update_wrapper(self, fn)
        self.fn, self.options = fn, options
        self._built: Flow[P, R] | None = None
        self._building = threading.Lock()

    @property
    def prefect_flow(self) -> Flow[P, R]:
        with self._building:
            if self._built is None:
                from prefect import Flow

                self._built = Flow(fn=self.fn, **self.options)
            return self._built

    def __getstate__(self) -> dict[str, Any]:
        # Dask ships a flow's functions to its workers by value, and with them the tasks they call: the lock
        # and the built Prefect object stay behind, and are made again where they are needed.
        return {k: v for k, v in self.__dict__.items() if k not in ("_built", "_building")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _built=None, _building=threading.Lock())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.prefect_flow, name)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.prefect_flow(*args, **kwargs)  # pyright: ignore[reportReturnType]


def read_flow(**options: Any) -> Callable[[Callable[P, R]], ReadFlow[P, R]]:
    """`@read_flow(name=...)` in place of `@flow(name=...)` for a flow that only reads."""
    return lambda fn: ReadFlow(fn, **options)

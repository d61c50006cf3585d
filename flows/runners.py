"""The task runner the nightly run fans out on: threads on this machine, or a Dask cluster when a
scheduler address is set (GOVFLOW_DASK_ADDRESS)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.task_runners import ThreadPoolTaskRunner

from govflow.settings import Settings
from govflow.threads import process_share


def nightly_task_runner(settings: Settings):
    """ThreadPoolTaskRunner with `settings.workers` threads, or a DaskTaskRunner on `settings.dask_address`."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    return ThreadPoolTaskRunner(max_workers=settings.workers)


class SettingsTaskRunner(ThreadPoolTaskRunner):
    """Stands in on the flow until a run starts: Prefect enters `duplicate()` for each run, and that is
    when the settings are read, so importing the flow reads no environment."""

    def duplicate(self):
        return nightly_task_runner(Settings())


@contextmanager
def share_of_cores(workers: int) -> Iterator[None]:
    """Native thread pools (OpenMP, BLAS) in this thread sized to one worker's share of the cores. Without it
    every worker's scikit-learn fits spread over all cores at once and contend: two workers' gradient-boosting
    fits ran three times slower side by side than with one core each. OpenMP's limit holds per thread, so each
    worker sets its own."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(max(1, process_share(Settings().processes) // max(1, workers))):
        yield

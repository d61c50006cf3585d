"""The task runner the nightly run fans out on: threads on this machine, or a Dask cluster when a
scheduler address is set (GOVFLOW_DASK_ADDRESS)."""

from __future__ import annotations

from govflow.settings import Settings


def nightly_task_runner(settings: Settings):
    """ThreadPoolTaskRunner with `settings.workers` threads, or a DaskTaskRunner on `settings.dask_address`."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=settings.workers)

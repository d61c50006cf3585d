"""The task runner the nightly run fans out on: threads on this machine, or a Dask cluster when a
scheduler address is set (GOVFLOW_DASK_ADDRESS)."""

from __future__ import annotations

from prefect.task_runners import ThreadPoolTaskRunner

from govflow.settings import Settings


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

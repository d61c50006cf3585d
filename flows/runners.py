"""The task runner the nightly run fans out on: threads on this machine, or a Dask cluster when a
scheduler address is set (GOVFLOW_DASK_ADDRESS)."""

from __future__ import annotations

import sys
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


def _dask_processes() -> int | None:
    """The Dask worker processes on this host when this runs in one (the scheduler knows them), else None."""
    if "distributed" not in sys.modules:  # a Dask worker has loaded it; importing it here would cost half a second
        return None
    try:
        from distributed import get_client, get_worker

        worker = get_worker()
    except (ImportError, ValueError):  # not on a Dask worker
        return None
    try:
        workers = get_client().scheduler_info(n_workers=-1)["workers"].values()
    except Exception:  # the scheduler did not answer: fall back to the settings
        return None
    return max(1, sum(1 for w in workers if w.get("host") == worker.ip)) * max(1, worker.state.nthreads)


@contextmanager
def share_of_cores(workers: int) -> Iterator[None]:
    """Native thread pools (OpenMP, BLAS) in this thread sized to one worker's share of the cores. Without it
    every worker's scikit-learn fits spread over all cores at once and contend: two workers' gradient-boosting
    fits ran three times slower side by side than with one core each. OpenMP's limit holds per thread, so each
    worker sets its own. On a Dask worker the share is of the worker processes and threads on its host, as its
    scheduler counts them, unless GOVFLOW_PROCESSES says otherwise."""
    from threadpoolctl import threadpool_limits

    settings = Settings()
    on_dask = _dask_processes() if "processes" not in settings.model_fields_set else None
    share = process_share(on_dask) if on_dask is not None else process_share(settings.processes) // max(1, workers)
    with threadpool_limits(max(1, share)):
        yield

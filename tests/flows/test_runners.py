"""The nightly run's task runner is chosen from the settings when a run starts, not when the flow is imported."""

from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner

from govflow.flows.nightly import nightly_governance


def test_the_runner_follows_the_settings_of_the_run_not_of_the_import(monkeypatch):
    monkeypatch.setenv("GOVFLOW_WORKERS", "3")
    runner = nightly_governance.task_runner.duplicate()
    assert type(runner) is ThreadPoolTaskRunner and runner._max_workers == 3
    monkeypatch.setenv("GOVFLOW_DASK_ADDRESS", "tcp://127.0.0.1:8786")
    assert isinstance(nightly_governance.task_runner.duplicate(), DaskTaskRunner)

"""A govflow task called outside a flow run is a plain call under the task's own retry rule (tasks/task_type.py):
the same number of tries, the same condition, no Prefect server."""

import pytest

from govflow.tasks.task_type import GovflowTask, in_a_run, task


class Flaky:
    def __init__(self, failures: int, error: type[Exception] = ConnectionResetError):
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self, x: int) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"try {self.calls}")
        return x + 1


def test_outside_a_run_a_task_is_its_function_retried_as_prefect_would():
    assert not in_a_run()
    flaky = Flaky(failures=2)
    retried = task(flaky, name="flaky", retries=2, retry_delay_seconds=[0, 0])
    assert isinstance(retried, GovflowTask) and retried(1) == 2 and flaky.calls == 3

    exhausted = Flaky(failures=3)
    with pytest.raises(ConnectionResetError, match="try 3"):
        task(exhausted, name="exhausted", retries=2, retry_delay_seconds=0)(1)
    assert exhausted.calls == 3


def test_the_retry_condition_sees_the_failed_state_prefect_would_show_it():
    seen = []

    def only_resets(task, task_run, state) -> bool:
        seen.append(state.data)
        return isinstance(state.data, ConnectionResetError)

    refused = Flaky(failures=1, error=PermissionError)
    with pytest.raises(PermissionError):
        task(name="refused", retries=2, retry_delay_seconds=0, retry_condition_fn=only_resets)(refused)(1)
    assert refused.calls == 1 and isinstance(seen[0], PermissionError)

    reset = Flaky(failures=1)
    assert task(reset, retries=2, retry_delay_seconds=0, retry_condition_fn=only_resets)(5) == 6 and reset.calls == 2


def test_a_store_task_does_not_retry_a_store_that_did_not_answer():
    """MLflow's client already spent its retry budget on an unreachable store; the plain call must not triple it."""
    import requests

    from govflow.tasks.store_calls import store_task

    down = Flaky(failures=5, error=lambda message: requests.exceptions.ConnectionError(message))  # type: ignore[arg-type]
    with pytest.raises(requests.exceptions.ConnectionError):
        store_task(down, name="down")(1)
    assert down.calls == 1


def test_the_read_only_commands_modules_import_no_prefect():
    """Inventory, verify, controls coverage, evidence pull and report load these modules; Prefect costs a second."""
    import subprocess
    import sys

    probe = ("import sys, govflow.cli, govflow.flows.report, govflow.flows.evidence_audit, govflow.flows.controls; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect'))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_a_task_travels_by_value_as_dask_ships_it_to_a_worker():
    import cloudpickle

    original = task(Flaky(failures=1), name="shipped", retries=1, retry_delay_seconds=0)
    original.prefect_task  # noqa: B018 - built here; the copy builds its own where it runs
    copy = cloudpickle.loads(cloudpickle.dumps(original))
    assert copy(1) == 2 and copy.prefect_task is not original.prefect_task and copy.name == "shipped"

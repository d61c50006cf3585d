"""Which govflow tasks Prefect records as runs (tasks/task_type.py): a task a flow calls, and one made with
`own_run=True` wherever it is called; a task called inside another task's run is a step of that run, retried
under its own rule, with no run or state events of its own on the server."""

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from govflow.tasks.task_type import task
from tests.tasks.test_task_type import Flaky


def test_only_a_flows_own_tasks_and_those_made_to_keep_a_run_are_recorded(prefect_harness):
    step_calls = Flaky(failures=1)
    step = task(step_calls, name="a-step", retries=1, retry_delay_seconds=0)
    shown = task(lambda x: x * 10, name="a-shown-run", own_run=True)

    @task(name="a-model")
    def model(x: int) -> int:
        return shown(step(x))

    @flow(name="task-runs-recorded")
    def night() -> tuple[int, str]:
        from prefect.runtime import flow_run

        return model(1), str(flow_run.id)

    value, run_id = night()
    assert value == 20 and step_calls.calls == 2  # the step failed once and was retried, in its own loop

    with get_client(sync_client=True) as client:  # another test's event loop may be running in this worker
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    assert sorted(run.name.rsplit("-", 1)[0] for run in runs) == ["a-model", "a-shown-run"]

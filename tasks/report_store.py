"""Tasks that put the report where people open it: a local folder, an MLflow run of the reports experiment
(so the MLflow UI shows every page), and Prefect artifacts on the flow run."""

from __future__ import annotations

from pathlib import Path

from mlflow import MlflowClient

from govflow.tasks.artifacts import log_files
from govflow.tasks.runs import experiment_id_for
from govflow.tasks.store_calls import store_task
from govflow.tasks.task_type import in_a_run, task


@task
def write_site(out: Path, files: dict[str, bytes]) -> Path:
    """Every page under `out`, replacing the previous report's files of the same name."""
    for rel, data in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return out / "index.html"  # the entry page: the dashboard


@store_task
def log_site(tracking_uri: str, experiment: str, artifact_root: Path | None, files: dict[str, bytes],
             tags: dict[str, str]) -> tuple[str, str]:
    """The report as one finished run of `experiment`; returns its run id and experiment id."""
    client = MlflowClient(tracking_uri)
    experiment_id = experiment_id_for(client, experiment, artifact_root)
    run = client.create_run(experiment_id, run_name="fleet-report", tags={"governance.flow": "report", **tags})
    log_files(client, run.info.run_id, files)
    client.set_terminated(run.info.run_id, "FINISHED")
    return run.info.run_id, experiment_id


@task
def publish_artifacts(rows: list[dict], dashboard: str, summary: str) -> None:
    """A table of the fleet's status and a link to the dashboard, on the Prefect flow run; none when the report
    runs outside one (`govflow report` in a terminal, which prints both and starts no Prefect server)."""
    if not in_a_run():
        return
    from prefect.artifacts import create_link_artifact, create_table_artifact

    columns = ("model", "version", "tier", "lifecycle", "status", "gate", "monitoring", "last_run", "open_findings",
               "overdue_findings", "review_due")
    # _sync: Prefect picks its async variant whenever an event loop runs in the thread (a caller's, say),
    # and would then return a coroutine nobody awaits: no artifact, no error.
    create_table_artifact(key="fleet-status", table=[{c: row.get(c) for c in columns} for row in rows],
                          description=summary, _sync=True)  # pyright: ignore[reportCallIssue]
    create_link_artifact(key="fleet-dashboard", link=dashboard, link_text="govflow fleet dashboard",
                         description="The fleet dashboard, the risk register and a report per model.", _sync=True)  # pyright: ignore[reportCallIssue]

"""Governance runs in MLflow's tracking store: opened, searched by model and key, committed (hash, tags,
metrics), completed from a published head, superseded. Every search filter comes from tasks/queries.py."""


from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import Metric, RunTag

from govflow import clock
from govflow.checks.manifest import sha256_hex
from govflow.checks.run_labels import RunLabels
from govflow.checks.stalled_runs import OpenRun
from govflow.checks.verification import MANIFEST
from govflow.tasks.paging import every_page
from govflow.tasks.queries import COMMITTED, STILL_OPEN, runs_of
from govflow.tasks.store_calls import store_task
from govflow.tasks.task_type import NO_CACHE


def experiment_id_for(client: MlflowClient, name: str, artifact_root: Path | None) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    # A local store keeps artifacts inside the data dir, not in ./mlruns of whatever folder we run from.
    location = (artifact_root / name).as_uri() if artifact_root is not None else None
    return client.create_experiment(name, artifact_location=location, tags=EXPERIMENT_TAGS)


# MLflow 3's UI opens an experiment of no declared kind as a GenAI one ("Evaluation runs", traces, judges);
# govflow's runs are model-development runs, shown in the classic runs table with their tags and metrics.
EXPERIMENT_TAGS = {
    "mlflow.experimentKind": "custom_model_development",
    "mlflow.note.content": "Written by govflow: one run per governance job (registration gate, monitoring night, "
                           "sign-off, note, report), each holding its evidence files, its manifest and its verdict "
                           "as `governance.*` tags. `govflow verify MODEL` checks them.",
}


@dataclass(frozen=True)
class GovernanceRun:
    run_id: str
    artifact_uri: str
    started_ms: int | None = None  # the start time MLflow holds, which the manifest binds


@store_task
def open_governance_run(
    tracking_uri: str, experiment: str, artifact_root: Path | None, model: str, version: str,
    flow: str, prefect_flow_run_id: str,
) -> GovernanceRun:
    """A new run in the governance experiment, tagged with what it governs."""
    client = MlflowClient(tracking_uri)
    tags = {"governance.model": model, "governance.version": str(version), "governance.flow": flow,
            "governance.prefect_flow_run_id": prefect_flow_run_id}
    if (moment := clock.simulated()) is not None:
        tags["governance.clock"] = f"simulated: GOVFLOW_NOW={moment.isoformat()}"
    run = client.create_run(experiment_id_for(client, experiment, artifact_root), start_time=clock.now_ms(),
                            run_name=f"{flow}-{model}-v{version}", tags=tags)
    return GovernanceRun(run.info.run_id, str(run.info.artifact_uri), run.info.start_time)


@store_task
def has_recorded_runs(tracking_uri: str, experiment: str, model: str) -> bool:
    """Whether MLflow holds a committed governance run of the model (one that recorded its manifest hash)."""
    client = MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return False
    return bool(client.search_runs([exp.experiment_id], max_results=1, filter_string=(
        runs_of(model, COMMITTED))))


@store_task
def committed_beyond(tracking_uri: str, experiment: str, model: str, sequence: int) -> int | None:
    """The highest sequence MLflow holds a committed run of the model at, when it is past `sequence` (the head
    store's tip); None when the chain in MLflow ends there. One search while the two agree; the whole chain is
    read only to name the position when they do not."""
    client = MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None or not client.search_runs([exp.experiment_id], max_results=1, filter_string=runs_of(
            model, COMMITTED, sequence=str(sequence + 1))):
        return None
    committed = every_page(client.search_runs, experiment_ids=[exp.experiment_id],
                           filter_string=runs_of(model, COMMITTED), max_results=500)
    return max(int(s) for r in committed if (s := RunLabels.parse(r.data.tags).sequence or "").isdigit())


@store_task(cache_policy=NO_CACHE)
def commit_run(tracking_uri: str, run_id: str, manifest_sha256: str, tags: dict[str, str],
               metrics: dict[str, float], history: list[tuple[str, float, int]] | None = None) -> None:
    """Record the manifest hash, tags and metrics on the run and mark it FINISHED (after its head is published)."""
    client = MlflowClient(tracking_uri)
    now = clock.now_ms()
    steps: Counter[str] = Counter()  # each metric's history counts its own steps from 0
    entries = [Metric(key, float(value), now, 0) for key, value in metrics.items()]
    for key, value, stamp in history or []:
        entries.append(Metric(key, float(value), stamp, steps[key]))
        steps[key] += 1
    # MlflowClient.log_batch splits what exceeds MLflow's per-request limits itself.
    client.log_batch(run_id, metrics=entries, tags=[
        RunTag(k, v) for k, v in (tags | {"governance.manifest_sha256": manifest_sha256}).items()])
    client.set_terminated(run_id, "FINISHED", end_time=now)


@store_task(cache_policy=NO_CACHE)
def complete_committed(tracking_uri: str, run_id: str, manifest_sha256: str) -> bool:
    """Finish a run whose head was published but whose process died before MLflow recorded the hash: record
    the hash and the labels its manifest holds, mark it FINISHED. Returns whether there was anything to do.

    The head log is the commit point, so this rolls the run forward; a manifest that does not hash to the
    head is left alone for `verify` to name.
    """
    import json

    from mlflow.artifacts import download_artifacts

    client = MlflowClient(tracking_uri)
    run = client.get_run(run_id)
    if RunLabels.parse(run.data.tags).committed:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(download_artifacts(run_id=run_id, artifact_path=MANIFEST, dst_path=tmp,
                                       tracking_uri=tracking_uri)).read_bytes()
    if sha256_hex(data) != manifest_sha256:
        return False
    manifest = json.loads(data)
    labels = {f"governance.{k}": str(manifest[k]) for k in ("verdict", "sequence") if manifest.get(k) is not None}
    client.log_batch(run_id, tags=[RunTag(k, v) for k, v in (labels | {
        "governance.manifest_sha256": manifest_sha256, "governance.completed_from_head": "true"}).items()])
    client.set_terminated(run_id, "FINISHED")
    return True


@dataclass(frozen=True)
class PastRunRef:
    """A completed governance run found by its key: its id and verdict."""

    run_id: str
    verdict: str

    @classmethod
    def of(cls, run) -> PastRunRef:
        return cls(run.info.run_id, RunLabels.parse(run.data.tags).verdict or "")


@store_task
def find_completed_run(tracking_uri: str, experiment: str, model: str, run_key: str) -> PastRunRef | None:
    """The model's completed governance run (manifest written) that judged exactly this key, if any."""
    client = MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return None
    runs = client.search_runs(
        [exp.experiment_id], max_results=1, order_by=["attributes.start_time DESC"],
        filter_string=runs_of(model, COMMITTED, run_key=run_key))
    return PastRunRef.of(runs[0]) if runs else None


@store_task
def committed_run_of(tracking_uri: str, experiment: str, model: str, version: str, flow: str) -> PastRunRef | None:
    """A committed run of `flow` for this version (one that recorded its manifest hash), or None."""
    client = MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return None
    runs = client.search_runs([exp.experiment_id], max_results=1, filter_string=runs_of(
        model, COMMITTED, version=version, flow=flow))
    return PastRunRef.of(runs[0]) if runs else None


@store_task
def open_runs_of(tracking_uri: str, experiment: str, model: str) -> list[OpenRun]:
    """The model's governance runs MLflow still holds as running (stopped early, or in flight now)."""
    client = MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return []
    runs = every_page(client.search_runs, experiment_ids=[exp.experiment_id],
                      filter_string=runs_of(model, STILL_OPEN), max_results=500)
    return [OpenRun(r.info.run_id, labels.version, labels.flow, labels.prefect_flow_run_id)
            for r in runs if not (labels := RunLabels.parse(r.data.tags)).committed]


@store_task
def abandon_run(tracking_uri: str, run_id: str, superseded_by: str) -> None:
    """A run that will not be committed because `superseded_by` already did its work: tagged so, FAILED."""
    client = MlflowClient(tracking_uri)
    client.set_tag(run_id, "governance.superseded_by", superseded_by)
    client.set_terminated(run_id, "FAILED")


@store_task
def supersede_incomplete(tracking_uri: str, experiment: str, model: str, version: str, flow: str, run_id: str) -> list[str]:
    """Mark this version's earlier runs of `flow` that stopped before their manifest as completed by `run_id`
    (tag `governance.superseded_by`, status FAILED); return their ids."""
    client = MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return []
    current = client.get_run(run_id).info.start_time
    earlier = client.search_runs([exp.experiment_id], max_results=1000,
                                 filter_string=runs_of(model, version=version, flow=flow))
    marked = []
    for run in earlier:
        labels = RunLabels.parse(run.data.tags)
        if run.info.run_id == run_id or run.info.start_time > current or labels.committed or labels.superseded_by:
            continue
        client.set_tag(run.info.run_id, "governance.superseded_by", run_id)
        client.set_terminated(run.info.run_id, "FAILED")
        marked.append(run.info.run_id)
    return marked


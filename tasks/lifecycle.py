"""Task that reads what the retirement sweep judges: every version of the models, with the facts its
governance runs hold (last gate, newest monitored row, completed, incomplete and deleted runs)."""

from __future__ import annotations

from datetime import UTC, datetime

from mlflow import MlflowClient
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException

from govflow.checks.governance_tags import version_tags
from govflow.checks.lifecycle import RETIRING, VersionFacts
from govflow.checks.run_labels import RunLabels
from govflow.tasks.paging import every_page
from govflow.tasks.queries import runs_of
from govflow.tasks.registry import UnknownModelVersion, versions_of
from govflow.tasks.store_calls import store_task


def _stamp(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms else None


def _parse(text: str | None) -> datetime | None:
    """An ISO time from a run tag; a naive one is taken as UTC (how monitoring stores unzoned stamps)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _run(client: MlflowClient, run_id: str | None):
    if not run_id:
        return None
    try:
        run = client.get_run(run_id)
    except MlflowException as exc:
        # Only a run that is gone reads as "never gated"; a store that is down is an error the task retries,
        # never a lifecycle finding.
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    return None if run.info.lifecycle_stage == "deleted" else run


def _model_names(client: MlflowClient, models: list[str] | None) -> list[str]:
    if models:
        for name in models:
            try:
                client.get_registered_model(name)
            except MlflowException as exc:
                if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                    raise UnknownModelVersion(f"model '{name}' is not registered in MLflow") from None
                raise
        return list(models)
    return [m.name for m in every_page(client.search_registered_models, max_results=200)]


def _evidence(client: MlflowClient, experiment_id: str | None, model: str, version: str) -> dict:
    """Completed, incomplete (never finished, not rerun) and deleted governance runs of one version."""
    if experiment_id is None:
        return {}
    runs = every_page(client.search_runs, experiment_ids=[experiment_id], run_view_type=ViewType.ALL, max_results=500,
                      filter_string=runs_of(model, version=version))
    deleted = tuple(r.info.run_id for r in runs if r.info.lifecycle_stage == "deleted")
    live = [r for r in runs if r.info.lifecycle_stage != "deleted"]
    labels = {r.info.run_id: RunLabels.parse(r.data.tags) for r in live}
    complete = [r for r in live if labels[r.info.run_id].committed]
    incomplete = tuple(r.info.run_id for r in live if not labels[r.info.run_id].committed
                       and not labels[r.info.run_id].superseded_by)
    return {"completed_runs": len(complete), "incomplete_runs": incomplete, "deleted_runs": deleted}


@store_task
def list_models(tracking_uri: str, models: list[str] | None = None) -> list[str]:
    """The named models (UnknownModelVersion for one not registered), or every registered model."""
    return _model_names(MlflowClient(tracking_uri), models)


@store_task
def read_version_facts(tracking_uri: str, experiment: str, models: list[str] | None = None) -> dict[str, list[VersionFacts]]:
    """Model -> the facts of each of its versions; run facts only for versions that serve or are retiring."""
    client = MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    experiment_id = exp.experiment_id if exp else None
    out: dict[str, list[VersionFacts]] = {}
    for name in _model_names(client, models):
        registered = client.get_registered_model(name)
        versions = versions_of(client, name)
        # search_model_versions leaves aliases out; the registered model holds them.
        held: dict[str, list[str]] = {}
        for alias, number in (registered.aliases or {}).items():
            held.setdefault(str(number), []).append(alias)
        facts = []
        for mv in versions:
            tags = version_tags(dict(registered.tags), dict(mv.tags))
            aliases = tuple(sorted(held.get(str(mv.version), ())))
            lifecycle = tags.lifecycle
            extra: dict = {}
            if aliases or lifecycle == RETIRING:
                gate = _run(client, tags.last_gate_run)
                monitor = _run(client, tags.last_monitor_run)
                # Without a timestamp column a monitoring run records no data time; when it ran stands in.
                seen = (_parse(RunLabels.parse(monitor.data.tags).monitored_through) or _stamp(monitor.info.start_time)
                        if monitor else None)
                extra = {"last_gate": _stamp(gate.info.end_time or gate.info.start_time) if gate else None,
                         "monitored_through": seen}
                if lifecycle == RETIRING:
                    extra |= _evidence(client, experiment_id, name, str(mv.version))
            facts.append(VersionFacts(
                model=name, version=str(mv.version), aliases=aliases, status=tags.status,
                lifecycle=lifecycle, owner=tags.owner, registered=_stamp(mv.creation_timestamp)
                or datetime.now(UTC), **extra))
        out[name] = facts
    return out

"""Tasks that read and tag model versions in the MLflow registry."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from govflow.checks.governance_tags import VersionTags
from govflow.store_errors import worth_retrying
from govflow.tasks.paging import every_page
from govflow.tasks.queries import UnquotableName, name_is
from govflow.tasks.store_calls import store_task


class UnknownModelVersion(LookupError):
    """The registry has no such model or version; the CLI reports it and exits 2."""


class UnknownModel(UnknownModelVersion):
    """The registry has no model of that name at all (not merely no such version)."""


def registered_model(client: MlflowClient, model: str, tracking_uri: str):
    """The registered model, or UnknownModel naming it and the store."""
    try:
        return client.get_registered_model(model)
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            raise UnknownModel(f"model '{model}' is not registered in MLflow ({tracking_uri})") from None
        raise


def ensure_registered(tracking_uri: str, model: str) -> None:
    """UnknownModel naming the model unless the registry holds it."""
    registered_model(MlflowClient(tracking_uri), model, tracking_uri)


@dataclass(frozen=True)
class ModelVersionInfo:
    model: str
    version: str
    source: str
    run_id: str | None
    model_tags: dict[str, str] = field(default_factory=dict)
    version_tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    description: str = ""  # the registered model's, then the version's, as written in the registry


def _transient(task, task_run, state) -> bool:
    """Retry registry calls that may recover; an unknown model never will, nor a store already retried."""
    return not isinstance(state.data, UnknownModelVersion) and worth_retrying(task, task_run, state)


def lookup_model_version(tracking_uri: str, model: str, version: str) -> ModelVersionInfo:
    """The version, its model's tags and its own tags, as the registry holds them now."""
    client = MlflowClient(tracking_uri)
    registered = registered_model(client, model, tracking_uri)
    try:
        mv = client.get_model_version(model, str(version))
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise UnknownModelVersion(f"model '{model}' has no version '{version}'") from None
        raise
    return ModelVersionInfo(
        model=model, version=str(mv.version), source=mv.source or "", run_id=mv.run_id,
        model_tags=dict(registered.tags), version_tags=dict(mv.tags), aliases=tuple(mv.aliases or ()),
        description="\n\n".join(d for d in (registered.description, mv.description) if d),
    )


read_model_version = store_task(lookup_model_version, name="read_model_version", retry_condition_fn=_transient)


@store_task
def set_version_tags(tracking_uri: str, model: str, version: str, tags: dict[str, str]) -> None:
    """Write govflow's tags (status, last run) on the model version."""
    client = MlflowClient(tracking_uri)
    for key, value in tags.items():
        client.set_model_version_tag(model, str(version), key, value)


def _tagged(wanted: dict[str, str] | None, model_tags: dict[str, str], version_tags: dict[str, str]) -> bool:
    """Whether the version's tags (over its model's) hold every wanted key and value."""
    tags = {**model_tags, **version_tags}
    return all(tags.get(k) == v for k, v in (wanted or {}).items())


@store_task
def list_deployed_versions(tracking_uri: str, models: list[str] | None = None,
                           tags: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(model, version) for every version that holds an alias, optionally only of the named models and
    only those whose tags (version over model) hold every `tags` pair."""
    client = MlflowClient(tracking_uri)
    if models:
        registered = []
        for name in models:
            try:
                registered.append(client.get_registered_model(name))
            except MlflowException as exc:
                if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                    raise UnknownModelVersion(f"model '{name}' is not registered in MLflow ({tracking_uri})") from None
                raise
    else:
        registered = every_page(client.search_registered_models, max_results=200)
    deployed = {(rm.name, str(v)) for rm in registered for v in (rm.aliases or {}).values()}
    if tags:
        deployed = {(name, v) for name, v in deployed
                    if _tagged(tags, dict(next(r for r in registered if r.name == name).tags),
                               dict(client.get_model_version(name, v).tags))}
    return sorted(deployed)


@dataclass(frozen=True)
class PastRun:
    """A governance run as MLflow holds it: its tags and the last value of each metric."""

    run_id: str
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


@store_task
def read_past_run(tracking_uri: str, run_id: str | None) -> PastRun | None:
    """The run a version tag (`governance.last_gate_run`, `governance.last_monitor_run`) points to, or None
    when the tag is unset or the run is gone (deleted runs are not evidence)."""
    if not run_id:
        return None
    client = MlflowClient(tracking_uri)
    try:
        run = client.get_run(run_id)
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    if run.info.lifecycle_stage == "deleted":
        return None
    return PastRun(run_id, dict(run.data.tags), dict(run.data.metrics))


@store_task
def list_ungated_versions(tracking_uri: str, models: list[str] | None = None,
                          tags: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(model, version) for every version with no `governance.status`: registered, but never gated (a
    webhook delivery that was lost, or a registry without webhooks); filtered as `list_deployed_versions`."""
    client = MlflowClient(tracking_uri)
    names = set(models or ())
    found = []
    model_tags: dict[str, dict[str, str]] = {}
    for mv in every_page(client.search_model_versions, max_results=1000):
        mine = dict(mv.tags or {})
        own = VersionTags.parse(mine)  # the version's own: a model tag does not gate it
        if (names and mv.name not in names) or own.status or own.lifecycle in ("retiring", "retired"):
            continue
        if tags and mv.name not in model_tags:
            model_tags[mv.name] = dict(client.get_registered_model(mv.name).tags)
        if _tagged(tags, model_tags.get(mv.name, {}), mine):
            found.append((mv.name, str(mv.version)))
    return sorted(found, key=lambda mv: (mv[0], int(mv[1]) if mv[1].isdigit() else 0))


def versions_of(client: MlflowClient, model: str) -> list:
    """Every version of `model` as MLflow's search gives it; a name no filter can quote (both quote characters) is
    found by reading every version and keeping its own, so a fleet-wide job never fails for one odd name."""
    try:
        return every_page(client.search_model_versions, filter_string=name_is(model), max_results=1000)
    except UnquotableName:
        return [v for v in every_page(client.search_model_versions, max_results=1000) if v.name == model]


def current_version(client: MlflowClient, model: str) -> str | None:
    """The version that serves (the newest one holding an alias), else the newest one; UnknownModel when the
    registry has no such model."""
    registered = registered_model(client, model, client.tracking_uri)
    if registered.aliases:
        return str(max(registered.aliases.values(), key=int))
    versions = versions_of(client, model)
    return str(max(int(v.version) for v in versions)) if versions else None


@store_task
def find_serving_version(tracking_uri: str, model: str) -> str | None:
    """The version that serves (the newest one holding an alias), or None when none does."""
    registered = registered_model(MlflowClient(tracking_uri), model, tracking_uri)
    return str(max(registered.aliases.values(), key=int)) if registered.aliases else None


@store_task
def reach_registry(tracking_uri: str) -> None:
    """One registry read of one model, which raises the store's own error when it does not answer: a fleet-wide
    job asks before it starts its flow engine (and, with no Prefect server configured, Prefect's temporary one,
    about nine seconds of CPU), so a stopped store is named in the seconds its budget allows."""
    MlflowClient(tracking_uri).search_registered_models(max_results=1)


@store_task
def list_model_names(tracking_uri: str, page_size: int = 200) -> list[str]:
    """Every registered model's name, every page of them (MLflow answers 100 to a page unless asked)."""
    client = MlflowClient(tracking_uri)
    return sorted(m.name for m in every_page(client.search_registered_models, max_results=page_size))


@store_task
def find_current_version(tracking_uri: str, model: str) -> str | None:
    """The version that serves, else the newest; None for a model with no versions."""
    return current_version(MlflowClient(tracking_uri), model)


def named_or_current(tracking_uri: str, model: str, version: str | None) -> str:
    """The version named, else the one that serves, else the newest; UnknownModelVersion when there is none."""
    if version is not None:
        return version
    found = current_version(MlflowClient(tracking_uri), model)
    if found is None:
        raise UnknownModelVersion(f"model '{model}' has no versions")
    return found

"""Tasks that register AI systems without a loadable model in MLflow (issue 31): a vendor's service or a
generative-AI application becomes an MLflow 3 external model (a LoggedModel tagged
`mlflow.model.isExternal`), registered as a version of a registered model so it has versions, aliases, tags,
webhooks and governance runs like any model; an application's prompt lives in MLflow's prompt registry, each
version linked to the system version that uses it."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import LoggedModelStatus
from mlflow.exceptions import MlflowException

from govflow.checks.system_kind import KIND_TAG, SystemKind, told_kind
from govflow.tasks.registry import UnknownModel, registered_model
from govflow.tasks.runs import experiment_id_for
from govflow.tasks.store_calls import store_task

PROMPT_TAG = "governance.prompt"  # prompts:/NAME/VERSION of the prompt a generative-AI version uses


class BadSystem(ValueError):
    """The system cannot be registered as asked (its name is another kind's, or MLflow refuses the name); the
    CLI reports it and exits 2."""


@dataclass(frozen=True)
class SystemVersion:
    name: str
    version: str
    kind: str
    model_id: str
    prompt: str | None = None  # prompts:/NAME/VERSION


@contextlib.contextmanager
def _registry_resolves(tracking_uri: str) -> Iterator[None]:
    """MLflow's registry resolves a version's logged model through the process's tracking URI, not the
    client's: held to this store for the call. MLflow's own context manager puts its URI back as it was, but
    unsets MLFLOW_TRACKING_URI when no URI had been set in code, so the variable is put back here too. Private
    API of the pinned MLflow (3.17)."""
    from mlflow.tracking._tracking_service.utils import _use_tracking_uri

    before = os.environ.get("MLFLOW_TRACKING_URI")
    try:
        with _use_tracking_uri(tracking_uri):
            yield
    finally:
        if before is not None:
            os.environ["MLFLOW_TRACKING_URI"] = before


def _existing_kind(client: MlflowClient, name: str, tracking_uri: str) -> SystemKind | None:
    """The kind of the registered model `name`, or None when the registry has none of that name."""
    try:
        registered = registered_model(client, name, tracking_uri)
    except UnknownModel:
        return None
    return told_kind(registered.tags.get(KIND_TAG)) or SystemKind.MODEL


def _safe_name(system: str) -> str:
    """The system's name as a logged model's or a prompt's name, which MLflow holds to letters, digits, '_'
    and '-' (a registered model's name may hold more): any other character becomes '_'."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", system)


def _prompt_name(system: str) -> str:
    return f"{_safe_name(system)}.prompt"


@store_task(retries=0)  # a retried half-made version would register twice; the user reruns the command
def register_system_version(tracking_uri: str, experiment: str, artifact_root: Path | None, name: str,
                            kind: SystemKind, tags: dict[str, str], prompt_template: str | None,
                            description: str | None = None) -> SystemVersion:
    """A new version of the system `name` (the registered model is created on its first version, tagged with
    its kind): an external LoggedModel, registered; `tags` and `description` (where a model card's sections
    go, `## Intended use`...) set on the version; with a prompt template, a new
    version of the prompt `NAME.prompt` in the prompt registry, linked to the version's logged model."""
    client = MlflowClient(tracking_uri)
    held = _existing_kind(client, name, tracking_uri)
    if held is not None and held is not kind:
        raise BadSystem(f"'{name}' is registered as a {held.value}, not a {kind.value}: choose another name")
    experiment_id = experiment_id_for(client, experiment, artifact_root)
    with _registry_resolves(tracking_uri):
        if held is None:
            try:
                client.create_registered_model(name, tags={KIND_TAG: kind.value})
            except MlflowException as exc:
                if exc.error_code == "INVALID_PARAMETER_VALUE":
                    raise BadSystem(f"MLflow refuses the name '{name}': {exc.message[:300]}") from None
                raise
        logged = client.create_logged_model(experiment_id, name=_safe_name(name), model_type=kind.value,
                                            tags={"mlflow.model.isExternal": "true", KIND_TAG: kind.value})
        client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
        created = client.create_model_version(name, source=f"models:/{logged.model_id}",
                                              model_id=logged.model_id, tags={**tags, KIND_TAG: kind.value},
                                              description=description)
        version, prompt = str(created.version), None
        if prompt_template is not None:
            registered = client.register_prompt(_prompt_name(name), prompt_template,
                                                commit_message=f"used by {name} version {version}")
            client.link_prompt_version_to_model(registered.name, str(registered.version), logged.model_id)
            prompt = f"prompts:/{registered.name}/{registered.version}"
            client.set_model_version_tag(name, version, PROMPT_TAG, prompt)
    return SystemVersion(name, version, kind.value, logged.model_id, prompt)


@dataclass(frozen=True)
class PromptText:
    uri: str  # prompts:/NAME/VERSION
    template: str | None = None
    error: str | None = None


@store_task
def read_prompt(tracking_uri: str, uri: str) -> PromptText:
    """The template of a prompt version named `prompts:/NAME/VERSION`, or why it cannot be read."""
    parts = uri.removeprefix("prompts:/").rsplit("/", 1)
    if not uri.startswith("prompts:/") or len(parts) != 2:
        return PromptText(uri, error=f"tag {PROMPT_TAG} is '{uri}', expected prompts:/NAME/VERSION")
    try:
        found = MlflowClient(tracking_uri).get_prompt_version(parts[0], parts[1])
    except MlflowException as exc:
        return PromptText(uri, error=f"prompt {uri} cannot be read: {exc.message[:300]}")
    if found is None:
        return PromptText(uri, error=f"prompt {uri} is not in the prompt registry")
    template = found.template if isinstance(found.template, str) else repr(found.template)
    return PromptText(uri, template=template)

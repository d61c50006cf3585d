"""Bringing an AI system without a loadable model into the inventory (issue 31): `govflow system add`."""

from __future__ import annotations

from prefect import flow

from govflow.checks.system_kind import SystemKind
from govflow.settings import Settings
from govflow.tasks.systems import SystemVersion, register_system_version


@flow(name="system-add", flow_run_name="system-add-{name}")
def add_system(name: str, kind: str, tags: dict[str, str], prompt_template: str | None = None,
               description: str | None = None) -> SystemVersion:
    """Register a new version of the vendor system or generative-AI application `name` with its tags (and, for
    an application, its prompt); the version is then gated, monitored and reported like any model's."""
    settings = Settings()
    return register_system_version(settings.resolved_tracking_uri, settings.experiment,
                                   settings.local_artifact_root, name, SystemKind(kind), tags, prompt_template,
                                   description)

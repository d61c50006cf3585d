"""Control coverage: for every framework clause, whether each model has current evidence (the latest
gate and monitoring results of its serving or latest version), a person's attestation, or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from mlflow import MlflowClient
from prefect import flow

from checks.controls import coverage
from checks.governance_tags import effective_tags
from govflow.policy_file import load_controls
from govflow.settings import Settings
from tasks.evidence import read_verdict
from tasks.registry import current_version, lookup_model_version


@dataclass(frozen=True)
class Coverage:
    models: dict[str, str]  # model -> the version judged
    rows: list[dict]


@flow(name="controls-coverage")
def controls_coverage(model: str | None = None, framework: str | None = None) -> Coverage:
    """Coverage rows of the catalogue's clauses (one framework, if given) for one model or every model."""
    settings = Settings()
    catalogue = load_controls(settings.controls_file)
    uri = settings.resolved_tracking_uri
    client = MlflowClient(uri)
    names = [model] if model else sorted(m.name for m in client.search_registered_models())
    results, judged = {}, {}
    for name in names:
        version = current_version(client, name)
        if version is None:
            continue
        info = lookup_model_version(uri, name, version)
        tags = effective_tags(info.model_tags, info.version_tags)
        judged[name] = version
        results[name] = (read_verdict(uri, tags.get("governance.last_gate_run"))
                         + read_verdict(uri, tags.get("governance.last_monitor_run")))
    return Coverage(judged, coverage(catalogue, results, framework))

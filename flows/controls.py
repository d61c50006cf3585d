"""Control coverage: for every framework clause, whether each model has current evidence (the latest
gate and monitoring results of its serving or latest version), a person's attestation, or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from govflow.checks.controls import coverage, current_evidence
from govflow.checks.governance_tags import version_tags
from govflow.flows.flow_type import read_flow
from govflow.policy_file import load_controls
from govflow.settings import Settings
from govflow.tasks.artifacts import read_verdict
from govflow.tasks.registry import find_current_version, list_model_names, read_model_version


@dataclass(frozen=True)
class Coverage:
    models: dict[str, str]  # model -> the version judged
    rows: list[dict]


@read_flow(name="controls-coverage")
def controls_coverage(model: str | None = None, framework: str | None = None) -> Coverage:
    """Coverage rows of the catalogue's clauses (one framework, if given) for one model or every model."""
    settings = Settings()
    catalogue = load_controls(settings.controls_file)
    uri = settings.resolved_tracking_uri
    names = [model] if model else list_model_names(uri)
    results, judged = {}, {}
    for name in names:
        version = find_current_version(uri, name)
        if version is None:
            continue
        info = read_model_version(uri, name, version)
        tags = version_tags(info.model_tags, info.version_tags)
        judged[name] = version
        results[name] = current_evidence({"gate": read_verdict(uri, tags.last_gate_run),
                                          "monitor": read_verdict(uri, tags.last_monitor_run)})
    return Coverage(judged, coverage(catalogue, results, framework))

"""Reconciliation: gate every registered version that has no governance status. MLflow's webhooks promise no
delivery (a receiver that was down, a retry that gave up), so `govflow serve` runs this every few minutes and
a lost event costs minutes, not the day until the nightly run."""

from __future__ import annotations

from prefect import flow

from govflow.flows.flow_type import part_of_this_job
from govflow.settings import Settings
from govflow.tasks.registry import list_ungated_versions
from govflow.tasks.task_type import run_logger


def gate_or_error(model: str, version: str) -> str:
    """Gate a version registered without a gate; its verdict, or the error that stopped it (the next pass
    tries again)."""
    from govflow.flows.gate import registration_gate

    try:
        outcome = part_of_this_job(registration_gate)(model, version, only_if_ungated=True)
        return outcome.verdict if outcome else "gated meanwhile by its delivery"
    except Exception as exc:  # one version's failure must not stop the others; the log says why
        run_logger().error("gating %s v%s failed: %s", model, version, type(exc).__name__)
        return f"ERROR: {type(exc).__name__}"


@flow(name="reconciliation")
def reconciliation(models: list[str] | None = None) -> dict[str, str]:
    """Gate every version (of the named models) that was registered but never gated; "model vN" -> verdict."""
    uri = Settings().resolved_tracking_uri
    return {f"{model} v{version}": gate_or_error(model, version) for model, version in list_ungated_versions(uri, models)}

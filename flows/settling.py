"""Setting aside a model's governance runs that died before they were committed and that no later run of their
flow will reach (checks/stalled_runs.py says which): each is tagged as superseded by the committed run that
stands for its version and flow, so `verify` stops calling the model's evidence incomplete. Composition only."""

from __future__ import annotations

from govflow.checks.stalled_runs import Settlement, settlements
from govflow.settings import Settings
from govflow.tasks.chain import head_store, read_heads
from govflow.tasks.flow_runs import ended_flow_runs
from govflow.tasks.runs import abandon_run, committed_run_of, open_runs_of


def settle_stalled_runs(settings: Settings, uri: str, model: str) -> list[Settlement]:
    """Set aside the model's dead, uncommitted runs whose work a committed run of their version and flow did."""
    still_open = open_runs_of(uri, settings.experiment, model)
    ended = ended_flow_runs([r.flow_run_id for r in still_open if r.flow_run_id]) if still_open else frozenset()
    dead = [r for r in still_open if r.flow_run_id in ended]
    if not dead:
        return []
    published = {h.run_id for h in read_heads(head_store(settings)).of(model)}
    committed = {}
    for version, flow in {(r.version, r.flow) for r in dead}:
        if (done := committed_run_of(uri, settings.experiment, model, version, flow)) is not None:
            committed[(version, flow)] = done.run_id
    settled = settlements(dead, ended, published, committed)
    for settlement in settled:
        abandon_run(uri, settlement.run_id, settlement.superseded_by)
    return settled

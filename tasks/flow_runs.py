"""Prefect's own record of flow runs, read through its API: which of some flow runs have ended (completed,
failed, crashed or cancelled), so that a governance run they opened and never committed is known to be dead."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from govflow.tasks.task_type import task


def _ids(values: Collection[str]) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(value))
        except ValueError:  # a tag that names no flow run cannot be looked up; its run is left open
            continue
    return out


@task(retries=2, retry_delay_seconds=[1, 4])
def ended_flow_runs(flow_run_ids: Collection[str]) -> frozenset[str]:
    """Those of `flow_run_ids` Prefect holds in a final state; ids it does not know are not among them."""
    ids = _ids(flow_run_ids)
    if not ids:
        return frozenset()
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)), limit=len(ids))
    return frozenset(str(r.id) for r in runs if r.state is not None and r.state.is_final())

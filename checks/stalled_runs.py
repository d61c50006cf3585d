"""Which governance runs that stopped before they were committed can be settled: set aside as superseded by the
committed run of the same version and flow. A run is superseded by the next run of its flow that commits, but a
run that started after that commit and died before it could commit is reached by nothing (an automated gate
racing the one that won: its version is gated now, so no gate of it runs again); left alone it would stay
"incomplete" in `verify` for ever. Once the Prefect flow run that wrote it has ended, it can write no more.
Pure: the open runs, which flow runs have ended, the published heads and the committed runs come in."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class OpenRun:
    """A governance run MLflow still holds as running: never committed, never set aside."""

    run_id: str
    version: str
    flow: str
    flow_run_id: str | None  # the Prefect flow run that opened it, where the run names one


@dataclass(frozen=True)
class Settlement:
    run_id: str
    superseded_by: str


def settlements(open_runs: Collection[OpenRun], ended: Collection[str], published: Collection[str],
                committed: Mapping[tuple[str, str], str]) -> list[Settlement]:
    """The open runs to set aside: those whose flow run has ended (`ended`), that published no head (such a run
    is committed, and the model's next recording completes it), and whose version and flow have a committed
    run (`committed`, keyed by version and flow) that stands in for them. A run still in flight, one whose flow
    run is unknown, and one whose work nothing has done yet are left: `verify` names them truthfully."""
    out = []
    for run in sorted(open_runs, key=lambda r: r.run_id):
        stands = committed.get((run.version, run.flow))
        if run.flow_run_id in ended and run.run_id not in published and stands and stands != run.run_id:
            out.append(Settlement(run.run_id, stands))
    return out

"""The check every recording makes before it extends a model's chain: the head store must hold the head of
the latest run MLflow has committed. A store that lost its last heads (a damaged line, a restore from an older
backup, an emptied log) would hand out a sequence number already used, and the new run would fork the chain.

It runs twice: before a flow opens its run, so a refusal leaves nothing behind, and again under the model's
chain lock, where it is race-free."""

from __future__ import annotations

from govflow.checks.heads import Head
from govflow.settings import Settings
from govflow.tasks.chain import HeadStore, chain_tip
from govflow.tasks.runs import committed_beyond, has_recorded_runs


class ChainHeadsMissing(RuntimeError):
    """The head store is behind the chain MLflow holds: recording would fork the chain."""


def refuse_if_behind(settings: Settings, uri: str, store: HeadStore, model: str, tip: Head | None) -> None:
    """Raise ChainHeadsMissing, naming both positions and how to restore, when MLflow holds a committed run of
    `model` past the store's tip.

    Without the lock (the check before a run is opened) another process may publish a head and commit its run
    between the two reads; since a run is committed only after its head is published, a tip read again after
    MLflow was seen ahead shows that head. Only a tip still behind on that second read is refused."""
    latest = _committed_past(settings, uri, model, tip)
    if latest is not None:
        tip = chain_tip(store, model)
        latest = _committed_past(settings, uri, model, tip)
    if latest is None:
        return
    restore = ("Restore it from a copy that holds those heads (`govflow evidence import-heads --from COPY` copies "
               "a head log into the database); `govflow verify " + model + "` names what is missing. Recording "
               "now would fork the chain")
    if tip is None:
        raise ChainHeadsMissing(
            f"{store.describe()} has no head of '{model}', but MLflow holds its recorded governance runs: the "
            "heads were lost, or GOVFLOW_CHAIN_LOG / GOVFLOW_DATABASE_URL points elsewhere. " + restore)
    raise ChainHeadsMissing(
        f"{store.describe()} names sequence {tip.sequence} as the latest head of '{model}', but MLflow holds "
        f"its runs committed up to sequence {latest}: the store lost its latest heads (a damaged line, or a "
        f"restore from an older backup). " + restore)


def _committed_past(settings: Settings, uri: str, model: str, tip: Head | None) -> int | None:
    """The latest committed sequence in MLflow past the tip (0 when the tip is none and runs are recorded)."""
    if tip is None:
        return 0 if has_recorded_runs(uri, settings.experiment, model) else None
    return committed_beyond(uri, settings.experiment, model, tip.sequence)

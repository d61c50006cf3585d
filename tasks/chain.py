"""Prefect tasks over the head store (tasks/head_store.py): the model's chain tip, the append that is a
recording's commit point, and the whole store read back for `verify` and bundles."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from govflow import clock
from govflow.checks.heads import Head, HeadLog
from govflow.settings import Settings
from govflow.tasks.head_store import ChainLockTimeout, DatabaseHeadStore, FileHeadStore, HeadConflict, HeadStore
from govflow.tasks.signing import sign
from govflow.tasks.store_calls import store_task
from govflow.tasks.task_type import NO_CACHE, task

__all__ = ["ChainLockTimeout", "HeadConflict", "HeadStore", "append_head", "chain_tip", "head_store", "model_lock",
           "read_heads", "read_published_heads"]


def head_store(settings: Settings) -> HeadStore:
    """The database when GOVFLOW_DATABASE_URL is set, else the head log file."""
    if settings.database_url is not None:
        return DatabaseHeadStore(settings.database_url)
    return FileHeadStore(settings.resolved_chain_log)


def _store(where: HeadStore | Path | str) -> HeadStore:
    return where if isinstance(where, (FileHeadStore, DatabaseHeadStore)) else FileHeadStore(Path(where))


def read_heads(where: HeadStore | Path | str) -> HeadLog:
    """Every published head with the store's defects named."""
    return _store(where).read()


@contextmanager
def model_lock(where: HeadStore | Path | str, model: str, timeout_seconds: float = 600) -> Iterator[None]:
    """Hold the model's chain lock for the block: every process that records for the model, on any host that
    shares the store, waits here; the lock goes with its holder, however the holder exits."""
    with _store(where).lock(model, timeout_seconds):
        yield


@store_task(cache_policy=NO_CACHE)
def chain_tip(where: HeadStore | Path | str, model: str) -> Head | None:
    """The model's latest published head; call with the model's lock held."""
    return _store(where).read().tip(model)


@task(cache_policy=NO_CACHE)  # no retry: a write that reached the store before an error must not be doubled
def append_head(where: HeadStore | Path | str, model: str, sequence: int, manifest_sha256: str, run_id: str,
                signing_key: Path | None = None) -> Head:
    """Publish the model's new head, durably, signed given a key; call with the model's lock held."""
    at = clock.now().isoformat(timespec="seconds")
    head = Head(model, sequence, manifest_sha256, run_id, at)
    if signing_key is not None:
        head = Head(model, sequence, manifest_sha256, run_id, at, sign(signing_key, head.signed_bytes()).decode().strip())
    _store(where).append(head)
    return head


read_published_heads = store_task(read_heads, name="read_published_heads", cache_policy=NO_CACHE)

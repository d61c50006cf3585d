"""Handing governance jobs for accepted webhook events off durably: to a queue on disk that this process
works through, by default, or as flow runs of the Prefect server's deployments when one is configured
(PREFECT_API_URL). Each returns only once the job is stored, and raises when it cannot be, so the receiver
answers 503 and MLflow retries."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

log = logging.getLogger("govflow.webhooks")

GATE_DEPLOYMENT = "registration-gate/registration-gate"
SERVING_DEPLOYMENT = "serving-check/serving-check"


class LocalDispatcher:
    """Queues each job in SQLite, then runs it in a background thread of the receiver, one at a time. Jobs a
    receiver accepted but did not finish (it was killed) run when the next one starts on the same queue."""

    def __init__(self, queue: Path | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govflow-job")
        self._lock = threading.Lock()
        self._pending = 0
        if queue is not None:
            queue.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(queue or ":memory:", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS job (key TEXT PRIMARY KEY, kind TEXT NOT NULL, model TEXT NOT NULL, "
                         "version TEXT NOT NULL, alias TEXT, done INTEGER NOT NULL DEFAULT 0, at REAL NOT NULL)")
        for key, kind, model, version, alias in self._db.execute(
                "SELECT key, kind, model, version, alias FROM job WHERE done = 0 ORDER BY at").fetchall():
            log.info("resuming %s of %s v%s, accepted before a restart", kind, model, version)
            self._submit(key, kind, model, version, alias)

    @property
    def pending(self) -> int:
        return self._pending

    def gate(self, model: str, version: str, key: str | None = None) -> Future | None:
        return self._enqueue("gate", model, version, None, key)

    def alias(self, model: str, version: str, alias: str, key: str | None = None) -> Future | None:
        return self._enqueue("alias", model, version, alias, key)

    def _enqueue(self, kind: str, model: str, version: str, alias: str | None, key: str | None) -> Future | None:
        key = key or f"{kind}:{model}:{version}:{alias or ''}:{time.time_ns()}"
        with self._lock:
            inserted = self._db.execute(
                "INSERT OR IGNORE INTO job (key, kind, model, version, alias, at) VALUES (?, ?, ?, ?, ?, ?)",
                (key, kind, model, version, alias, time.time())).rowcount
        return self._submit(key, kind, model, version, alias) if inserted else None

    def _submit(self, key: str, kind: str, model: str, version: str, alias: str | None) -> Future:
        with self._lock:
            self._pending += 1
        return self._pool.submit(self._guarded, key, kind, model, version, alias)

    def _guarded(self, key: str, kind: str, model: str, version: str, alias: str | None):
        try:
            return self._gate(model, version) if kind == "gate" else self._alias(model, version, alias or "")
        except Exception as exc:  # the receiver must outlive any one job; the reconciliation pass retries
            log.error("job %s of %s v%s failed: %s", kind, model, version, type(exc).__name__)
            return None
        finally:
            with self._lock:
                self._pending -= 1
                self._db.execute("UPDATE job SET done = 1 WHERE key = ?", (key,))

    @staticmethod
    def _known(model: str, version: str) -> bool:
        from govflow.settings import Settings
        from govflow.tasks.registry import UnknownModelVersion, lookup_model_version

        try:
            lookup_model_version(Settings().resolved_tracking_uri, model, version)
        except UnknownModelVersion as exc:
            log.warning("event for %s v%s ignored: %s", model, version, exc)
            return False
        return True

    def _gate(self, model: str, version: str):
        if self._known(model, version):
            from govflow.flows.gate import registration_gate

            outcome = registration_gate(model, version, only_if_ungated=True)
            log.info("gated %s v%s: %s", model, version, outcome.verdict if outcome else "gated already")
            return outcome
        return None

    def _alias(self, model: str, version: str, alias: str):
        if self._known(model, version):
            from govflow.flows.serving import serving_check

            return serving_check(model, version, alias)
        return None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._db.close()


class PrefectDeploymentDispatcher:
    """Creates a flow run of the gate or serving-check deployment; a worker (or `govflow serve`) runs it. The
    Prefect server stores the run before answering, and the delivery id is its idempotency key, so a retried
    delivery never starts a second run."""

    pending = 0

    def gate(self, model: str, version: str, key: str | None = None) -> None:
        self._run(GATE_DEPLOYMENT, {"model": model, "version": str(version), "only_if_ungated": True}, key)

    def alias(self, model: str, version: str, alias: str, key: str | None = None) -> None:
        self._run(SERVING_DEPLOYMENT, {"model": model, "version": str(version), "alias": alias}, key)

    @staticmethod
    def _run(deployment: str, parameters: dict[str, Any], key: str | None) -> None:
        from prefect.deployments import run_deployment

        run_deployment(deployment, parameters=parameters, timeout=0, as_subflow=False,
                       idempotency_key=f"mlflow-webhook:{key}" if key else None)

    def close(self) -> None:
        pass


def dispatcher_for_environment(queue: Path) -> LocalDispatcher | PrefectDeploymentDispatcher:
    """Through the server's deployments when PREFECT_API_URL names one, else a queue in this process."""
    return PrefectDeploymentDispatcher() if os.environ.get("PREFECT_API_URL") else LocalDispatcher(queue)

"""Starting governance jobs for accepted webhook events: in this process by default, or through a Prefect
server's deployments when one is configured (PREFECT_API_URL)."""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger("govflow.webhooks")

GATE_EVENT = "govflow.model_version.created"
ALIAS_EVENT = "govflow.model_version_alias.created"


class LocalDispatcher:
    """Runs each job in a background thread of the receiver, one at a time, so the reply is not held up."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govflow-job")
        self._lock = threading.Lock()
        self._pending = 0

    @property
    def pending(self) -> int:
        return self._pending

    def gate(self, model: str, version: str) -> Future:
        return self._submit(self._gate, model, version)

    def alias(self, model: str, version: str, alias: str) -> Future:
        return self._submit(self._alias, model, version, alias)

    def _submit(self, job, *args) -> Future:
        with self._lock:
            self._pending += 1
        future = self._pool.submit(self._guarded, job, *args)
        return future

    def _guarded(self, job, *args):
        try:
            return job(*args)
        except Exception:  # the receiver must outlive any one job; the sweep gates what was missed
            log.exception("job %s%s failed", job.__name__, args)
            return None
        finally:
            with self._lock:
                self._pending -= 1

    @staticmethod
    def _known(model: str, version: str) -> bool:
        from govflow.settings import Settings
        from tasks.registry import UnknownModelVersion, lookup_model_version

        try:
            lookup_model_version(Settings().resolved_tracking_uri, model, version)
        except UnknownModelVersion as exc:
            log.warning("event for %s v%s ignored: %s", model, version, exc)
            return False
        return True

    def _gate(self, model: str, version: str):
        if self._known(model, version):
            from flows.gate import registration_gate

            outcome = registration_gate(model, version)
            log.info("gated %s v%s: %s", model, version, outcome.verdict)
            return outcome
        return None

    def _alias(self, model: str, version: str, alias: str):
        if self._known(model, version):
            from flows.serving import serving_check

            return serving_check(model, version, alias)
        return None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class PrefectEventDispatcher:
    """Emits the Prefect event that a deployment's trigger in prefect.yaml matches; a worker runs the job."""

    pending = 0

    def gate(self, model: str, version: str) -> None:
        self._emit(GATE_EVENT, model, version, {})

    def alias(self, model: str, version: str, alias: str) -> None:
        self._emit(ALIAS_EVENT, model, version, {"mlflow.alias": alias})

    @staticmethod
    def _emit(event: str, model: str, version: str, extra: dict[str, str]) -> None:
        from prefect.events import emit_event

        emit_event(event=event, resource={"prefect.resource.id": f"mlflow.model-version.{model}.{version}",
                                          "mlflow.model": model, "mlflow.version": str(version), **extra})

    def close(self) -> None:
        pass


def dispatcher_for_environment() -> LocalDispatcher | PrefectEventDispatcher:
    """Through the server's deployments when PREFECT_API_URL names one, else in this process."""
    return PrefectEventDispatcher() if os.environ.get("PREFECT_API_URL") else LocalDispatcher()

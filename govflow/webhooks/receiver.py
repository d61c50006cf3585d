"""The HTTP receiver for MLflow registry webhooks (`POST /webhooks/mlflow`).

Every delivery is authenticated before its body is read as JSON; an accepted event's job is handed off to a
dispatcher durably (a queued job on disk, or a flow run the Prefect server stored) before the answer. Answers:
401 unsigned, forged or stale; 409 a delivery id accepted before; 413 a body over the limit; 400 a body that
is not an MLflow event; 503 a job that could not be handed off (MLflow retries the delivery, which is then
admitted again) or a delivery another request is handing off right now; 202 otherwise (also for events govflow does not act on, and duplicates of an event already
started). No input gives any other 5xx.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from govflow.webhooks.ledger import Admission, DatabaseLedger, DeliveryLedger
from govflow.webhooks.signature import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Unauthenticated,
    authenticate,
    require_secret,
)

log = logging.getLogger("govflow.webhooks")
PATH = "/webhooks/mlflow"
ACTED_ON = {("model_version", "created"), ("model_version_alias", "created")}
MAX_NAME_LENGTH = 256  # MLflow's own limit on registered model names


class BadEvent(ValueError):
    """A signed body that is not an MLflow registry event govflow can read (answered 400)."""


def parse_event(body: bytes) -> tuple[str, str, dict]:
    """(entity, action, data) of an MLflow webhook body; BadEvent naming the missing or wrong key."""
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise BadEvent(f"body is not JSON: {exc}") from None
    except RecursionError:
        raise BadEvent("body is nested too deeply to be an MLflow event") from None
    if not isinstance(document, dict):
        raise BadEvent("body must be a JSON object with entity, action and data")
    entity, action, data = document.get("entity"), document.get("action"), document.get("data")
    if not isinstance(entity, str) or not isinstance(action, str) or not isinstance(data, dict):
        raise BadEvent("body lacks 'entity' and 'action' strings and a 'data' object")
    if (entity, action) in ACTED_ON:
        for key in ("name", "version") + (("alias",) if entity == "model_version_alias" else ()):
            value = data.get(key)
            if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
                raise BadEvent(f"{entity}.{action} event lacks data.{key}")
            if not str(value).isprintable() or len(str(value)) > MAX_NAME_LENGTH:
                raise BadEvent(f"data.{key} is not a printable name of at most {MAX_NAME_LENGTH} characters")
        if not str(data["version"]).isdigit() or len(str(data["version"])) > 10:
            raise BadEvent("data.version is not a model version number")
    return entity, action, data


def create_app(secret: str, ledger: DeliveryLedger | DatabaseLedger, dispatcher, *, tolerance_seconds: int, max_body_bytes: int,
               clock: Callable[[], float] = time.time) -> FastAPI:
    """The receiver app; `dispatcher` has gate(model, version, key) and alias(model, version, alias, key),
    which return once the job is handed off durably and raise when it cannot be. WeakSecret for a secret too
    short to authenticate anything."""
    require_secret(secret)
    app = FastAPI(title="govflow webhook receiver", docs_url=None, redoc_url=None, openapi_url=None)

    def answer(status: int, message: str, **extra) -> JSONResponse:
        if status >= 400:
            log.warning("webhook refused (%s): %s", status, message)
        return JSONResponse({"status": status, "message": message, **extra}, status_code=status)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "pending_jobs": dispatcher.pending}

    @app.post(PATH)
    async def receive(request: Request) -> JSONResponse:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_body_bytes:
            return answer(413, f"body of {declared} bytes is over the limit of {max_body_bytes}")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_body_bytes:
                return answer(413, f"body is over the limit of {max_body_bytes} bytes")
        headers = request.headers
        delivery = headers.get(DELIVERY_HEADER) or ""  # authenticate refuses an empty one
        try:
            authenticate(secret, delivery, headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER),
                         bytes(body), clock(), tolerance_seconds)
        except Unauthenticated as exc:
            return answer(401, str(exc))
        try:
            entity, action, data = parse_event(bytes(body))
        except BadEvent as exc:
            return answer(400, str(exc))
        if (entity, action) not in ACTED_ON:
            return answer(202, f"{entity}.{action} needs no governance job", action="ignored")
        model, version, alias = str(data["name"]), str(data["version"]), data.get("alias")
        event = f"{entity}.{action}:{model}:{version}:{alias or ''}"
        try:  # a ledger in a database can be out of reach; MLflow retries on 503
            admission = await run_in_threadpool(ledger.admit, delivery, event, clock())
        except Exception as exc:
            log.warning("the delivery ledger could not admit %s: %s", delivery, exc)  # masked on record
            return answer(503, f"the delivery ledger is unavailable ({type(exc).__name__}); retry the delivery")
        if admission is Admission.REPLAY:
            return answer(409, f"delivery {delivery} was accepted before (a replay)")
        if admission is Admission.IN_PROGRESS:
            response = answer(503, f"delivery {delivery} is being handed off by another request; retry the delivery")
            response.headers["Retry-After"] = "5"
            return response
        if admission is Admission.DUPLICATE:
            await run_in_threadpool(ledger.confirm, delivery)
            return answer(202, f"{event} was started by an earlier delivery", action="duplicate")
        job = "gate" if alias is None else "serving-check"
        try:
            if alias is None:
                await run_in_threadpool(dispatcher.gate, model, version, delivery)
            else:
                await run_in_threadpool(dispatcher.alias, model, version, str(alias), delivery)
        except Exception as exc:  # MLflow retries on 503; the reconciliation pass catches what it never retries
            await run_in_threadpool(ledger.release, delivery)
            log.warning("hand-off of the %s for %s v%s failed: %s", job, model, version, exc)  # masked on record
            return answer(503, f"the {job} for {model} v{version} could not be handed off "
                               f"({type(exc).__name__}); retry the delivery")
        # Should this fail, the delivery stays pending and MLflow's retry is admitted again; hand-offs are idempotent.
        await run_in_threadpool(ledger.confirm, delivery)
        log.info("accepted %s (delivery %s): %s handed off", event, delivery, job)
        return answer(202, f"{job} started for {model} v{version}", action=job)

    return app

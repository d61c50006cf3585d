"""The HTTP receiver for MLflow registry webhooks (`POST /webhooks/mlflow`).

Every delivery is authenticated before its body is read as JSON; an accepted event is handed to a
dispatcher and answered 202 at once. Answers: 401 unsigned, forged or stale; 409 a delivery id seen
before; 413 a body over the limit; 400 a body that is not an MLflow event; 202 otherwise (also for
events govflow does not act on, and duplicates of an event already started).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from govflow.webhooks.ledger import Admission, DeliveryLedger
from govflow.webhooks.signature import (DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, Unauthenticated,
                                        authenticate)

log = logging.getLogger("govflow.webhooks")
PATH = "/webhooks/mlflow"
ACTED_ON = {("model_version", "created"), ("model_version_alias", "created")}


class BadEvent(ValueError):
    """A signed body that is not an MLflow registry event govflow can read (answered 400)."""


def parse_event(body: bytes) -> tuple[str, str, dict]:
    """(entity, action, data) of an MLflow webhook body; BadEvent naming the missing or wrong key."""
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise BadEvent(f"body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise BadEvent("body must be a JSON object with entity, action and data")
    entity, action, data = document.get("entity"), document.get("action"), document.get("data")
    if not isinstance(entity, str) or not isinstance(action, str) or not isinstance(data, dict):
        raise BadEvent("body lacks 'entity' and 'action' strings and a 'data' object")
    if (entity, action) in ACTED_ON:
        for key in ("name", "version") + (("alias",) if entity == "model_version_alias" else ()):
            if not isinstance(data.get(key), (str, int)) or str(data.get(key)) == "":
                raise BadEvent(f"{entity}.{action} event lacks data.{key}")
    return entity, action, data


def create_app(secret: str, ledger: DeliveryLedger, dispatcher, *, tolerance_seconds: int, max_body_bytes: int,
               clock: Callable[[], float] = time.time) -> FastAPI:
    """The receiver app; `dispatcher` has gate(model, version) and alias(model, version, alias)."""
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
        delivery = headers.get(DELIVERY_HEADER)
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
        admission = ledger.admit(delivery, event, clock())  # type: ignore[arg-type]
        if admission is Admission.REPLAY:
            return answer(409, f"delivery {delivery} was accepted before (a replay)")
        if admission is Admission.DUPLICATE:
            return answer(202, f"{event} was started by an earlier delivery", action="duplicate")
        if alias is None:
            dispatcher.gate(model, version)
            job = "gate"
        else:
            dispatcher.alias(model, version, str(alias))
            job = "serving-check"
        log.info("accepted %s (delivery %s): %s started", event, delivery, job)
        return answer(202, f"{job} started for {model} v{version}", action=job)

    return app

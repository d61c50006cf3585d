"""Seeded fuzzing of the receiver over HTTP: thousands of deliveries, signed and not, with hostile headers and
bodies. None may get a 5xx; only a fresh, correctly signed, well-formed event may start a job."""

import json
import random
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from govflow.webhooks.ledger import DeliveryLedger
from govflow.webhooks.receiver import PATH, create_app
from govflow.webhooks.signature import sign
from tests.webhooks.test_receiver import NOW, SECRET, Recorder

pytestmark = pytest.mark.slow  # thousands of fuzzed deliveries

VARIANTS = 1000


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _bodies(rng: random.Random) -> tuple[str, bytes, bool]:
    """(kind, body, whether it is a well-formed event govflow acts on)."""
    version = str(rng.randrange(1, 50))
    kind = rng.choice(["event", "alias", "ignored", "random", "nested", "nested_event", "wrong_types", "huge",
                       "unicode", "empty"])
    if kind == "event":
        return kind, json.dumps({"entity": "model_version", "action": "created",
                                 "data": {"name": f"m{rng.randrange(5)}", "version": version}}).encode(), True
    if kind == "alias":
        return kind, json.dumps({"entity": "model_version_alias", "action": "created",
                                 "data": {"name": "m", "version": version, "alias": "champion"}}).encode(), True
    if kind == "ignored":
        return kind, json.dumps({"entity": "registered_model", "action": "created", "data": {}}).encode(), False
    if kind == "random":
        return kind, rng.randbytes(rng.randrange(0, 300)), False
    if kind == "nested":
        return kind, _nested(rng.choice([100, 1000, 5000, 100_000])), False
    if kind == "nested_event":
        return kind, (b'{"entity": "model_version", "action": "created", "data": {"name": ' +
                      _nested(rng.choice([2000, 50_000])) + b', "version": "1"}}'), False
    if kind == "wrong_types":
        return kind, json.dumps({"entity": 1, "action": ["created"], "data": "x"}).encode(), False
    if kind == "huge":
        return kind, json.dumps({"entity": "model_version", "action": "created",
                                 "data": {"name": "m", "version": 10 ** 400}}).encode(), False
    if kind == "unicode":
        name = "m\u0000\u202e\udc80"[: rng.randrange(1, 5)]
        return kind, json.dumps({"entity": "model_version", "action": "created", "data": {"name": name, "version": "1"}},
                                ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass"), name == "m"
    return kind, b"", False


def _timestamp(rng: random.Random) -> tuple[str, bool]:
    """(header value, whether it is within the tolerance)."""
    choice = rng.randrange(8)
    if choice < 4:
        return str(int(NOW) + rng.randrange(-200, 200)), True
    return rng.choice([str(int(NOW) - 10_000), "9" * rng.choice([13, 309, 400, 5000]), "-1", "1e9", " 18e8",
                       "１８００００００００", "", "0x6B49D200"]), False


@pytest.fixture
def app_client(tmp_path):
    dispatcher = Recorder()
    ledger = DeliveryLedger(tmp_path / "ledger.sqlite", 300, 60)
    app = create_app(SECRET, ledger, dispatcher, tolerance_seconds=300, max_body_bytes=1_048_576, clock=lambda: NOW)
    yield TestClient(app, raise_server_exceptions=False), dispatcher
    ledger.close()


def test_no_fuzzed_delivery_gets_a_5xx_or_starts_a_job_it_should_not(app_client):
    client, dispatcher = app_client
    rng = random.Random(20261201)
    statuses, expected_jobs = Counter(), 0
    for i in range(VARIANTS):
        kind, body, acted_on = _bodies(rng)
        stamp, fresh = _timestamp(rng)
        delivery = f"d-{i}" if rng.random() < 0.7 else rng.choice(["x" * rng.choice([201, 10_000]), "", "é-ü"])
        signer = rng.choice(["right", "right", "right", "wrong", "none", "garbled"])
        headers = {"Content-Type": "application/json", "X-MLflow-Delivery-Id": delivery,
                   "X-MLflow-Timestamp": stamp}
        if signer == "right":
            headers["X-MLflow-Signature"] = sign(SECRET, delivery, stamp, body)
        elif signer == "wrong":
            headers["X-MLflow-Signature"] = sign("another-secret-0123456789", delivery, stamp, body)
        elif signer == "garbled":
            headers["X-MLflow-Signature"] = "v1," + rng.randbytes(20).hex()
        response = client.post(PATH, content=body, headers={k: v.encode() for k, v in headers.items()})
        statuses[response.status_code] += 1
        assert response.status_code < 500, (kind, stamp[:20], delivery[:20], response.text[:300])
        valid = signer == "right" and fresh and delivery.startswith("d-") and acted_on
        if response.status_code == 202 and response.json().get("action") in ("gate", "serving-check"):
            assert valid, (kind, signer, stamp[:20])
            expected_jobs += 1
    assert len(dispatcher.calls) == expected_jobs
    assert statuses[202] > 30 and expected_jobs > 10 and statuses[401] > 100 and statuses[400] > 10, statuses  # every path was exercised

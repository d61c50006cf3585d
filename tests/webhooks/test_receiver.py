"""The receiver app over HTTP (FastAPI's test client), with a dispatcher that records what it was asked."""

import json

import pytest
from fastapi.testclient import TestClient

from govflow.webhooks.ledger import Admission, DeliveryLedger
from govflow.webhooks.receiver import PATH, create_app
from govflow.webhooks.signature import sign

SECRET = "receiver-test-secret-0123456789"
NOW = 1_800_000_000.0


class Recorder:
    """Records each hand-off; while `down`, every hand-off fails as a Prefect API that is away would."""

    pending = 0

    def __init__(self):
        self.calls = []
        self.down = False

    def gate(self, model, version, key=None):
        if self.down:
            raise ConnectionError("the Prefect API is down")
        self.calls.append(("gate", model, version))

    def alias(self, model, version, alias, key=None):
        if self.down:
            raise ConnectionError("the Prefect API is down")
        self.calls.append(("alias", model, version, alias))


@pytest.fixture
def receiver(tmp_path):
    dispatcher = Recorder()
    ledger = DeliveryLedger(tmp_path / "ledger.sqlite", 300, 60)
    app = create_app(SECRET, ledger, dispatcher, tolerance_seconds=300, max_body_bytes=4096, clock=lambda: NOW)
    yield TestClient(app), dispatcher
    ledger.close()


def _event(entity="model_version", action="created", **data) -> bytes:
    return json.dumps({"entity": entity, "action": action, "timestamp": "2027-01-15T08:00:00+00:00",
                       "data": data or {"name": "credit", "version": "3", "source": "models:/m-1", "run_id": None,
                                        "tags": {}, "description": None}}).encode()


def _post(client, body, delivery="d-1", stamp=str(int(NOW)), secret=SECRET, signature=None):
    headers = {"Content-Type": "application/json", "X-MLflow-Delivery-Id": delivery, "X-MLflow-Timestamp": stamp,
               "X-MLflow-Signature": signature or sign(secret, delivery, stamp, body)}
    return client.post(PATH, content=body, headers=headers)


def test_signed_version_created_starts_the_gate(receiver):
    client, dispatcher = receiver
    response = _post(client, _event())
    assert response.status_code == 202 and response.json()["action"] == "gate"
    assert dispatcher.calls == [("gate", "credit", "3")]


def test_alias_created_starts_the_serving_check(receiver):
    client, dispatcher = receiver
    response = _post(client, _event("model_version_alias", "created", name="credit", alias="champion", version="3"))
    assert response.status_code == 202
    assert dispatcher.calls == [("alias", "credit", "3", "champion")]


@pytest.mark.parametrize("how", ["wrong secret", "stale", "from the future", "unsigned"])
def test_forged_or_stale_calls_get_401_and_start_nothing(receiver, how):
    client, dispatcher = receiver
    body = _event()
    if how == "wrong secret":
        response = _post(client, body, secret="not-the-shared-secret")
    elif how == "stale":
        response = _post(client, body, stamp=str(int(NOW) - 301))
    elif how == "from the future":
        response = _post(client, body, stamp=str(int(NOW) + 301))
    else:
        response = client.post(PATH, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    assert dispatcher.calls == []


def test_replayed_delivery_gets_409(receiver):
    client, dispatcher = receiver
    assert _post(client, _event()).status_code == 202
    assert _post(client, _event()).status_code == 409
    assert dispatcher.calls == [("gate", "credit", "3")]


def test_a_delivery_being_handed_off_is_answered_503_with_a_retry_after(receiver, tmp_path):
    client, dispatcher = receiver
    other_request = DeliveryLedger(tmp_path / "ledger.sqlite", 300, 60)  # the receiver's own ledger file
    assert other_request.admit("d-9", "model_version.created:credit:3:", NOW - 1) is Admission.ACCEPTED
    busy = _post(client, _event(), delivery="d-9")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5" and "being handed off" in busy.text
    assert dispatcher.calls == []


def test_a_second_delivery_of_one_event_starts_one_gate(receiver):
    client, dispatcher = receiver
    assert _post(client, _event(), delivery="d-1").status_code == 202
    second = _post(client, _event(), delivery="d-2")
    assert second.status_code == 202 and second.json()["action"] == "duplicate"
    assert dispatcher.calls == [("gate", "credit", "3")]


@pytest.mark.parametrize("body, named", [
    (b"not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (json.dumps({"entity": "model_version", "action": "created"}).encode(), "'data' object"),
    (json.dumps({"entity": "model_version", "action": "created", "data": {"name": "credit"}}).encode(), "data.version"),
    (json.dumps({"entity": "model_version_alias", "action": "created",
                 "data": {"name": "credit", "version": "3"}}).encode(), "data.alias"),
])
def test_malformed_signed_body_gets_400_naming_the_key(receiver, body, named):
    client, dispatcher = receiver
    response = _post(client, body)
    assert response.status_code == 400 and named in response.json()["message"]
    assert dispatcher.calls == []


def test_body_over_the_limit_is_refused_before_authentication(receiver):
    client, dispatcher = receiver
    response = _post(client, _event(name="credit", version="3", description="x" * 5000))
    assert response.status_code == 413
    assert dispatcher.calls == []


def test_events_govflow_does_not_act_on_are_acknowledged(receiver):
    client, dispatcher = receiver
    response = _post(client, _event("registered_model", "created", name="credit", tags={}, description=None))
    assert response.status_code == 202 and response.json()["action"] == "ignored"
    assert dispatcher.calls == []


def test_ledger_remembers_across_restarts_and_forgets_after_twice_the_window(tmp_path):
    ledger = DeliveryLedger(tmp_path / "l.sqlite", 300, 60)
    assert ledger.admit("d-1", "e", NOW) is Admission.ACCEPTED
    ledger.confirm("d-1")
    ledger.close()
    reopened = DeliveryLedger(tmp_path / "l.sqlite", 300, 60)
    assert reopened.admit("d-1", "e", NOW + 10) is Admission.REPLAY
    assert reopened.admit("d-2", "e", NOW + 300) is Admission.DUPLICATE
    reopened.confirm("d-2")
    assert reopened.admit("d-3", "e", NOW + 301 + 300) is Admission.ACCEPTED  # d-1 at NOW is past the window
    reopened.confirm("d-3")
    assert reopened.admit("d-1", "e2", NOW + 601) is Admission.ACCEPTED  # pruned after twice the window
    reopened.close()


def test_a_failed_hand_off_answers_503_and_the_retry_of_the_same_delivery_is_accepted(receiver):
    client, dispatcher = receiver
    dispatcher.down = True
    failed = _post(client, _event())
    assert failed.status_code == 503 and "retry" in failed.json()["message"]
    assert dispatcher.calls == []
    dispatcher.down = False
    retried = _post(client, _event())  # MLflow retries with the same delivery id and timestamp
    assert retried.status_code == 202 and dispatcher.calls == [("gate", "credit", "3")]
    assert _post(client, _event()).status_code == 409


def test_a_delivery_left_pending_by_a_dead_receiver_is_admitted_again(tmp_path):
    ledger = DeliveryLedger(tmp_path / "l.sqlite", 300, 60)
    assert ledger.admit("d-1", "e", NOW) is Admission.ACCEPTED  # the receiver died before confirming
    assert ledger.admit("d-1", "e", NOW + 5) is Admission.IN_PROGRESS  # within the hand-off lease: it may not have
    assert ledger.admit("d-2", "e", NOW + 6) is Admission.DUPLICATE  # a pending delivery's event is taken
    assert ledger.admit("d-1", "e", NOW + 61) is Admission.ACCEPTED  # the lease ran out: the retry takes it over
    assert ledger.admit("d-1", "e", NOW + 62) is Admission.IN_PROGRESS  # and holds it anew
    ledger.release("d-1")  # its hand-off failed: its retry is admitted, the duplicate d-2 does not hold the event
    assert ledger.admit("d-1", "e", NOW + 63) is Admission.ACCEPTED
    assert ledger.admit("d-2", "e", NOW + 64) is Admission.IN_PROGRESS  # d-2 pending confirmation as a duplicate


@pytest.mark.parametrize("secret", ["", "short", "x" * 15])
def test_a_missing_or_short_secret_is_refused_when_the_app_is_built(tmp_path, secret):
    from govflow.webhooks.signature import WeakSecret

    with pytest.raises(WeakSecret, match="at least 16 characters"):
        create_app(secret, DeliveryLedger(tmp_path / "l.sqlite", 300, 60), Recorder(), tolerance_seconds=300,
                   max_body_bytes=4096)

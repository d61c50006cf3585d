"""Webhook authentication, against MLflow's own signer (the code that sends the deliveries)."""

import pytest
from mlflow.webhooks.delivery import _generate_hmac_signature

from govflow.webhooks.signature import Unauthenticated, authenticate, sign

SECRET = "a-shared-secret-of-some-length"
BODY = b'{"entity": "model_version", "action": "created", "data": {"name": "m", "version": "1"}}'


def test_sign_matches_mlflow():
    assert sign(SECRET, "d-1", "1700000000", BODY) == _generate_hmac_signature(SECRET, "d-1", "1700000000", BODY.decode())


@pytest.mark.parametrize("skew", [-300, -299, 0, 299, 300])
def test_timestamp_within_tolerance_is_accepted(skew):
    now = 1_700_000_000
    stamp = str(now + skew)
    assert authenticate(SECRET, "d-1", stamp, sign(SECRET, "d-1", stamp, BODY), BODY, now, 300) is None  # no raise


@pytest.mark.parametrize("skew", [-301, 301, -86_400])
def test_timestamp_outside_tolerance_is_stale(skew):
    now = 1_700_000_000
    stamp = str(now + skew)
    with pytest.raises(Unauthenticated, match="tolerance is 300 s"):
        authenticate(SECRET, "d-1", stamp, sign(SECRET, "d-1", stamp, BODY), BODY, now, 300)


@pytest.mark.parametrize("change", ["secret", "body", "delivery", "timestamp"])
def test_any_signed_part_changed_is_forged(change):
    now, stamp = 1_700_000_000, "1700000000"
    signature = sign("other-secret-entirely" if change == "secret" else SECRET, "d-1", stamp, BODY)
    body = BODY.replace(b'"1"', b'"2"') if change == "body" else BODY
    delivery = "d-2" if change == "delivery" else "d-1"
    sent = "1700000001" if change == "timestamp" else stamp
    with pytest.raises(Unauthenticated, match="does not match"):
        authenticate(SECRET, delivery, sent, signature, body, now, 300)


@pytest.mark.parametrize("headers, named", [
    ((None, "1700000000", "v1,x"), "X-MLflow-Delivery-Id"),
    (("d-1", None, "v1,x"), "X-MLflow-Timestamp"),
    (("d-1", "1700000000", None), "X-MLflow-Signature"),
])
def test_missing_header_is_named(headers, named):
    with pytest.raises(Unauthenticated, match=named):
        authenticate(SECRET, *headers, BODY, 1_700_000_000, 300)


def test_timestamp_that_is_not_a_number():
    with pytest.raises(Unauthenticated, match="not a Unix time"):
        authenticate(SECRET, "d-1", "yesterday", "v1,x", BODY, 1_700_000_000, 300)

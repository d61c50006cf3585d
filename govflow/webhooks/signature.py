"""Authenticating an MLflow webhook delivery: HMAC-SHA256 over "{delivery_id}.{timestamp}.{body}" with the
shared secret, and a timestamp within a tolerance. Pure: no clock, no I/O."""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_HEADER = "X-MLflow-Signature"
TIMESTAMP_HEADER = "X-MLflow-Timestamp"
DELIVERY_HEADER = "X-MLflow-Delivery-Id"
VERSION = "v1"
MIN_SECRET_LENGTH = 16
MAX_DELIVERY_ID_LENGTH = 200
MAX_TIMESTAMP_DIGITS = 12  # Unix seconds until the year 33658; longer is no time MLflow sends


class WeakSecret(ValueError):
    """A shared secret too short to authenticate anything; refused wherever a receiver is built."""


def require_secret(secret: str | None) -> str:
    """The secret, or WeakSecret when it is missing or shorter than MIN_SECRET_LENGTH."""
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        raise WeakSecret(f"the webhook secret must be at least {MIN_SECRET_LENGTH} characters (set GOVFLOW_WEBHOOK_SECRET)")
    return secret


class Unauthenticated(ValueError):
    """A delivery that must start nothing (answered 401); the message says which part failed."""


def sign(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    """The `X-MLflow-Signature` value MLflow sends for this delivery."""
    content = delivery_id.encode() + b"." + timestamp.encode() + b"." + body
    digest = hmac.new(secret.encode(), content, hashlib.sha256).digest()
    return f"{VERSION},{base64.b64encode(digest).decode()}"


def authenticate(secret: str, delivery_id: str | None, timestamp: str | None, signature: str | None, body: bytes,
                 now: float, tolerance_seconds: int) -> None:
    """Raise Unauthenticated unless the signature is the secret's and the timestamp is no more than
    `tolerance_seconds` from `now`, either way (MLflow retries a delivery with its first timestamp)."""
    if not delivery_id or not timestamp or not signature:
        missing = [h for h, v in ((DELIVERY_HEADER, delivery_id), (TIMESTAMP_HEADER, timestamp),
                                  (SIGNATURE_HEADER, signature)) if not v]
        raise Unauthenticated(f"missing header(s) {', '.join(missing)}")
    if len(delivery_id) > MAX_DELIVERY_ID_LENGTH:
        raise Unauthenticated(f"{DELIVERY_HEADER} is longer than {MAX_DELIVERY_ID_LENGTH} characters")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > MAX_TIMESTAMP_DIGITS:
        raise Unauthenticated(f"{TIMESTAMP_HEADER} '{timestamp[:40]}' is not a Unix time in seconds")
    sent = int(timestamp)
    if abs(now - sent) > tolerance_seconds:
        raise Unauthenticated(f"{TIMESTAMP_HEADER} is {int(now - sent)} s from now; the tolerance is "
                              f"{tolerance_seconds} s (a stale or replayed delivery)")
    expected = sign(secret, delivery_id, timestamp, body)
    # MLflow sends one signature; Standard Webhooks allows several, space-separated (a secret being rotated).
    offered = [s.strip() for s in signature.split(" ") if s.strip()]
    if not any(hmac.compare_digest(expected, s) for s in offered):
        raise Unauthenticated("the signature does not match the shared secret")

"""Signing manifests with an Ed25519 key that MLflow's administrators do not hold.

Make a key pair with OpenSSL: `openssl genpkey -algorithm ed25519 -out signing.pem` and
`openssl pkey -in signing.pem -pubout -out signing.pub`; set GOVFLOW_SIGNING_KEY to the private key's
path where governance jobs run, and give auditors the public key.
"""

from __future__ import annotations

import base64
from pathlib import Path


def sign(key_path: Path, data: bytes) -> bytes:
    """The base64 Ed25519 signature of `data` with the PEM private key at `key_path`."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(Path(key_path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{key_path}: not an Ed25519 private key")
    return base64.b64encode(key.sign(data)) + b"\n"

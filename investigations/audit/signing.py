"""Signing tree heads with Ed25519 (RFC 8032, through `cryptography`).

The key is derived from AUDIT_SIGNING_KEY (or AUDIT_SIGNING_KEY_FILE), or from a secret the embedded
default makes for itself under var/. Publish `manage.py audit key` and heads (`audit head`) somewhere
the database's administrators cannot write: a head kept elsewhere proves the log's past even to
someone who doubts the server.
"""

import struct
from hashlib import sha256

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

DOMAIN = b"ChainSleuth audit tree head v1\x00"  # a signature over a head can never pass for anything else


def head_message(size: int, root: bytes, at_ms: int) -> bytes:
    return DOMAIN + struct.pack(">QQ", size, at_ms) + root


def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(sha256(settings.AUDIT_SIGNING_KEY.encode()).digest())


def public_key_bytes(key: Ed25519PrivateKey | None = None) -> bytes:
    return (key or private_key()).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: bytes) -> str:
    return sha256(public).hexdigest()[:16]


def sign(size: int, root: bytes, at_ms: int) -> tuple[str, str]:
    """(key id, signature) in hex."""
    key = private_key()
    return key_id(public_key_bytes(key)), key.sign(head_message(size, root, at_ms)).hex()


def verify(public: bytes, size: int, root: bytes, at_ms: int, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(bytes.fromhex(signature), head_message(size, root, at_ms))
    except (InvalidSignature, ValueError):
        return False
    return True

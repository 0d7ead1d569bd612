"""Credentials for a Celery worker, sealed so they never travel in clear.

A run executed by a Celery worker needs the broker password, but a task
message sits in someone's broker (and in its logs and management UI). The web
process therefore seals the secrets with a key derived from
settings.SECRET_KEY, which web and worker share: HMAC-SHA256 in counter mode
as the keystream (encryption), then HMAC-SHA256 over nonce + ciphertext
(authentication), with an expiry so a leaked message is useless after the
run. Only the standard library is used (the site has no crypto dependency).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import time
from typing import Any

_VERSION = b"s1"
_NONCE_BYTES = 16
_TAG_BYTES = 32


class SealError(ValueError):
    """The sealed token is damaged, forged, sealed with another key, or expired."""


def _derive_key(purpose: bytes) -> bytes:
    from django.conf import settings

    return hashlib.sha256(
        b"kb.live-checks." + purpose + b"\0" + settings.SECRET_KEY.encode()
    ).digest()


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hmac.new(key, nonce + struct.pack(">Q", counter), hashlib.sha256).digest())
    return b"".join(blocks)[:length]


def seal(payload: dict[str, Any], *, ttl_s: float = 600.0) -> str:
    """Encrypt and authenticate a small JSON payload; returns an ASCII token."""
    body = json.dumps({"exp": time.time() + ttl_s, "data": payload}).encode()
    nonce = os.urandom(_NONCE_BYTES)
    stream = _keystream(_derive_key(b"enc"), nonce, len(body))
    cipher = bytes(a ^ b for a, b in zip(body, stream, strict=True))
    tag = hmac.new(_derive_key(b"mac"), _VERSION + nonce + cipher, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(_VERSION + nonce + tag + cipher).decode()


def unseal(token: str) -> dict[str, Any]:
    """Reverse `seal`. Raises SealError when anything is wrong."""
    try:
        raw = base64.urlsafe_b64decode(token.encode())
    except (ValueError, TypeError) as exc:
        raise SealError("sealed credentials are not valid base64") from exc
    head = len(_VERSION)
    if raw[:head] != _VERSION or len(raw) < head + _NONCE_BYTES + _TAG_BYTES:
        raise SealError("sealed credentials have an unknown format")
    nonce = raw[head : head + _NONCE_BYTES]
    tag = raw[head + _NONCE_BYTES : head + _NONCE_BYTES + _TAG_BYTES]
    cipher = raw[head + _NONCE_BYTES + _TAG_BYTES :]
    expected = hmac.new(_derive_key(b"mac"), _VERSION + nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise SealError("sealed credentials fail authentication (another SECRET_KEY?)")
    stream = _keystream(_derive_key(b"enc"), nonce, len(cipher))
    body = json.loads(bytes(a ^ b for a, b in zip(cipher, stream, strict=True)))
    if body["exp"] < time.time():
        raise SealError("sealed credentials expired before a worker picked the run up")
    return body["data"]

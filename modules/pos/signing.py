"""Ticket signatures made on the device (PO-8, docs/adr/0014).

A device gets a random key when it is registered at a till; it keeps it in IndexedDB and signs
every ticket it makes: HMAC-SHA256 over the ticket's canonical text. `static/pos/till.js`
builds the same text (`canonicalText`): JSON with keys sorted, no spaces, non-ASCII kept,
amounts as strings with two places, ids and quantities as integers. A ticket whose content is
changed after signing (in IndexedDB, in transit) no longer matches and is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def new_device_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _key_bytes(key: str) -> bytes:
    return base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))


def canonical_text(payload: dict[str, Any]) -> str:
    return _ENCODER.encode(payload)


def content_sha256(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_text(payload).encode()).hexdigest()


def sign(key: str, payload: dict[str, Any]) -> str:
    return hmac.new(_key_bytes(key), canonical_text(payload).encode(), hashlib.sha256).hexdigest()


def signature_ok(key: str, payload: dict[str, Any], signature: str) -> bool:
    if not key or not isinstance(signature, str):
        return False
    return hmac.compare_digest(sign(key, payload), signature.lower())

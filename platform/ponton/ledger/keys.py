"""The per-structure key that signs ledger entries and anchors (PO-7, docs/adr/0013).

The key is derived from the server's SECRET_KEY and the structure's schema name, and is never
stored: someone who can write to the database but does not hold SECRET_KEY can rebuild a
SHA-256 chain, not its signatures. Rotation follows Django's (and `ponton.web.sealed`'s): a
signature made under a key now in SECRET_KEY_FALLBACKS still verifies; new ones use the
current SECRET_KEY.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings
from django.db import connection


@lru_cache(maxsize=256)
def _key(secret: str, schema_name: str) -> bytes:
    base = hashlib.sha256(f"ponton-ledger:{secret}".encode()).digest()
    return hmac.new(base, schema_name.encode(), hashlib.sha256).digest()


def _secrets() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def sign(*, schema_name: str, message: str) -> str:
    """HMAC-SHA256 of `message` under the structure's key from the current SECRET_KEY."""
    return hmac.new(
        _key(settings.SECRET_KEY, schema_name), message.encode(), hashlib.sha256
    ).hexdigest()


def signature_ok(*, schema_name: str, message: str, signature: str) -> bool:
    """Whether `signature` is the HMAC of `message` under the key of SECRET_KEY or of one of
    SECRET_KEY_FALLBACKS."""
    for secret in _secrets():
        expected = hmac.new(_key(secret, schema_name), message.encode(), hashlib.sha256)
        if hmac.compare_digest(expected.hexdigest(), signature or ""):
            return True
    return False


def current_schema() -> str:
    """The schema of the structure whose ledger is being read or written."""
    return connection.schema_name  # type: ignore[attr-defined]  # django-tenants

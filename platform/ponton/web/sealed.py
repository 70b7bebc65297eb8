"""Secrets of third parties kept sealed in the database (a structure's Stripe secret key and
webhook secret): encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from
Django's SECRET_KEY, so a copy of the database or a backup does not hand them out.

Rotation follows Django's: a new SECRET_KEY with the old one in SECRET_KEY_FALLBACKS still
opens what the old key sealed, and every save seals again under the current key. A value
sealed under a key that is no longer there cannot be opened: it reads as empty (logged), and
the structure enters it again."""

from __future__ import annotations

import base64
import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

logger = logging.getLogger("ponton.security")

PREFIX = "sealed:"


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(hashlib.sha256(f"ponton-sealed:{key}".encode()).digest())
            )
            for key in keys
        ]
    )


def seal(value: str) -> str:
    if not value:
        return ""
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def unseal(stored: str) -> str:
    """The clear value of `stored`. A value without the prefix was written before sealing
    existed and is returned as it is (the migration seals those)."""
    if not stored or not stored.startswith(PREFIX):
        return stored or ""
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        logger.error("a sealed value cannot be opened with the current SECRET_KEY")
        return ""


class SealedTextField(models.TextField):
    """A text column holding `seal(value)`; the model attribute is the clear value. Not for
    lookups (each seal of the same value differs)."""

    def from_db_value(self, value, expression, connection):
        return unseal(value) if value is not None else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return seal(unseal(value))  # a value read sealed by a raw query is not sealed twice

"""Idempotency keys of the API's complete sale (`Idempotency-Key` on `POST /api/v1/sales/`,
docs/api.md): a client that lost the answer to a sale (a cut connection, a killed server) sends
the same request with the same key and gets the first answer back, not a second sale."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ponton.sales.models import Order, SaleKey

KEY_MAX_LENGTH = 200


class SaleKeyError(Exception):
    """A key that cannot be used, in French; `status` is the HTTP answer's."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def sale_key_check(key: str) -> str:
    """The header's key, or a refusal: 1 to 200 printable ASCII characters."""
    if not (1 <= len(key) <= KEY_MAX_LENGTH) or not all(" " < c <= "~" for c in key):
        raise SaleKeyError(
            _(
                "L'en-tête Idempotency-Key doit compter de 1 à %(max)s caractères ASCII "
                "imprimables, sans espace."
            )
            % {"max": KEY_MAX_LENGTH},
            400,
        )
    return key


def request_fingerprint(data: object) -> str:
    """The same request, the same fingerprint (keys sorted): what a key was first used for."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def sale_key_answer(*, key: str, fingerprint: str) -> dict | None:
    """The answer already given for this key (committed), None if the key is free. The same
    key with another request is refused (422): it would hide a different sale."""
    row = SaleKey.objects.filter(key=key).only("fingerprint", "answer").first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise SaleKeyError(
            _(
                "Cette clé Idempotency-Key a déjà servi pour une autre vente : "
                "prenez-en une nouvelle."
            ),
            422,
        )
    return row.answer


def sale_key_take(*, key: str, fingerprint: str) -> SaleKey | None:
    """Take the key inside the sale's transaction, before the sale: a second request with the
    same key waits here until the first's transaction ends; None when the first committed (the
    caller answers with `sale_key_answer` once out of its transaction). A refused sale rolls
    the key back with it: the key is free again."""
    try:
        with transaction.atomic():
            return SaleKey.objects.create(key=key, fingerprint=fingerprint)
    except IntegrityError:
        return None


def sale_key_keep(*, row: SaleKey, order: Order, answer: dict) -> None:
    """The sale is made: its key keeps the order and the answer, in the same transaction."""
    row.order = order
    row.answer = answer
    row.save(update_fields=["order", "answer"])

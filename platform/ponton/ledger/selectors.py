"""Reads of the ledger: its verification (PO-7)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils.translation import gettext as _

from ponton.ledger import canonical
from ponton.ledger.models import GENESIS_HASH, LedgerEntry, LedgerHead

CHUNK = 5_000
FIELDS = (
    "position",
    "recorded_at",
    "kind",
    "reference",
    "payload",
    "sales_amount",
    "payments_amount",
    "sales_total",
    "payments_total",
    "previous_hash",
    "hash",
)


@dataclass(frozen=True)
class Verification:
    entries: int
    broken_position: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_position is None and not self.reason


def _stored_rows():
    """Every entry in chain order, as stored (FIELDS): read through a server-side cursor in
    chunks (a long chain is never held in memory at once), without the ORM's per-row
    conversions."""
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in FIELDS)
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY position")  # noqa: S608
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def ledger_verify() -> Verification:
    """Recompute the chain of the current structure from the first entry: positions without
    gaps, each entry's previous hash, its own hash over its canonical content, the perpetual
    totals, and the head. Stops at the first entry that does not match and names it."""
    expected_position = 1
    previous = GENESIS_HASH
    sales_total = payments_total = Decimal("0.00")
    count = 0
    for row in _stored_rows():
        (
            position,
            recorded_at,
            kind,
            reference,
            payload,
            sales_amount,
            payments_amount,
            entry_sales_total,
            entry_payments_total,
            previous_hash,
            stored_hash,
        ) = row
        if position != expected_position:
            return _broken(
                count,
                position,
                _("écriture n° %(expected)s manquante (suivante trouvée : n° %(found)s)")
                % {"expected": expected_position, "found": position},
            )
        if previous_hash != previous:
            return _broken(count, position, _("le chaînage avec l'écriture précédente est rompu"))
        sales_total += sales_amount
        payments_total += payments_amount
        if entry_sales_total != sales_total or entry_payments_total != payments_total:
            return _broken(
                count, position, _("les totaux perpétuels ne correspondent pas aux montants")
            )
        recomputed = canonical.stored_entry_hash(
            position=position,
            recorded_at=recorded_at,
            kind=kind,
            reference=reference,
            payload=json.loads(payload) if isinstance(payload, str) else payload,
            sales_amount=sales_amount,
            payments_amount=payments_amount,
            sales_total=entry_sales_total,
            payments_total=entry_payments_total,
            previous_hash=previous_hash,
        )
        if recomputed != stored_hash:
            return _broken(count, position, _("l'empreinte ne correspond pas au contenu"))
        previous = stored_hash
        expected_position += 1
        count += 1
    head = LedgerHead.objects.get(pk=True)
    if head.position != count or head.hash != previous:
        return Verification(
            entries=count,
            broken_position=None,
            reason=_(
                "la tête du journal (n° %(position)s) ne correspond pas à la dernière écriture"
            )
            % {"position": head.position},
        )
    return Verification(entries=count)


def _broken(count: int, position: int, reason: str) -> Verification:
    return Verification(entries=count, broken_position=position, reason=reason)


def ledger_entries(*, limit: int = 100):
    return LedgerEntry.objects.order_by("-position")[:limit]

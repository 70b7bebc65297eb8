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


def _stored_entries():
    """Every entry in chain order, as stored: read through a server-side cursor in chunks
    (a long chain is never held in memory at once), without the ORM's per-row conversions;
    the payload is decoded from its JSON text."""
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in FIELDS)
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY position")  # noqa: S608
        while rows := cursor.fetchmany(CHUNK):
            for row in rows:
                entry = dict(zip(FIELDS, row, strict=True))
                if isinstance(entry["payload"], str):
                    entry["payload"] = json.loads(entry["payload"])
                yield entry


def ledger_verify() -> Verification:
    """Recompute the chain of the current structure from the first entry: positions without
    gaps, each entry's previous hash, its own hash over its canonical content, the perpetual
    totals, and the head. Stops at the first entry that does not match and names it."""
    expected_position = 1
    previous = GENESIS_HASH
    sales_total = payments_total = Decimal("0.00")
    count = 0
    for entry in _stored_entries():
        position = entry["position"]

        def broken(reason: str, position=position, count=count) -> Verification:
            return Verification(entries=count, broken_position=position, reason=reason)

        if position != expected_position:
            return broken(
                _("écriture n° %(expected)s manquante (suivante trouvée : n° %(found)s)")
                % {"expected": expected_position, "found": position}
            )
        if entry["previous_hash"] != previous:
            return broken(_("le chaînage avec l'écriture précédente est rompu"))
        sales_total += entry["sales_amount"]
        payments_total += entry["payments_amount"]
        if entry["sales_total"] != sales_total or entry["payments_total"] != payments_total:
            return broken(_("les totaux perpétuels ne correspondent pas aux montants"))
        stored_hash = entry.pop("hash")
        if canonical.stored_entry_hash(**entry) != stored_hash:
            return broken(_("l'empreinte ne correspond pas au contenu"))
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


def ledger_entries(*, limit: int = 100):
    return LedgerEntry.objects.order_by("-position")[:limit]

"""Reads of the ledger: its verification against its signatures and anchors (PO-7)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ponton.ledger import canonical, keys
from ponton.ledger.models import GENESIS_HASH, LedgerEntry, LedgerHead
from tenants.models import LedgerAnchor

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
    "signature",
)


@dataclass(frozen=True)
class Verification:
    """The result of `ledger_verify`: `ok`, or the first entry that does not match
    (`broken_position`, None when the entries hold but the head or an anchor does not) and
    `reason`, the first of `problems` (every problem found, in French)."""

    entries: int
    broken_position: int | None = None
    reason: str = ""
    problems: tuple[str, ...] = ()
    anchors: int = 0

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
    gaps, each entry's previous hash, its own hash over its canonical content, its keyed
    signature (a chain rebuilt without the key fails here), the perpetual totals; then compare
    the chain and its head with the structure's anchors kept in the public schema (a tail cut
    off or a head moved back fails there). Stops at the first entry that does not match and
    names it."""
    schema_name = keys.current_schema()
    anchors, problems = _signed_anchors(schema_name)
    return _verify(schema_name, anchors, problems)


def ledger_verify_moved(*, schema_name_before: str, anchors: list[LedgerAnchor]) -> Verification:
    """`ledger_verify` of a ledger restored from another schema (manage.py structure_import,
    docs/adr/0023): the current schema's chain is checked under the key of `schema_name_before`
    (the schema it was signed in), against `anchors` (unsaved, as they were in the archive,
    with the structure id of their origin) whose signatures are checked under that key too."""
    trusted, problems = [], []
    for anchor in anchors:
        if keys.signature_ok(
            schema_name=schema_name_before,
            message=canonical.anchor_text_of(anchor),
            signature=anchor.signature,
        ):
            trusted.append(anchor)
        else:
            problems.append(
                _("l'ancre du %(date)s (n° %(position)s) : signature invalide")
                % {"date": _when(anchor), "position": anchor.position}
            )
    return _verify(schema_name_before, trusted, problems)


def _verify(schema_name: str, anchors: list[LedgerAnchor], problems: list[str]) -> Verification:
    at_position: dict[int, list[LedgerAnchor]] = {}
    for anchor in anchors:
        at_position.setdefault(anchor.position, []).append(anchor)
    count, previous, broken = _walk_chain(schema_name, at_position)
    if broken is not None:
        position, reason = broken
        return Verification(
            entries=count,
            broken_position=position,
            reason=reason,
            problems=(reason, *problems),
            anchors=len(anchors),
        )
    broken_position = None
    head = LedgerHead.objects.get(pk=True)
    last_anchor = max(anchors, key=lambda a: (a.position, a.anchored_at), default=None)
    if last_anchor is not None and last_anchor.position > count:
        broken_position = count + 1
        problems.insert(
            0,
            _(
                "les écritures après le n° %(last)s manquent : l'ancre du %(date)s atteste le n° "
                "%(anchored)s"
            )
            % {"last": count, "date": _when(last_anchor), "anchored": last_anchor.position},
        )
    if head.position != count or head.hash != previous:
        problems.append(
            _(
                "la tête du journal (n° %(position)s) ne correspond pas à la dernière écriture "
                "(n° %(last)s)"
            )
            % {"position": head.position, "last": count}
        )
    if last_anchor is not None and head.position < last_anchor.position:
        problems.append(
            _(
                "la tête du journal (n° %(position)s) est revenue en deçà de l'ancre du "
                "%(date)s (n° %(anchored)s)"
            )
            % {
                "position": head.position,
                "date": _when(last_anchor),
                "anchored": last_anchor.position,
            }
        )
    return Verification(
        entries=count,
        broken_position=broken_position,
        reason=problems[0] if problems else "",
        problems=tuple(problems),
        anchors=len(anchors),
    )


def _signed_anchors(schema_name: str) -> tuple[list[LedgerAnchor], list[str]]:
    """The structure's anchors whose signature holds, and a problem for each one that does
    not (such an anchor is not trusted for anything else)."""
    anchors, problems = [], []
    for anchor in LedgerAnchor.objects.filter(structure__schema_name=schema_name).order_by(
        "position", "anchored_at"
    ):
        if keys.signature_ok(
            schema_name=schema_name,
            message=canonical.anchor_text_of(anchor),
            signature=anchor.signature,
        ):
            anchors.append(anchor)
        else:
            problems.append(
                _("l'ancre du %(date)s (n° %(position)s) : signature invalide")
                % {"date": _when(anchor), "position": anchor.position}
            )
    return anchors, problems


def _walk_chain(
    schema_name: str, at_position: dict[int, list[LedgerAnchor]]
) -> tuple[int, str, tuple[int, str] | None]:
    """(entries that hold, hash of the last of them, (position, reason) of the first entry
    that does not or None)."""
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
            signature,
        ) = row
        if position != expected_position:
            return (
                count,
                previous,
                (
                    position,
                    _("écriture n° %(expected)s manquante (suivante trouvée : n° %(found)s)")
                    % {"expected": expected_position, "found": position},
                ),
            )
        if previous_hash != previous:
            return (
                count,
                previous,
                (position, _("le chaînage avec l'écriture précédente est rompu")),
            )
        sales_total += sales_amount
        payments_total += payments_amount
        if entry_sales_total != sales_total or entry_payments_total != payments_total:
            return (
                count,
                previous,
                (position, _("les totaux perpétuels ne correspondent pas aux montants")),
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
            return count, previous, (position, _("l'empreinte ne correspond pas au contenu"))
        if not keys.signature_ok(schema_name=schema_name, message=stored_hash, signature=signature):
            return (
                count,
                previous,
                (position, _("signature invalide : la chaîne a été recalculée sans la clé")),
            )
        for anchor in at_position.get(position, ()):
            if (anchor.hash, anchor.sales_total, anchor.payments_total) != (
                stored_hash,
                entry_sales_total,
                entry_payments_total,
            ):
                return (
                    count,
                    previous,
                    (
                        position,
                        _("l'écriture ne correspond pas à l'ancre du %(date)s")
                        % {"date": _when(anchor)},
                    ),
                )
        previous = stored_hash
        expected_position += 1
        count += 1
    return count, previous, None


def _when(anchor: LedgerAnchor) -> str:
    return formats.date_format(timezone.localtime(anchor.anchored_at), "DATETIME_FORMAT")


def ledger_entries(*, limit: int = 100):
    return LedgerEntry.objects.order_by("-position")[:limit]

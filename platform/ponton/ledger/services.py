"""Writes of the ledger: append an entry, record closings (PO-7, OR-11).

`ledger_append` must run inside the transaction that creates the financial document or
payment it records: both are saved, or neither. It locks the head row, so entries of one
structure are appended one at a time, in order, without gaps. Inside `ledger_batch()` (a
complete sale) the events are queued and appended together at the end of the block, under one
lock of the head (docs/adr/0008)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.ledger import canonical, keys
from ponton.ledger.models import LedgerEntry, LedgerHead
from ponton.web.batches import TransactionBatch
from tenants.models import LedgerAnchor, Structure

CENT = Decimal("0.01")
CLOSINGS = {
    "day": LedgerEntry.Kind.CLOSING_DAY,
    "month": LedgerEntry.Kind.CLOSING_MONTH,
    "year": LedgerEntry.Kind.CLOSING_YEAR,
}


class LedgerError(Exception):
    """A refused ledger operation, with a French message."""


def _amount(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError("ledger amounts are Decimal")
    return value.quantize(CENT)


@dataclass(frozen=True)
class _Event:
    """What an entry records, before its place in the chain is known."""

    kind: str
    reference: str
    payload: dict[str, Any]
    sales_amount: Decimal = Decimal("0.00")
    payments_amount: Decimal = Decimal("0.00")


def ledger_append(
    *,
    kind: str,
    reference: str,
    payload: dict[str, Any],
    sales_amount: Decimal = Decimal("0"),
    payments_amount: Decimal = Decimal("0"),
) -> LedgerEntry | None:
    """Append one financial event. `sales_amount` is its effect on the perpetual total of
    sales documents (an invoice +, a credit note −), `payments_amount` on money received (a
    payment +, a refund −). The first entry of a new day is preceded by the closings of the
    periods that ended since the previous entry. Inside `ledger_batch()` the event is queued
    (None is returned) and appended at the end of the batch."""
    if kind not in LedgerEntry.Kind.values or kind in CLOSINGS.values():
        raise ValueError(f"not an event kind: {kind!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_append runs inside the transaction of what it records")
    event = _Event(kind, reference, payload, _amount(sales_amount), _amount(payments_amount))
    if ledger_batch.queue(event):
        return None
    return _append_events([event])[0]


def _append_events(events: list[_Event]) -> list[LedgerEntry]:
    """Lock the head, record the closings due, append `events` in order (one INSERT) and move
    the head (one UPDATE)."""
    head = LedgerHead.objects.select_for_update().get(pk=True)
    today = timezone.localdate()
    if head.last_day is not None and head.last_day < today:
        _close_due(head=head, today=today)
    entries = []
    for event in events:
        entry = _next_entry(head, event)
        _move_head(head, entry)
        entries.append(entry)
    LedgerEntry.objects.bulk_create(entries)
    head.save()
    return entries


ledger_batch = TransactionBatch("ledger_batch", _append_events)
"""`with ledger_batch():` — the events of the block are appended at its end, together."""


def _next_entry(head: LedgerHead, event: _Event) -> LedgerEntry:
    """The entry of `event` after `head` (not saved), with its hash."""
    entry = LedgerEntry(
        position=head.position + 1,
        recorded_at=timezone.now(),
        kind=event.kind,
        reference=event.reference,
        payload=canonical.reduce(event.payload),
        sales_amount=event.sales_amount,
        payments_amount=event.payments_amount,
        sales_total=_amount(head.sales_total + event.sales_amount),
        payments_total=_amount(head.payments_total + event.payments_amount),
        previous_hash=head.hash,
    )
    entry.hash = hash_of(entry)
    entry.signature = keys.sign(schema_name=keys.current_schema(), message=entry.hash)
    return entry


def _move_head(head: LedgerHead, entry: LedgerEntry) -> None:
    head.position, head.hash = entry.position, entry.hash
    head.sales_total, head.payments_total = entry.sales_total, entry.payments_total
    head.last_day = timezone.localdate(entry.recorded_at)


def _append(head: LedgerHead, event: _Event) -> LedgerEntry:
    """Append one entry after `head`, which the caller holds locked, and move the head."""
    entry = _next_entry(head, event)
    entry.save(force_insert=True)
    _move_head(head, entry)
    head.save()
    return entry


def ledger_anchor(*, reason: str) -> LedgerAnchor:
    """Record where the current structure's chain stands (last position, hash, perpetual
    totals) in the public schema, signed with the structure's key: `verify_ledger` then
    notices a chain cut short or a head moved back behind it. The ledger anchors its own
    closings; the till anchors its Z closings (`reason="till_closing"`); `archive_build`
    anchors each archive. Call it after a `ledger_batch()` block, not inside: the batch's
    entries are appended at its end."""
    if reason not in LedgerAnchor.Reason.values:
        raise ValueError(f"unknown anchor reason {reason!r}")
    if ledger_batch.is_open():
        raise RuntimeError("ledger_anchor runs after the ledger_batch() block")
    with transaction.atomic():
        head = LedgerHead.objects.select_for_update().get(pk=True)
        return _anchor(head=head, reason=reason)


def _anchor(*, head: LedgerHead, reason: str) -> LedgerAnchor:
    schema_name = keys.current_schema()
    structure_id = Structure.objects.values_list("pk", flat=True).get(schema_name=schema_name)
    anchor = LedgerAnchor(
        structure_id=structure_id,
        position=head.position,
        hash=head.hash,
        sales_total=_amount(Decimal(head.sales_total)),
        payments_total=_amount(Decimal(head.payments_total)),
        anchored_at=timezone.now(),
        reason=reason,
    )
    anchor.signature = keys.sign(schema_name=schema_name, message=canonical.anchor_text_of(anchor))
    anchor.save(force_insert=True)
    return anchor


def hash_of(entry: LedgerEntry) -> str:
    return canonical.entry_hash(
        position=entry.position,
        recorded_at=entry.recorded_at,
        kind=entry.kind,
        reference=entry.reference,
        payload=entry.payload,
        sales_amount=entry.sales_amount,
        payments_amount=entry.payments_amount,
        sales_total=entry.sales_total,
        payments_total=entry.payments_total,
        previous_hash=entry.previous_hash,
    )


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the day, month or year containing `day`."""
    if period == "day":
        return day, day
    if period == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if period == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    raise ValueError(f"unknown period {period!r}")


@transaction.atomic
def ledger_close(*, period: str, day: dt.date) -> LedgerEntry:
    """Record the closing of the day, month or year containing `day` in the chain: the
    period's sums by kind and the perpetual totals at closing. A period closes once, only
    when it is over."""
    head = LedgerHead.objects.select_for_update().get(pk=True)
    return _close(head=head, period=period, day=day, today=timezone.localdate())


def _close(*, head: LedgerHead, period: str, day: dt.date, today: dt.date) -> LedgerEntry:
    kind = CLOSINGS.get(period)
    if kind is None:
        raise ValueError(f"unknown period {period!r}")
    first, last = period_bounds(period, day)
    if last >= today:
        raise LedgerError(_("Une période ne se clôture qu'une fois terminée."))
    key = f"{first.isoformat()}/{last.isoformat()}"
    if LedgerEntry.objects.filter(kind=kind, reference=key).exists():
        raise LedgerError(_("Cette période est déjà clôturée."))
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    entries = LedgerEntry.objects.filter(recorded_at__gte=start, recorded_at__lt=end).exclude(
        kind__in=CLOSINGS.values()
    )
    by_kind: dict[str, dict[str, Any]] = {}
    sales = payments = Decimal("0.00")
    for entry_kind, sales_amount, payments_amount in entries.values_list(
        "kind", "sales_amount", "payments_amount"
    ):
        row = by_kind.setdefault(
            entry_kind, {"count": 0, "sales": Decimal("0.00"), "payments": Decimal("0.00")}
        )
        row["count"] += 1
        row["sales"] += sales_amount
        row["payments"] += payments_amount
        sales += sales_amount
        payments += payments_amount
    closing = _append(
        head,
        _Event(
            kind=kind,
            reference=key,
            payload={
                "period": period,
                "first_day": first,
                "last_day": last,
                "by_kind": by_kind,
                "sales": sales,
                "payments": payments,
                "sales_total": head.sales_total,
                "payments_total": head.payments_total,
                "last_position": head.position,
            },
        ),
    )
    _anchor(head=head, reason=LedgerAnchor.Reason.CLOSING)
    return closing


@transaction.atomic
def ledger_close_due(*, today: dt.date | None = None) -> list[LedgerEntry]:
    """Close every day, month and year that ended since the first entry and is not closed
    yet (`manage.py close_ledger`; appends do it by themselves on a new day)."""
    head = LedgerHead.objects.select_for_update().get(pk=True)
    return _close_due(head=head, today=today or timezone.localdate())


def _close_due(*, head: LedgerHead, today: dt.date) -> list[LedgerEntry]:
    first_entry = (
        LedgerEntry.objects.exclude(kind__in=CLOSINGS.values()).order_by("position").first()
    )
    if first_entry is None:
        return []
    start = timezone.localtime(first_entry.recorded_at).date()
    closed = []
    for period in ("day", "month", "year"):
        done = set(
            LedgerEntry.objects.filter(kind=CLOSINGS[period]).values_list("reference", flat=True)
        )
        day = start
        while True:
            first, last = period_bounds(period, day)
            if last >= today:
                break
            if f"{first.isoformat()}/{last.isoformat()}" not in done:
                closed.append(_close(head=head, period=period, day=first, today=today))
            day = last + dt.timedelta(days=1)
    return closed

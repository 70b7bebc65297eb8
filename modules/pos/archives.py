"""Monthly and yearly archives of a till (PO-7 "archivage", docs/adr/0014): a ZIP of the
period's tickets, closings and ledger entries (CSV + JSON) with a manifest of SHA-256 digests
signed with the structure's Ed25519 key (`ponton.ledger.archives.archive_build`). Produced by
the periodic task for every period that ended, and on demand from "Historique des clôtures";
`manage.py verify_archive FILE` checks a downloaded one offline."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modules.pos.models import Ticket, Till, TillArchive, TillClosing
from modules.pos.services import TillError
from ponton.ledger.archives import archive_build
from ponton.ledger.services import period_bounds

TICKET_COLUMNS = [
    "number",
    "sold_at",
    "recorded_at",
    "till",
    "device",
    "session",
    "sequence",
    "customer_id",
    "order",
    "document",
    "total",
    "change_given",
    "offline",
    "overbooked_sessions",
    "cancels",
    "idempotency_key",
    "content_sha256",
    "signature",
]
CLOSING_COLUMNS = [
    "number",
    "session",
    "closed_at",
    "actor",
    "sales_total",
    "difference",
    "grand_total_sales",
    "grand_total_payments",
    "ledger_position",
    "ledger_hash",
    "counted",
    "report",
]


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def _ticket_row(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "sold_at": ticket.sold_at.isoformat(),
        "recorded_at": ticket.recorded_at.isoformat(),
        "till": ticket.till.code,
        "device": ticket.device.number,
        "session": ticket.session.number,
        "sequence": ticket.sequence,
        "customer_id": ticket.customer_id,
        "order": ticket.order.number if ticket.order else "",
        "document": ticket.document.number if ticket.document else "",
        "total": str(ticket.total),
        "change_given": str(ticket.change_given),
        "offline": ticket.offline,
        "overbooked_sessions": ticket.overbooked_sessions,
        "cancels": ticket.cancels.number if ticket.cancels else "",
        "idempotency_key": str(ticket.idempotency_key),
        "content_sha256": ticket.content_sha256,
        "signature": ticket.signature,
    }


def _closing_row(closing: TillClosing) -> dict[str, Any]:
    return {
        "number": closing.number,
        "session": closing.session.number,
        "closed_at": closing.closed_at.isoformat(),
        "actor": closing.actor_name,
        "sales_total": str(closing.sales_total),
        "difference": str(closing.difference),
        "grand_total_sales": str(closing.grand_total_sales),
        "grand_total_payments": str(closing.grand_total_payments),
        "ledger_position": closing.ledger_position,
        "ledger_hash": closing.ledger_hash,
        "counted": closing.counted,
        "report": closing.report,
    }


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                for k, v in row.items()
            }
        )
    return out.getvalue().encode()


def _json(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps(rows, ensure_ascii=False, indent=1, sort_keys=True).encode()


def till_archive_produce(*, till: Till, period: str, day: dt.date) -> TillArchive:
    """The archive of the month or year containing `day`, produced once (an existing one is
    returned); only for a period that is over."""
    if period not in TillArchive.Period.values:
        raise TillError(_("Choisissez une archive mensuelle ou annuelle."), field="period")
    first, last = period_bounds(period, day)
    if last >= timezone.localdate():
        raise TillError(_("Cette période n'est pas terminée : elle s'archive une fois finie."))
    existing = TillArchive.objects.filter(till=till, period=period, first_day=first).first()
    if existing is not None:
        return existing
    start, end = _bounds(first, last)
    tickets = list(
        Ticket.objects.filter(till=till, sold_at__gte=start, sold_at__lt=end)
        .select_related("till", "device", "session", "order", "document", "cancels")
        .order_by("sold_at", "id")
    )
    closings = list(
        TillClosing.objects.filter(till=till, closed_at__gte=start, closed_at__lt=end)
        .select_related("session")
        .order_by("number")
    )
    ticket_rows = [_ticket_row(t) for t in tickets]
    closing_rows = [_closing_row(c) for c in closings]
    label = _("Caisse « %(name)s » (%(code)s)") % {"name": till.name, "code": till.code}
    data = archive_build(
        first_day=first,
        last_day=last,
        label=label,
        extra_files={
            "tickets.csv": _csv(ticket_rows, TICKET_COLUMNS),
            "tickets.json": _json(ticket_rows),
            "closings.csv": _csv(closing_rows, CLOSING_COLUMNS),
            "closings.json": _json(closing_rows),
        },
    )
    name = f"archive-{till.code}-{period}-{first:%Y%m%d}-{last:%Y%m%d}.zip"
    archive = TillArchive(
        till=till,
        period=period,
        first_day=first,
        last_day=last,
        created_at=timezone.now(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        tickets=len(tickets),
    )
    archive.file.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            archive.save(force_insert=True)
    except IntegrityError:  # produced meanwhile by the periodic task
        archive.file.delete(save=False)
        return TillArchive.objects.get(till=till, period=period, first_day=first)
    return archive


def till_archives_due(*, till: Till, today: dt.date | None = None) -> list[TillArchive]:
    """Every month and year that ended since the till's first ticket and has no archive."""
    today = today or timezone.localdate()
    first_ticket = Ticket.objects.filter(till=till).order_by("sold_at").first()
    if first_ticket is None:
        return []
    start = timezone.localtime(first_ticket.sold_at).date()
    produced = []
    for period in (TillArchive.Period.MONTH, TillArchive.Period.YEAR):
        day = start
        while True:
            first, last = period_bounds(period, day)
            if last >= today:
                break
            if not TillArchive.objects.filter(till=till, period=period, first_day=first).exists():
                produced.append(till_archive_produce(till=till, period=period, day=first))
            day = last + dt.timedelta(days=1)
    return produced

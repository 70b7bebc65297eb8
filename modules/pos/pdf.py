"""The printed ticket ("justificatif d'achat", 80 mm) and the Z closing report (PO-3, PO-4, PO-7).

A French till ticket says who sold (name, address, SIRET, VAT number, as frozen on the
receipt it issued), its number, date and time, the till and the cashier, each line with its
quantity, unit price, total and VAT rate, the VAT per rate (HT, TVA, TTC), the total TTC,
the legal mention of each VAT exemption of its lines (CO-4: "TVA non applicable, art. 293 B du
CGI" for a structure in franchise, once per distinct reason), the payments per method and the
change given ("Rendu"), the purchase receipt's number, the
ledger reference (position and fingerprint of the ticket's entry), "Ticket à conserver", and,
on every print after the original, "DUPLICATA" with its count. A cancelling ticket says which
ticket it cancels; a cancelled ticket's reprint says which ticket cancelled it.

The same context renders the HTML page (printed by the browser with `pos/print.css`) and the
PDF (WeasyPrint, the page as tall as the ticket). Always in French."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation

from modules.pos.models import Ticket, TicketReprint, TillClosing
from ponton.billing import facturx_cii
from ponton.billing.models import Payment
from ponton.ledger.models import LedgerEntry

ZERO = Decimal("0.00")
PRINT_CSS = Path(__file__).resolve().parent / "static" / "pos" / "print.css"
TICKET_WIDTH_MM = 80
PX_TO_MM = 25.4 / 96


@dataclass(frozen=True)
class TicketLine:
    label: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class TicketVat:
    rate: Decimal
    base: Decimal
    vat: Decimal
    total: Decimal


@dataclass(frozen=True)
class TicketPayment:
    kind: str
    method: str
    tendered: Decimal  # what was handed over (cash: kept + change)
    refund: bool


def _stamp(moment) -> str:
    local = timezone.localtime(moment)
    return local.strftime("%d/%m/%Y %H:%M")


def _seller(ticket: Ticket, structure) -> dict:
    if ticket.document is not None:
        return ticket.document.seller
    from ponton.billing.services.documents import seller_of

    return seller_of(structure)


def ticket_context(ticket: Ticket, *, print_count: int, structure=None) -> dict:
    """What the ticket says; `print_count` 0 is the original, n > 0 the n-th DUPLICATA."""
    sign = Decimal(-1) if ticket.cancels_id else Decimal(1)
    document = ticket.document
    lines = []
    vat_rows = []
    vat_mentions: list[str] = []
    if document is not None:
        vat_mentions = facturx_cii.exemption_mentions(document)
        lines = [
            TicketLine(
                label=line.label,
                quantity=line.quantity,
                unit_price=sign * line.unit_price,
                total=sign * line.total,
                vat_rate=line.vat_rate,
            )
            for line in document.lines.order_by("position")
        ]
        vat_rows = [
            TicketVat(
                rate=Decimal(v["rate"]),
                base=sign * Decimal(v["base"]),
                vat=sign * Decimal(v["vat"]),
                total=sign * Decimal(v["total"]),
            )
            for v in document.vat
        ]
    payments = [
        TicketPayment(
            kind=str(Payment.Kind(p.kind).label),
            method=str(Payment.Method(p.method).label),
            tendered=p.amount + p.change_given,
            refund=p.kind == Payment.Kind.REFUND,
        )
        for p in ticket.till_payments.order_by("recorded_at", "pk")
    ]
    entry = (
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.TILL_TICKET, reference=ticket.number)
        .only("position", "hash")
        .first()
    )
    cancelled_by = Ticket.objects.filter(cancels=ticket).only("number").first()
    walk_in = ticket.customer_id == ticket.till.walk_in_customer_id
    return {
        "ticket": ticket,
        "seller": _seller(ticket, structure),
        "sold_at": _stamp(ticket.sold_at),
        "till_name": ticket.till.name,
        "cashier": ticket.actor_name,
        "customer": "" if walk_in else ticket.customer.full_name,
        "lines": lines,
        "vat_rows": vat_rows,
        "total_ht": sum((v.base for v in vat_rows), ZERO),
        "total_vat": sum((v.vat for v in vat_rows), ZERO),
        "total": ticket.total,
        "vat_mentions": vat_mentions,
        "payments": payments,
        "change_given": ticket.change_given,
        "document": document,
        "ledger_position": entry.position if entry else None,
        "ledger_hash": entry.hash[:16] if entry else "",
        "cancels": ticket.cancels.number if ticket.cancels else "",
        "cancelled_by": cancelled_by.number if cancelled_by else "",
        "print_count": print_count,
        "duplicate": print_count > 0,
    }


def recorded_print(ticket: Ticket, count: int) -> TicketReprint | None:
    return ticket.reprints.filter(count=count).first()


def _weasy(html: str, *, width_mm: int | None = None) -> bytes:
    from weasyprint import CSS, HTML

    document = HTML(string=html)
    if width_mm is None:
        return document.write_pdf()
    # A receipt is as tall as its content: measure it on a tall page, then print it to size.
    tall = CSS(string=f"@page {{ size: {width_mm}mm 2000mm; margin: 4mm }}")
    rendered = document.render(stylesheets=[tall])
    root = rendered.pages[0]._page_box.children[0]
    height_mm = int(root.margin_height() * PX_TO_MM) + 12
    exact = CSS(string=f"@page {{ size: {width_mm}mm {height_mm}mm; margin: 4mm }}")
    return document.write_pdf(stylesheets=[exact])


def ticket_pdf(ticket: Ticket, *, print_count: int, structure=None) -> bytes:
    with translation.override("fr"):
        context = ticket_context(ticket, print_count=print_count, structure=structure)
        html = render_to_string(
            "pos/pdf/ticket.html", {**context, "css": PRINT_CSS.read_text(encoding="utf-8")}
        )
    return _weasy(html, width_mm=TICKET_WIDTH_MM)


def ticket_filename(ticket: Ticket, print_count: int) -> str:
    suffix = f"-duplicata-{print_count}" if print_count else ""
    return f"ticket-{ticket.number}{suffix}.pdf"


# Z closings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosingMethod:
    label: str
    received: Decimal
    refunded: Decimal
    net: Decimal
    expected: Decimal
    counted: Decimal
    difference: Decimal


def closing_context(closing: TillClosing, *, structure=None) -> dict:
    """The Z report as it was frozen at closing (`TillClosing.report`), with what was
    counted and the differences, method by method."""
    report = closing.report
    expected = {m: Decimal(v) for m, v in report.get("expected", {}).items()}
    counted = {m: Decimal(v) for m, v in closing.counted.items()}
    methods = []
    for row in report.get("methods", []):
        method = row["method"]
        received, refunded = Decimal(row["received"]), Decimal(row["refunded"])
        methods.append(
            ClosingMethod(
                label=str(Payment.Method(method).label),
                received=received,
                refunded=refunded,
                net=received - refunded,
                expected=expected.get(method, ZERO),
                counted=counted.get(method, ZERO),
                difference=counted.get(method, ZERO) - expected.get(method, ZERO),
            )
        )
    from ponton.billing.services.documents import seller_of

    opened_at = closing.session.opened_at
    return {
        "closing": closing,
        "seller": seller_of(structure) if structure is not None else {},
        "till_name": closing.till.name,
        "opened_at": _stamp(opened_at),
        "closed_at": _stamp(closing.closed_at),
        "opened_by": closing.session.opened_by_name,
        "opening_float": Decimal(report.get("opening_float", "0")),
        "tickets": report.get("tickets", 0),
        "cancelled": report.get("cancelled", 0),
        "sales": Decimal(report.get("sales", "0")),
        "methods": methods,
        "cash_in": Decimal(report.get("cash_in", "0")),
        "cash_out": Decimal(report.get("cash_out", "0")),
        "overbooked": report.get("overbooked", 0),
        "offline": report.get("offline", 0),
        "ledger_hash": closing.ledger_hash[:16],
    }


def closing_pdf(closing: TillClosing, *, structure=None) -> bytes:
    with translation.override("fr"):
        html = render_to_string(
            "pos/pdf/closing.html", closing_context(closing, structure=structure)
        )
    return _weasy(html)


def closing_filename(closing: TillClosing) -> str:
    return f"cloture-{closing.till.code}-Z{closing.number}.pdf"

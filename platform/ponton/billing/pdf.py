"""French PDFs of invoices, credit notes, purchase receipts and quotes (OR-7, OR-8).

Every document is rendered from a Django template (`billing/pdf/<kind>.html`) by WeasyPrint
as PDF/A-3b. Invoices and credit notes then get their EN 16931 XML (`facturx_cii`)
embedded by the `factur-x` package (checked against the XSD first): a Factur-X PDF.

What a French invoice must say (CGI art. 242 nonies A of annex II, Code de commerce
L441-9): seller identity (name, address, SIREN/SIRET, VAT number), customer name and
address, a unique sequential number, the issue date, the date of the sale or service (the
session date is in the line label), each line's designation, quantity, unit price (HT and
TTC here), discount and VAT rate, totals per VAT rate (HT, TVA, TTC) and the total TTC,
the payment date and terms, the late-payment penalties and the fixed recovery fee (owed
by professional customers only), "TVA non applicable, art. 293 B du CGI" for a seller under
the VAT franchise and the legal mention of each other exemption reason of its lines (CO-4,
once per distinct reason), and for a credit note the invoice it corrects. Documents are rendered
from their frozen snapshots only (`Document.seller`, `Document.customer`, lines, VAT), so a
PDF rendered today says exactly what was issued. Always rendered in French."""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone, translation

from ponton.billing import facturx_cii, selectors
from ponton.billing.models import Document, Payment
from ponton.billing.money import ZERO, cents, vat_breakdown
from ponton.catalogue import vat
from ponton.catalogue.models import Product
from ponton.web.formats import money_text

QUOTE_VALIDITY_DAYS = 30


def euros(value) -> str:
    """Decimal("1234.5") -> "1 234,50 €": the `money` filter of the pages and the PDFs."""
    return money_text(value)


def day(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return value.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class PdfLine:
    """A line as printed; amounts are Decimals written by the templates' `money` and
    `percent` filters (`{% load formats %}`), as on the pages."""

    label: str
    quantity: int
    unit_price: Decimal  # TTC
    unit_price_ht: Decimal
    discount: Decimal
    vat_rate: Decimal
    total: Decimal
    accounting_code: str


@dataclass(frozen=True)
class PdfVat:
    rate: Decimal
    base: Decimal
    vat: Decimal
    total: Decimal


def _line(*, label, quantity, unit_price, discount, vat_rate, total, accounting_code) -> PdfLine:
    return PdfLine(
        label=label,
        quantity=quantity,
        unit_price=unit_price,
        unit_price_ht=cents(unit_price / (1 + vat_rate / 100)),
        discount=discount,
        vat_rate=vat_rate,
        total=total,
        accounting_code=accounting_code,
    )


def _vat_rows(vat: list[dict]) -> list[PdfVat]:
    return [
        PdfVat(
            rate=Decimal(v["rate"]),
            base=Decimal(v["base"]),
            vat=Decimal(v["vat"]),
            total=Decimal(v["total"]),
        )
        for v in vat
    ]


OPERATIONS = {
    "goods": "Livraison de biens",
    "services": "Prestation de services",
    "mixed": "Livraison de biens et prestation de services",
}


def _operation(products) -> str:
    """Nature of the operation for a quote's order lines (see `facturx_cii.operation_kind`)."""
    kinds = {
        "goods" if p is not None and p.kind == Product.Kind.SHOP_ITEM else "services"
        for p in products
    }
    return OPERATIONS[kinds.pop() if len(kinds) == 1 else "mixed"]


def _legal(*, vat_mentions: list[str]) -> dict:
    return {
        "payment_terms": facturx_cii.PAYMENT_TERMS,
        "no_discount": facturx_cii.NO_DISCOUNT,
        "late_penalties": facturx_cii.LATE_PENALTIES,
        "recovery_fee": facturx_cii.RECOVERY_FEE,
        "vat_mentions": vat_mentions,
    }


@dataclass(frozen=True)
class PdfPayment:
    received_on: str
    kind: str
    method: str
    amount: Decimal


def _settlement(document: Document) -> dict:
    """Payments (refunds for a credit note) received so far and what is left, as on the
    document's page: a PDF printed today says where the document stands today. A receipt
    and the invoice issued from it share their payments (`selectors.document_balance`)."""
    twin = selectors.sale_twin(document=document)
    ids = [document.pk] + ([twin.pk] if twin is not None else [])
    payments = Payment.objects.filter(document_id__in=ids).order_by("received_on", "pk")
    return {
        "settlement": True,
        "payments": [
            PdfPayment(
                received_on=day(payment.received_on),
                kind=str(Payment.Kind(payment.kind).label),
                method=str(Payment.Method(payment.method).label),
                amount=payment.amount,
            )
            for payment in payments
        ],
        "balance_due": selectors.document_balance(document=document).due,
        "situation_on": day(timezone.localdate()),
    }


def logo_data_uri(structure) -> str:
    """The structure's logo inlined in the PDF (no file path reaches WeasyPrint); "" when
    there is none or its file cannot be read."""
    logo = getattr(structure, "logo", None)
    if not logo:
        return ""
    try:
        with logo.open("rb") as handle:
            content = handle.read()
    except OSError:
        return ""
    kind = mimetypes.guess_type(logo.name)[0] or ""
    if not kind.startswith("image/"):
        return ""
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"


def document_context(document: Document, *, structure=None) -> dict:
    lines = list(document.lines.all())
    order = document.order
    return {
        "document": document,
        "kind": document.kind,
        "title": Document.Kind(document.kind).label,
        "number": document.number,
        "issued_on": day(document.issued_at),
        "due_on": day(document.due_on),
        "ordered_on": day(order.ordered_at) if order.ordered_at else "",
        "order_number": order.number,
        "seller": document.seller,
        "customer": document.customer,
        "lines": [
            _line(
                label=line.label,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                vat_rate=line.vat_rate,
                total=line.total,
                accounting_code=line.accounting_code,
            )
            for line in lines
        ],
        "vat_rows": _vat_rows(document.vat),
        "total_ht": sum((Decimal(v["base"]) for v in document.vat), ZERO),
        "total_vat": sum((Decimal(v["vat"]) for v in document.vat), ZERO),
        "total": document.total,
        "operation": OPERATIONS[facturx_cii.operation_kind(document)],
        "corrects": document.corrects,
        "corrects_on": day(document.corrects.issued_at) if document.corrects is not None else "",
        "note": document.note,
        "logo": logo_data_uri(structure),
        **_settlement(document),
        **_legal(vat_mentions=facturx_cii.exemption_mentions(document)),
    }


def _render(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    with translation.override("fr"):
        html = render_to_string(template, context)
    return HTML(string=html).write_pdf(pdf_variant="pdf/a-3b", pdf_identifier=False)


def _facturx(pdf: bytes, document: Document) -> bytes:
    from facturx import generate_from_binary

    return generate_from_binary(
        pdf,
        facturx_cii.cii_xml(document),
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata={
            "author": document.seller.get("name", ""),
            "keywords": "Factur-X",
            "title": f"{Document.Kind(document.kind).label} {document.number}",
            "subject": f"{Document.Kind(document.kind).label} {document.number}",
        },
        lang="fr-FR",
    )


def document_pdf(document: Document, *, structure=None) -> bytes:
    """The PDF of an issued document: Factur-X for invoices and credit notes, PDF/A-3b for
    purchase receipts (a receipt is not an invoice). With the structure, its logo on top."""
    with translation.override("fr"):
        context = document_context(document, structure=structure)
        pdf = _render(f"billing/pdf/{document.kind}.html", context)
        if document.kind in facturx_cii.TYPE_CODES:
            pdf = _facturx(pdf, document)
    return pdf


def quote_context(*, order, structure) -> dict:
    from ponton.billing.services.documents import customer_of, seller_of

    lines = list(order.lines.select_related("product").order_by("position", "pk"))
    seller = seller_of(structure)
    created = order.created_at or timezone.now()
    # CO-4: what the invoice will say: a structure exempt of VAT sells every line at 0 %.
    exempt_all = getattr(structure, "vat_exemption", "")
    rates = [Decimal("0.00") if exempt_all else line.vat_rate for line in lines]
    vat_mentions = vat.mentions(
        facturx_cii.line_exemption(
            rate=rate, exemption=exempt_all or line.vat_exemption, seller=seller
        )
        for line, rate in zip(lines, rates, strict=True)
    )
    vat_rows = [
        {"rate": str(v.rate), "base": str(v.base), "vat": str(v.vat), "total": str(v.total)}
        for v in vat_breakdown(
            (cents(line.total), rate) for line, rate in zip(lines, rates, strict=True)
        )
    ]
    return {
        "kind": "quote",
        "title": "Devis",
        "number": order.quote_number or order.number,
        "issued_on": day(created),
        "valid_until": day(timezone.localdate(created) + dt.timedelta(days=QUOTE_VALIDITY_DAYS)),
        "seller": seller,
        "customer": customer_of(order.payer),
        "lines": [
            _line(
                label=f"{line.label} ({line.rate_name})" if line.rate_name else line.label,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                vat_rate=rate,
                total=cents(line.total),
                accounting_code=line.accounting_code,
            )
            for line, rate in zip(lines, rates, strict=True)
        ],
        "vat_rows": _vat_rows(vat_rows),
        "total_ht": sum((Decimal(v["base"]) for v in vat_rows), ZERO),
        "total_vat": sum((Decimal(v["vat"]) for v in vat_rows), ZERO),
        "total": sum((Decimal(v["total"]) for v in vat_rows), ZERO),
        "operation": _operation(line.product for line in lines),
        "logo": logo_data_uri(structure),
        **_legal(vat_mentions=vat_mentions),
    }


def quote_pdf(*, order, structure) -> bytes:
    """OR-2/OR-7: the printable quote ("Devis") of an order in the quote status, with the
    structure's current identity (a quote is not an issued accounting document)."""
    return _render("billing/pdf/quote.html", quote_context(order=order, structure=structure))


def filename(document: Document) -> str:
    return f"{document.number}.pdf"

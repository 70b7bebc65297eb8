"""Writes of billing documents: invoices, credit notes, cancellations, replacements
(OR-3 to OR-5, OR-8, OR-11).

Each function is one transaction that writes the document or payment, its lines, the
order's history and the ledger entry together. Documents are numbered by
`numbering.next_number` inside that transaction (no gap, no duplicate) and are never
updated afterwards (database triggers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.billing.models import Document, DocumentLine
from ponton.billing.money import ZERO, cents, money, percent_of, vat_breakdown
from ponton.billing.numbering import next_number
from ponton.customers.models import Customer
from ponton.ledger.services import ledger_append
from ponton.sales import services as sales
from ponton.sales.models import Order, OrderLine
from ponton.sales.services import Actor, LineRequest, SaleError

PAYMENT_TERMS_DAYS = 0  # B2C: payable on receipt


class BillingError(Exception):
    """A refused billing action, with a French message (and the form field, if any)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def seller_of(structure) -> dict:
    return {
        "name": structure.legal_name or structure.name,
        "title": structure.display_title,
        "siret": structure.siret,
        "siren": structure.siret[:9],
        "vat_number": structure.vat_number,
        "address": [
            line
            for line in (
                structure.address_line1,
                structure.address_line2,
                f"{structure.postal_code} {structure.city}".strip(),
            )
            if line
        ],
        "email": structure.email,
        "phone": structure.phone,
        # CO-4: franchise en base (art. 293 B) or an exemption of every sale, frozen at issue.
        "vat_exemption": getattr(structure, "vat_exemption", ""),
    }


def customer_of(payer: Customer) -> dict:
    """The customer as the document says it; a business customer (CO-5) with its company's
    name, SIREN and VAT number (a private person's snapshot has none of these keys)."""
    address = payer.addresses.order_by("id").first()
    snapshot = {
        "id": payer.pk,
        "name": payer.full_name,
        "email": payer.email,
        "address": [address.line1, address.line2, f"{address.postal_code} {address.city}"]
        if address
        else [],
    }
    if payer.is_company:
        snapshot.update(
            company=payer.company_name,
            siren=payer.company_siren,
            vat_number=payer.company_vat_number,
        )
    return snapshot


@dataclass(frozen=True)
class _Line:
    order_line: OrderLine | None
    label: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    vat_rate: Decimal
    accounting_code: str
    vat_exemption: str = ""

    @property
    def total(self) -> Decimal:
        return cents(self.unit_price * self.quantity - self.discount)

    @property
    def product_kind(self) -> str:
        """The sold product's kind ("" for a free line): goods or services (CO-5)."""
        line = self.order_line
        if line is None or line.product_id is None:
            return ""
        assert line.product is not None
        return line.product.kind


def _from_order_line(line: OrderLine, *, structure, issued: DocumentLine | None = None) -> _Line:
    """A document line of an order line. CO-4: a structure with an exemption of every sale
    (franchise en base…) issues it at 0 % with that reason, else the line's own reason
    applies; a credit note (`issued`: the corrected invoice's line) repeats the VAT rate and
    the reason the customer was invoiced with, whatever changed since."""
    label = line.label
    if line.rate_name:
        label = f"{label} ({line.rate_name})"
    if line.consumer is not None and line.consumer.pk != line.order.payer_id:
        label = f"{label} – {line.consumer.full_name}"
    if issued is not None:
        rate, exemption = issued.vat_rate, issued.vat_exemption
    else:
        exemption = getattr(structure, "vat_exemption", "") or line.vat_exemption
        rate = Decimal("0.00") if exemption else line.vat_rate
    return _Line(
        order_line=line,
        label=label,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount=line.discount,
        vat_rate=rate,
        accounting_code=line.accounting_code,
        vat_exemption=exemption,
    )


def _ledger_payload(document: Document, lines: list[_Line]) -> dict:
    return {
        "kind": document.kind,
        "number": document.number,
        "order": document.order.number,
        "corrects": document.corrects.number if document.corrects is not None else None,
        "issued_at": document.issued_at,
        "seller": document.seller,
        "customer": document.customer,
        "lines": [
            {
                "label": line.label,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "total": line.total,
                "vat_rate": line.vat_rate,
                "accounting_code": line.accounting_code,
                # CO-4/CO-5, in entries written since: the exemption reason and the kind of
                # product sold (goods or services); older entries have neither key.
                "vat_exemption": line.vat_exemption,
                "product_kind": line.product_kind,
            }
            for line in lines
        ],
        "vat": document.vat,
        "total": document.total,
    }


def _issue(
    *,
    structure,
    kind: str,
    order: Order,
    lines: list[_Line],
    actor: Actor,
    corrects: Document | None = None,
    note: str = "",
    ledger_extra: dict | None = None,
    counts_as_sale: bool = True,
) -> Document:
    """Number and write a document with its lines and VAT, and append it to the ledger. An
    invoice issued from a purchase receipt (`counts_as_sale=False`) records the document but
    not a second sale."""
    document = _draft(
        structure=structure,
        kind=kind,
        order=order,
        lines=lines,
        actor=actor,
        corrects=corrects,
        note=note,
    )
    number = next_number(series=kind, year=issue_year(document))
    return _save(
        document, lines, number=number, ledger_extra=ledger_extra, counts_as_sale=counts_as_sale
    )


def _draft(
    *,
    structure,
    kind: str,
    order: Order,
    lines: list[_Line],
    actor: Actor,
    corrects: Document | None = None,
    note: str = "",
) -> Document:
    """A document's content (seller, customer, totals and VAT per rate), not numbered nor
    written: everything that can be done before its number is taken."""
    issued_at = timezone.now()
    breakdown = vat_breakdown((line.total, line.vat_rate) for line in lines)
    return Document(
        kind=kind,
        order=order,
        payer_id=order.payer_id,
        seller=seller_of(structure),
        customer=customer_of(order.payer),
        issued_at=issued_at,
        due_on=timezone.localdate(issued_at) + dt.timedelta(days=PAYMENT_TERMS_DAYS),
        total=sum((v.total for v in breakdown), ZERO),
        vat=[
            {"rate": str(v.rate), "base": str(v.base), "vat": str(v.vat), "total": str(v.total)}
            for v in breakdown
        ],
        corrects=corrects,
        note=note,
        actor_id=actor.account_id,
    )


def issue_year(document: Document) -> int:
    """The numbering year of a drafted document: the local year it is issued in."""
    return timezone.localdate(document.issued_at).year


def _save(
    document: Document,
    lines: list[_Line],
    *,
    number: str,
    ledger_extra: dict | None = None,
    counts_as_sale: bool = True,
) -> Document:
    """Write a drafted document with its number and lines, and append it to the ledger."""
    document.number = number
    document.save(force_insert=True)
    DocumentLine.objects.bulk_create(
        DocumentLine(
            document=document,
            order_line=line.order_line,
            position=position,
            label=line.label,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            total=line.total,
            vat_rate=line.vat_rate,
            vat_exemption=line.vat_exemption,
            accounting_code=line.accounting_code,
        )
        for position, line in enumerate(lines, start=1)
    )
    sign = Decimal(-1) if document.kind == Document.Kind.CREDIT_NOTE else Decimal(1)
    ledger_append(
        kind=document.kind,
        reference=document.number,
        payload={**_ledger_payload(document, lines), **(ledger_extra or {})},
        sales_amount=sign * document.total if counts_as_sale else ZERO,
    )
    return document


def _locked_lines(*, order: Order, line_ids: list[int]) -> list[OrderLine]:
    lines = list(
        OrderLine.objects.select_for_update(of=("self",))
        .filter(order=order, pk__in=line_ids)
        .select_related("consumer", "order", "product")
        .order_by("position", "pk")
    )
    if len(lines) != len(set(line_ids)):
        raise BillingError(_("Une des lignes choisies n'appartient pas à cette commande."))
    return lines


@dataclass(frozen=True)
class _LinesDocument:
    """What differs between an invoice and a purchase receipt of ordered lines: their kind,
    their refusals and their history line."""

    kind: str
    refuse_quote: str
    refuse_empty: str
    refuse_state: str  # with %(label)s and %(state)s
    action: str
    message: str  # with %(number)s and %(total)s


def issue_for_lines(
    *, spec: _LinesDocument, structure, order: Order, line_ids: list[int], actor: Actor, note: str
) -> Document:
    """One document for the selected lines, still "commandé", which become "facturé"; the
    order's row is locked: every document of an order is issued under that lock."""
    order = Order.objects.select_for_update().select_related("payer").get(pk=order.pk)
    if order.status != Order.Status.ORDER:
        raise BillingError(spec.refuse_quote)
    if not line_ids:
        raise BillingError(spec.refuse_empty)
    lines = _locked_lines(order=order, line_ids=line_ids)
    for line in lines:
        if line.state != OrderLine.State.ORDERED:
            raise BillingError(
                spec.refuse_state % {"label": line.label, "state": line.get_state_display()}
            )
    return issue_for_checked_lines(
        spec=spec, structure=structure, order=order, lines=lines, actor=actor, note=note
    )


def issue_for_checked_lines(
    *,
    spec: _LinesDocument,
    structure,
    order: Order,
    lines: list[OrderLine],
    actor: Actor,
    note: str,
) -> Document:
    """The writes of `issue_for_lines`, for lines the caller checked ("commandé", of
    `order`) and holds: locked, or written by its own transaction."""
    draft = lines_document_draft(
        spec=spec, structure=structure, order=order, lines=lines, actor=actor, note=note
    )
    number = next_number(series=spec.kind, year=issue_year(draft.document))
    return lines_document_save(draft, number=number)


@dataclass(frozen=True)
class LinesDocumentDraft:
    """A document of order lines drafted before its number is taken (`lines_document_save`)."""

    spec: _LinesDocument
    document: Document
    lines: list[_Line]
    order_lines: list[OrderLine]
    actor: Actor
    note: str
    structure: object


def lines_document_draft(
    *,
    spec: _LinesDocument,
    structure,
    order: Order,
    lines: list[OrderLine],
    actor: Actor,
    note: str,
) -> LinesDocumentDraft:
    """The content of a document of `lines` (a complete sale drafts its invoice before the
    order is even written, so that little remains to do once the numbers are taken)."""
    document_lines = [_from_order_line(line, structure=structure) for line in lines]
    document = _draft(
        structure=structure,
        kind=spec.kind,
        order=order,
        lines=document_lines,
        actor=actor,
        note=note,
    )
    return LinesDocumentDraft(spec, document, document_lines, lines, actor, note, structure)


def lines_document_save(draft: LinesDocumentDraft, *, number: str) -> Document:
    """Write a drafted document of order lines with its number: the lines become "facturé"
    (already so when written by a complete sale) and the order's history says so."""
    document = _save(draft.document, draft.lines, number=number)
    ordered = [line for line in draft.order_lines if line.state != OrderLine.State.INVOICED]
    if ordered:
        OrderLine.objects.filter(pk__in=[line.pk for line in ordered]).update(
            state=OrderLine.State.INVOICED
        )
        for line in ordered:
            line.state = OrderLine.State.INVOICED
    sales.history_add(
        order=document.order,
        actor=draft.actor,
        action=draft.spec.action,
        message=draft.spec.message % {"number": document.number, "total": money(document.total)},
        note=draft.note,
        data={"document": document.number},
    )
    _tell_modules(structure=draft.structure, order=document.order, lines=draft.order_lines)
    return document


def _tell_modules(*, structure, order: Order, lines: list[OrderLine]) -> None:
    """`ponton_lines_invoiced`: the modules that are on record what they owe the lines just
    invoiced (a licence to ask for) in this transaction and act after commit."""
    from ponton.plugins.manager import hooks_for

    hooks = hooks_for(structure)
    if hooks.implemented("ponton_lines_invoiced"):
        hooks.ponton_lines_invoiced(structure=structure, order=order, lines=lines)


def invoice_spec() -> _LinesDocument:
    """An invoice of ordered lines (its messages in the active language)."""
    return _LinesDocument(
        kind=Document.Kind.INVOICE,
        refuse_quote=_("Un devis ne se facture pas : commandez-le d'abord."),
        refuse_empty=_("Sélectionnez au moins une ligne à facturer."),
        refuse_state=_(
            "« %(label)s » est à l'état « %(state)s » : seules les lignes commandées se facturent."
        ),
        action="invoiced",
        message=_("Facture %(number)s émise (%(total)s €)."),
    )


@transaction.atomic
def invoice_issue(
    *, structure, order: Order, line_ids: list[int], actor: Actor, note: str = ""
) -> Document:
    """OR-3 "Facturer/Payer": one invoice for the selected lines, still "commandé"."""
    return issue_for_lines(
        spec=invoice_spec(),
        structure=structure,
        order=order,
        line_ids=line_ids,
        actor=actor,
        note=note,
    )


def _issued_line(line: OrderLine) -> DocumentLine | None:
    """The line of the invoice (or purchase receipt) that sold `line`."""
    return (
        DocumentLine.objects.filter(
            order_line=line,
            # A line sold on a purchase receipt (not yet invoiced) is corrected on the receipt.
            document__kind__in=(Document.Kind.INVOICE, Document.Kind.RECEIPT),
        )
        .select_related("document")
        .order_by("-pk")
        .first()
    )


def _cancel(*, structure, line: OrderLine, actor: Actor, note: str) -> Document | None:
    if line.state == OrderLine.State.CANCELLED:
        raise BillingError(_("Cette ligne est déjà annulée."))
    if line.state == OrderLine.State.QUOTED:
        raise BillingError(_("Une ligne de devis ne s'annule pas : le devis ne réserve rien."))
    credit_note = None
    if line.state == OrderLine.State.INVOICED:
        issued = _issued_line(line)
        credit_note = _issue(
            structure=structure,
            kind=Document.Kind.CREDIT_NOTE,
            order=line.order,
            lines=[_from_order_line(line, structure=structure, issued=issued)],
            actor=actor,
            corrects=issued.document if issued is not None else None,
            note=note,
        )
    sales.release(line=line)
    line.state = OrderLine.State.CANCELLED
    line.save(update_fields=["state"])
    return credit_note


@transaction.atomic
def line_cancel(*, structure, line: OrderLine, actor: Actor, note: str = "") -> Document | None:
    """OR-4 "Annuler": the seat or stock is for sale again at once; an invoiced line gets a
    credit note (AV…) that is then refunded or kept as credit."""
    order = Order.objects.select_for_update().select_related("payer").get(pk=line.order_id)
    (line,) = _locked_lines(order=order, line_ids=[line.pk])
    credit_note = _cancel(structure=structure, line=line, actor=actor, note=note)
    message = _("« %(label)s » annulé.") % {"label": line.label}
    if credit_note is not None:
        message += " " + _("Avoir %(number)s émis (%(total)s €).") % {
            "number": credit_note.number,
            "total": money(credit_note.total),
        }
    sales.history_add(order=order, actor=actor, action="cancelled", message=message, note=note)
    return credit_note


@dataclass(frozen=True)
class FreeDiscount:
    """OR-5 "Ajouter une promotion libre": an amount or a percentage, with a description."""

    description: str
    amount: Decimal | None = None
    percent: Decimal | None = None

    def on(self, total: Decimal) -> Decimal:
        if self.percent is not None:
            if not Decimal(0) < self.percent <= Decimal(100):
                raise BillingError(
                    _("Le pourcentage de remise est compris entre 0 et 100."), field="percent"
                )
            return percent_of(total, self.percent)
        if self.amount is None or self.amount <= 0:
            raise BillingError(_("La remise doit être supérieure à zéro."), field="amount")
        if self.amount > total:
            raise BillingError(_("La remise dépasse le montant de la ligne."), field="amount")
        return cents(self.amount)


@transaction.atomic
def line_replace(
    *,
    structure,
    line: OrderLine,
    request: LineRequest,
    actor: Actor,
    discount: FreeDiscount | None = None,
    note: str = "",
) -> tuple[OrderLine, Document | None]:
    """OR-5 "Remplacer": the line is cancelled (credit note if it was invoiced) and a new
    line (another date, another product) is ordered in the same order, with an optional free
    discount. Returns the new line (state "commandé", to invoice) and the credit note."""
    order = Order.objects.select_for_update().select_related("payer").get(pk=line.order_id)
    (line,) = _locked_lines(order=order, line_ids=[line.pk])
    if line.state not in (OrderLine.State.ORDERED, OrderLine.State.INVOICED):
        raise BillingError(_("Seule une ligne commandée ou facturée se remplace."))
    try:
        (checked,) = [
            r for r in sales.check_basket(payer=order.payer, lines=[request]) if r is request
        ]
    except SaleError as exc:
        raise BillingError(str(exc)) from exc
    credit_note = _cancel(structure=structure, line=line, actor=actor, note=note)
    position = (order.lines.order_by("-position").values_list("position", flat=True).first()) or 0
    (new_line,) = sales.lines_build(order=order, requests=[checked], state=OrderLine.State.ORDERED)
    new_line.position = position + 1
    new_line.replaces = line
    if discount is not None:
        new_line.discount = discount.on(new_line.unit_price * new_line.quantity)
        new_line.discount_label = discount.description.strip()
        if not new_line.discount_label:
            raise BillingError(_("Décrivez la promotion libre."), field="description")
    sales.seats_take([new_line])
    new_line.save()
    sales.history_add(
        order=order,
        actor=actor,
        action="replaced",
        message=_("« %(old)s » remplacé par « %(new)s ».")
        % {"old": line.label, "new": new_line.label},
        note=note,
        data={"credit_note": credit_note.number if credit_note else None},
    )
    return new_line, credit_note

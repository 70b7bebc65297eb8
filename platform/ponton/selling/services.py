"""The selling path's steps (docs/adr/0011): the only functions the channels call to sell.

Layers, each importing only those before it: customers, catalogue, planning -> sales (orders,
baskets, holds) -> billing (invoices, credit notes, payments, ledger) -> payments (Click & Pay,
gateways, the minimum participants threshold) -> selling. A step that spans layers (an order
that reaches a session's threshold invoices and sends Click & Pay requests) is put together
here, never by a lower layer reaching up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from ponton.billing.models import Document, Payment
from ponton.billing.money import ZERO
from ponton.billing.selectors import document_balance
from ponton.billing.services import (
    BillingError,
    FreeDiscount,
    PaymentData,
    invoice_issue,
    payment_record,
    receipt_issue,
)
from ponton.billing.services import line_cancel as billing_line_cancel
from ponton.billing.services import line_replace as billing_line_replace
from ponton.billing.services import receipt_to_invoice as billing_receipt_to_invoice
from ponton.billing.services.complete import CompletedSale
from ponton.billing.services.complete import sale_complete as billing_sale_complete
from ponton.customers.models import Customer
from ponton.payments.threshold import min_participants_after_order
from ponton.sales import services as sales
from ponton.sales.models import Order, OrderLine
from ponton.sales.services import Actor, LineRequest, SaleError, SoldOutError

__all__ = [
    "Actor",
    "BillingError",
    "CompletedSale",
    "LineRequest",
    "PaymentData",
    "PricedBasket",
    "SaleError",
    "SoldOutError",
    "basket_price",
    "invoice",
    "line_cancel",
    "line_replace",
    "order_place",
    "pay",
    "quote_to_order",
    "receipt_to_invoice",
    "sale_complete",
]


@dataclass(frozen=True)
class PricedBasket:
    """A basket checked and priced by the server: its lines as they would be written (the
    mandatory associated products added), not saved, and the total to pay."""

    requests: list[LineRequest]
    lines: list[OrderLine]

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)


def basket_price(
    *, payer: Customer | None, lines: list[LineRequest], channel: str = sales.MANAGER
) -> PricedBasket:
    """Prepare a basket: every check but availability (`sales.check_basket`), each line priced
    from the catalogue (never from what a form sent). Writes nothing."""
    requests = sales.check_basket(payer=payer, lines=lines, channel=channel)
    built = sales.lines_build(order=None, requests=requests, state=OrderLine.State.ORDERED)
    return PricedBasket(requests=requests, lines=built)


def _threshold(order: Order, lines: list[OrderLine] | list[LineRequest], actor: Actor) -> None:
    """OR-10 after an order took its seats: nothing to read when no line is on a session of a
    product with a threshold (the common case)."""
    if sales.on_threshold_sessions(lines):
        min_participants_after_order(order=order, actor=actor)


@transaction.atomic
def order_place(
    *,
    payer: Customer | None,
    lines: list[LineRequest],
    actor: Actor,
    quote: bool = False,
    channel: str = sales.MANAGER,
    note: str = "",
) -> Order:
    """OR-1 "Commander" (seats and stock taken) or "Devis" (nothing taken), whole or not at
    all; an order reaching a session's minimum participants threshold invoices its
    participants and sends them Click & Pay (OR-10), in the same transaction."""
    placed = sales.order_write(
        payer=payer, lines=lines, actor=actor, quote=quote, channel=channel, note=note
    )
    if not quote:
        _threshold(placed.order, placed.lines, actor)
    return placed.order


@transaction.atomic
def quote_to_order(*, order: Order, actor: Actor, note: str = "") -> Order:
    """OR-2: "Commander" on a quote (availability checked again), then OR-10."""
    order = sales.quote_order(order=order, actor=actor, note=note)
    lines = list(order.lines.select_related("product", "session"))
    _threshold(order, lines, actor)
    return order


def invoice(
    *, structure, order: Order, line_ids: list[int], actor: Actor, note: str = ""
) -> Document:
    """OR-3 "Facturer": one invoice for the selected lines."""
    return invoice_issue(
        structure=structure, order=order, line_ids=line_ids, actor=actor, note=note
    )


def pay(*, document: Document, data: PaymentData, actor: Actor) -> Payment:
    """OR-6: a payment (or a refund) on an invoice (or a credit note), in the ledger."""
    return payment_record(document=document, data=data, actor=actor)


def sale_complete(
    *,
    structure,
    payer: Customer | None,
    lines: list[LineRequest],
    payments: list[PaymentData],
    actor: Actor,
    note: str = "",
    channel: str = sales.MANAGER,
    document_kind: str = Document.Kind.INVOICE,
    sold_at=None,
    overbook: bool = False,
) -> CompletedSale:
    """Order, invoice (or purchase receipt: the till's ticket) of all its lines and payments at
    once, whole or not at all. Without a threshold session, the one-pass sale of billing
    (docs/adr/0008); with one, the three steps, the threshold possibly invoicing at order time.
    `sold_at`/`overbook`: a sale that already happened (an offline till ticket), honoured
    beyond capacity; the one-pass sale only."""
    if not sales.on_threshold_sessions(lines):
        return billing_sale_complete(
            structure=structure,
            payer=payer,
            lines=lines,
            payments=payments,
            actor=actor,
            note=note,
            channel=channel,
            document_kind=document_kind,
            sold_at=sold_at,
            overbook=overbook,
        )
    with transaction.atomic():
        order = order_place(payer=payer, lines=lines, actor=actor, note=note, channel=channel)
        ordered = list(
            order.lines.filter(state=OrderLine.State.ORDERED).values_list("pk", flat=True)
        )
        if ordered:
            issue = receipt_issue if document_kind == Document.Kind.RECEIPT else invoice_issue
            document = issue(structure=structure, order=order, line_ids=ordered, actor=actor)
        else:  # already invoiced at order time (the threshold reached)
            document = Document.objects.filter(order=order, kind=Document.Kind.INVOICE).latest("pk")
        recorded = [payment_record(document=document, data=data, actor=actor) for data in payments]
        return CompletedSale(order, document, recorded, document_balance(document=document))


def line_cancel(*, structure, line: OrderLine, actor: Actor, note: str = "") -> Document | None:
    """OR-4 "Annuler": the line cancelled (a credit note if it was invoiced), its seats or
    stock for sale again."""
    return billing_line_cancel(structure=structure, line=line, actor=actor, note=note)


def line_replace(
    *,
    structure,
    line: OrderLine,
    request: LineRequest,
    actor: Actor,
    discount: FreeDiscount | None = None,
    note: str = "",
) -> tuple[OrderLine, Document | None]:
    """OR-5 "Remplacer": the line cancelled and a new one ordered in the same order."""
    return billing_line_replace(
        structure=structure, line=line, request=request, actor=actor, discount=discount, note=note
    )


def receipt_to_invoice(*, structure, receipt: Document, actor: Actor, note: str = "") -> Document:
    """OR-8 "Facture" on a purchase receipt (a till ticket's): the invoice of the same lines,
    once, sharing the receipt's payments."""
    return billing_receipt_to_invoice(structure=structure, receipt=receipt, actor=actor, note=note)

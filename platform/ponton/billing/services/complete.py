"""A complete back-office sale in one transaction: order, invoice of all its lines, payments
(the till and integrations sell this way; the Club Manager does the same in three steps)."""

from __future__ import annotations

from django.db import transaction

from ponton.billing.models import Document, Payment
from ponton.billing.services.documents import invoice_issue
from ponton.billing.services.payments import PaymentData, payment_record
from ponton.customers.models import Customer
from ponton.sales.models import Order, OrderLine
from ponton.sales.services import Actor, LineRequest, order_create


@transaction.atomic
def sale_complete(
    *,
    structure,
    payer: Customer | None,
    lines: list[LineRequest],
    payments: list[PaymentData],
    actor: Actor,
    note: str = "",
) -> tuple[Order, Document, list[Payment]]:
    """OR-1 + OR-3 + OR-6 at once: whole or not at all (a refused payment cancels the order
    and frees its seats, by rolling the transaction back)."""
    order = order_create(payer=payer, lines=lines, actor=actor, note=note)
    ordered = list(order.lines.filter(state=OrderLine.State.ORDERED).values_list("pk", flat=True))
    if ordered:
        invoice = invoice_issue(structure=structure, order=order, line_ids=ordered, actor=actor)
    else:  # already invoiced at order time (a minimum participants threshold reached)
        invoice = Document.objects.filter(order=order, kind=Document.Kind.INVOICE).latest("pk")
    recorded = [payment_record(document=invoice, data=data, actor=actor) for data in payments]
    return order, invoice, recorded

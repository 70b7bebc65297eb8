"""A complete back-office sale in one transaction: order, invoice of all its lines, payments
(the till and integrations sell this way; the Club Manager does the same in three steps).

The same rules as the three steps, written without reading back what this transaction has
just written: the order's lines are invoiced as they were written (no other transaction can
see them, let alone lock them, before commit), and each payment is checked against the
balance known from the invoice and the payments before it. Its ledger entries and history
lines are written together at the end (`ledger_batch`, `history_batch`: one lock of the ledger
head, one INSERT each; docs/adr/0008)."""

from __future__ import annotations

from typing import NamedTuple

from django.db import transaction

from ponton.billing.models import Document, Payment
from ponton.billing.selectors import Balance, document_balance
from ponton.billing.services.documents import (
    invoice_issue,
    invoice_spec,
    issue_for_checked_lines,
)
from ponton.billing.services.payments import PaymentData, payment_record, payment_write
from ponton.customers.models import Customer
from ponton.ledger.services import ledger_batch
from ponton.sales.models import Order, OrderLine
from ponton.sales.services import (
    Actor,
    LineRequest,
    history_batch,
    on_threshold_sessions,
    order_write,
)


class CompletedSale(NamedTuple):
    order: Order
    invoice: Document
    payments: list[Payment]
    balance: Balance  # the invoice's, once the payments are recorded


@transaction.atomic
def sale_complete(
    *,
    structure,
    payer: Customer | None,
    lines: list[LineRequest],
    payments: list[PaymentData],
    actor: Actor,
    note: str = "",
) -> CompletedSale:
    """OR-1 + OR-3 + OR-6 at once: whole or not at all (a refused payment cancels the order
    and frees its seats, by rolling the transaction back)."""
    if on_threshold_sessions(lines):
        # OR-10 may invoice lines at order time: the three steps, reading back what is left.
        return _sale_with_threshold(
            structure=structure, payer=payer, lines=lines, payments=payments, actor=actor, note=note
        )
    with ledger_batch(), history_batch():
        placed = order_write(
            payer=payer, lines=lines, actor=actor, note=note, invoiced_at_once=True
        )
        invoice = issue_for_checked_lines(
            spec=invoice_spec(),
            structure=structure,
            order=placed.order,
            lines=placed.lines,
            actor=actor,
            note="",
        )
        balance = Balance.unpaid(invoice)
        recorded = []
        for data in payments:
            payment = payment_write(document=invoice, data=data, actor=actor, balance=balance)
            balance = balance.after(payment)
            recorded.append(payment)
    order = placed.order
    # The answer shows the lines as written, without reading them again.
    order._prefetched_objects_cache = {"lines": placed.lines}
    return CompletedSale(order, invoice, recorded, balance)


def _sale_with_threshold(
    *, structure, payer, lines: list[LineRequest], payments: list[PaymentData], actor, note: str
) -> CompletedSale:
    order = order_write(payer=payer, lines=lines, actor=actor, note=note).order
    ordered = list(order.lines.filter(state=OrderLine.State.ORDERED).values_list("pk", flat=True))
    if ordered:
        invoice = invoice_issue(structure=structure, order=order, line_ids=ordered, actor=actor)
    else:  # already invoiced at order time (a minimum participants threshold reached)
        invoice = Document.objects.filter(order=order, kind=Document.Kind.INVOICE).latest("pk")
    recorded = [payment_record(document=invoice, data=data, actor=actor) for data in payments]
    return CompletedSale(order, invoice, recorded, document_balance(document=invoice))

"""A complete back-office sale in one transaction: order, invoice of all its lines, payments
(the till and integrations sell this way; the Club Manager does the same in three steps).

The same rules as the three steps, written without reading back what this transaction has
just written: the order's lines are invoiced as they were written (no other transaction can
see them, let alone lock them, before commit), and each payment is checked against the
balance known from the invoice and the payments before it. The order and its invoice are
prepared first and numbered last, in one statement: the counters are the structure's
bottleneck (locked until commit), so as little as possible happens while they are held. The
ledger entries and history lines are written together at the end (`ledger_batch`,
`history_batch`: one lock of the ledger head, one INSERT each; docs/adr/0008)."""

from __future__ import annotations

from typing import NamedTuple

from django.db import transaction

from ponton.billing.models import Document, Payment
from ponton.billing.numbering import next_numbers
from ponton.billing.selectors import Balance
from ponton.billing.services.documents import (
    invoice_spec,
    issue_year,
    lines_document_draft,
    lines_document_save,
)
from ponton.billing.services.payments import PaymentData, payment_write
from ponton.billing.services.receipts import receipt_spec
from ponton.customers.models import Customer
from ponton.ledger.services import ledger_batch
from ponton.sales.models import Order
from ponton.sales.services import (
    Actor,
    LineRequest,
    history_batch,
    on_threshold_sessions,
    order_prepare,
    order_save,
)


class _Sale(NamedTuple):
    order: Order
    invoice: Document
    payments: list[Payment]
    balance: Balance  # the invoice's, once the payments are recorded


class CompletedSale(_Sale):
    """What a complete sale wrote, unpacked as (order, invoice, payments, balance); also
    `overbooked`, the sessions a sale that already happened (an offline till ticket) sold
    beyond their capacity — an attribute, not part of the tuple."""

    overbooked: list[int]

    def __new__(cls, order, invoice, payments, balance, overbooked=None):
        sale = super().__new__(cls, order, invoice, payments, balance)
        sale.overbooked = list(overbooked or [])
        return sale


@transaction.atomic
def sale_complete(
    *,
    structure,
    payer: Customer | None,
    lines: list[LineRequest],
    payments: list[PaymentData],
    actor: Actor,
    note: str = "",
    channel: str = Order.Channel.MANAGER,
    document_kind: str = Document.Kind.INVOICE,
    sold_at=None,
    overbook: bool = False,
) -> CompletedSale:
    """OR-1 + OR-3 + OR-6 at once: whole or not at all (a refused payment cancels the order
    and frees its seats, by rolling the transaction back). Lines on sessions with a minimum
    participants threshold (OR-10) are sold in three steps by `ponton.selling.sale_complete`,
    the entry point every channel calls. `document_kind`: an invoice, or a purchase receipt
    (the till's ticket, turned into an invoice on request); `sold_at`/`overbook`: a sale that
    already happened (`sales.order_prepare`). The returned `invoice` is that document."""
    if on_threshold_sessions(lines):
        raise ValueError("a sale on threshold sessions goes through ponton.selling")
    with ledger_batch(), history_batch():
        # Everything that can be done before the numbers: checks, prices, seats and stock,
        # the invoice's content (the payer's address is read here).
        prepared = order_prepare(
            payer=payer,
            lines=lines,
            actor=actor,
            invoiced_at_once=True,
            channel=channel,
            sold_at=sold_at,
            overbook=overbook,
        )
        spec = receipt_spec() if document_kind == Document.Kind.RECEIPT else invoice_spec()
        draft = lines_document_draft(
            spec=spec,
            structure=structure,
            order=prepared.order,
            lines=prepared.lines,
            actor=actor,
            note="",
        )
        # The order's and the invoice's numbers in one statement, as late as possible: the
        # counters stay locked until commit, and the structure's other sales wait for them.
        order_number, invoice_number = next_numbers(
            Order.Status.ORDER,
            spec.kind,
            year=issue_year(draft.document),
        )
        order = order_save(prepared=prepared, number=order_number, actor=actor, note=note)
        invoice = lines_document_save(draft, number=invoice_number)
        balance = Balance.unpaid(invoice)
        recorded = []
        for data in payments:
            payment = payment_write(document=invoice, data=data, actor=actor, balance=balance)
            balance = balance.after(payment)
            recorded.append(payment)
    # The answer shows the lines as written, without reading them again.
    order._prefetched_objects_cache = {"lines": prepared.lines}  # type: ignore[attr-defined]
    return CompletedSale(order, invoice, recorded, balance, prepared.overbooked)

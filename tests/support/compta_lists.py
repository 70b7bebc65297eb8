"""A small set of books for the CO-2 lists, built through the public services: five orders,
four invoices or receipts, a credit note, payments in four methods and a refund, on fixed
dates (payments) so every filter and total has one exact expected value.

    order 1  Claire   Stage catamaran (Louis, Adulte, 180) + T-shirt (20)  invoice 200
             paid: cheque 120 on 10/03/2026, card 80 on 12/03/2026
    order 2  Bruno    Stage catamaran x2 (Enfant, 300) invoiced, then cancelled: credit note
             paid: cash 100 on 02/04/2026, refunded in cash on the credit note 05/04/2026
    order 3  Claire   T-shirt x2 (40), ordered, not invoiced
    order 4  Bruno    T-shirt (20): purchase receipt paid by card 20 on 03/04/2026, then the
             invoice of that receipt
    order 5  Bruno    Stage catamaran (Bruno, Adulte, 180) on the later session, ordered
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ponton.billing.models import Document, Payment
from ponton.billing.services import (
    invoice_issue,
    line_cancel,
    payment_record,
    receipt_issue,
    receipt_to_invoice,
)
from ponton.billing.services.payments import PaymentData
from ponton.customers.services import customer_create
from ponton.sales.models import Order
from ponton.sales.services import LineRequest, order_create
from tests.support.sales import STAFF, Shop, make_shop


@dataclass
class Books:
    shop: Shop
    orders: list[Order]
    invoice: Document
    cancelled_invoice: Document
    credit_note: Document
    receipt: Document
    receipt_invoice: Document


def _pay(document, method, amount, day, kind=Payment.Kind.PAYMENT, **cheque):
    return payment_record(
        document=document,
        data=PaymentData(
            kind=kind, method=method, amount=Decimal(amount), received_on=day, **cheque
        ),
        actor=STAFF,
    )


def _all_lines(order: Order) -> list[int]:
    return [line.pk for line in order.lines.all()]


def make_books(structure) -> Books:
    shop = make_shop()
    bruno = customer_create(first_name="Bruno", last_name="Kerjean", email="bruno@exemple.fr")
    first = order_create(
        payer=shop.payer,
        lines=[
            LineRequest(
                product=shop.activity,
                session=shop.session,
                rate=shop.adult,
                consumer=shop.child_customer,
                quantity=1,
            ),
            LineRequest(product=shop.shirt, quantity=1),
        ],
        actor=STAFF,
    )
    invoice = invoice_issue(
        structure=structure, order=first, line_ids=_all_lines(first), actor=STAFF
    )
    _pay(
        invoice,
        Payment.Method.CHEQUE,
        "120.00",
        dt.date(2026, 3, 10),
        cheque_bank="Crédit Maritime",
        cheque_number="0012345",
        cheque_issuer="Claire Le Goff",
    )
    _pay(invoice, Payment.Method.CARD, "80.00", dt.date(2026, 3, 12))

    second = order_create(
        payer=bruno,
        lines=[
            LineRequest(
                product=shop.activity,
                session=shop.later_session,
                rate=shop.child,
                consumer=bruno,
                quantity=2,
            )
        ],
        actor=STAFF,
    )
    cancelled_invoice = invoice_issue(
        structure=structure, order=second, line_ids=_all_lines(second), actor=STAFF
    )
    _pay(cancelled_invoice, Payment.Method.CASH, "100.00", dt.date(2026, 4, 2))
    credit_note = line_cancel(structure=structure, line=second.lines.get(), actor=STAFF)
    assert credit_note is not None
    _pay(
        credit_note,
        Payment.Method.CASH,
        "100.00",
        dt.date(2026, 4, 5),
        kind=Payment.Kind.REFUND,
    )

    third = order_create(
        payer=shop.payer, lines=[LineRequest(product=shop.shirt, quantity=2)], actor=STAFF
    )

    fourth = order_create(
        payer=bruno, lines=[LineRequest(product=shop.shirt, quantity=1)], actor=STAFF
    )
    receipt = receipt_issue(
        structure=structure, order=fourth, line_ids=_all_lines(fourth), actor=STAFF
    )
    _pay(receipt, Payment.Method.CARD, "20.00", dt.date(2026, 4, 3))
    receipt_invoice = receipt_to_invoice(structure=structure, receipt=receipt, actor=STAFF)

    fifth = order_create(
        payer=bruno,
        lines=[
            LineRequest(
                product=shop.activity,
                session=shop.later_session,
                rate=shop.adult,
                consumer=bruno,
                quantity=1,
            )
        ],
        actor=STAFF,
    )
    return Books(
        shop=shop,
        orders=[first, second, third, fourth, fifth],
        invoice=invoice,
        cancelled_invoice=cancelled_invoice,
        credit_note=credit_note,
        receipt=receipt,
        receipt_invoice=receipt_invoice,
    )

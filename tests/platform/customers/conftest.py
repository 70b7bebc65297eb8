"""The customer space's fixture (MP-3, MP-4): in structure A, Claire (invited) with her son
Louis, three orders, invoices, a credit note, a payment and a Click & Pay request; Bob, another
customer of A, with his own; in structure B, Bea, a customer of B only, with her own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.accounts.models import User
from ponton.billing import services as billing
from ponton.billing.models import Document
from ponton.billing.services import PaymentData
from ponton.customers.models import Customer
from ponton.customers.services import customer_create, customer_invite, customer_set_payer
from ponton.payments import services as payments
from ponton.payments.models import PaymentRequest
from ponton.planning.models import Session
from ponton.planning.services import session_add
from ponton.sales import services as sales
from ponton.sales.models import Order
from ponton.sales.services import LineRequest
from tests.conftest import TEST_PASSWORD
from tests.support.sales import STAFF, Shop, make_shop


def invite(structure, customer: Customer) -> User:
    user = customer_invite(structure=structure, customer=customer)
    user.set_password(TEST_PASSWORD)
    user.save(update_fields=["password"])
    customer.refresh_from_db()
    return user


def invoice(structure, order: Order, lines=None) -> Document:
    ids = [line.pk for line in (lines or order.lines.all())]
    return billing.invoice_issue(structure=structure, order=order, line_ids=ids, actor=STAFF)


def pay(document: Document, amount: str, kind: str = "payment") -> None:
    billing.payment_record(
        document=document,
        data=PaymentData(kind=kind, method="cash", amount=Decimal(amount)),
        actor=STAFF,
    )


@dataclass
class Space:
    structure: object
    shop: Shop
    claire: Customer
    louis: Customer
    user: User
    order_1: Order  # Louis on the session (180) + a T-shirt (20): invoiced, 50 paid, C&P
    order_2: Order  # Claire on the later session (180) + a T-shirt cancelled: not invoiced
    order_3: Order  # a T-shirt invoiced, paid, cancelled: credit note of 20 to refund
    invoice_1: Document
    invoice_3: Document
    credit_note_3: Document
    request_1: PaymentRequest
    past_order: Order  # Louis on a session already over
    bob: Customer
    bob_user: User
    bob_child: Customer
    bob_order: Order
    bob_invoice: Document
    bob_request: PaymentRequest
    other_structure: object
    bea: Customer
    bea_user: User
    bea_order: Order
    bea_invoice: Document


def _claire(structure, shop: Shop) -> dict:
    claire, louis = shop.payer, shop.child_customer
    customer_set_payer(customer=louis, payer=claire)
    louis.birth_date = dt.date(2014, 5, 3)
    louis.save(update_fields=["birth_date"])
    user = invite(structure, claire)
    order_1 = sales.order_create(
        payer=claire,
        lines=[
            LineRequest(
                product=shop.activity, session=shop.session, rate=shop.adult, consumer=louis
            ),
            LineRequest(product=shop.shirt),
        ],
        actor=STAFF,
    )
    invoice_1 = invoice(structure, order_1)
    pay(invoice_1, "50.00")
    request_1 = payments.payment_request_create(document=invoice_1, actor=STAFF)
    order_2 = sales.order_create(
        payer=claire,
        lines=[
            LineRequest(
                product=shop.activity,
                session=shop.later_session,
                rate=shop.adult,
                consumer=claire,
            ),
            LineRequest(product=shop.shirt),
        ],
        actor=STAFF,
    )
    billing.line_cancel(
        structure=structure, line=order_2.lines.get(product=shop.shirt), actor=STAFF
    )
    order_3 = sales.order_create(payer=claire, lines=[LineRequest(product=shop.shirt)], actor=STAFF)
    invoice_3 = invoice(structure, order_3)
    pay(invoice_3, "20.00")
    credit_note_3 = billing.line_cancel(structure=structure, line=order_3.lines.get(), actor=STAFF)
    start = timezone.localtime() + dt.timedelta(days=3)
    past = session_add(
        product=shop.activity, starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=5
    )
    past_order = sales.order_create(
        payer=claire,
        lines=[LineRequest(product=shop.activity, session=past, rate=shop.child, consumer=louis)],
        actor=STAFF,
    )
    over = timezone.now() - dt.timedelta(days=2)
    Session.objects.filter(pk=past.pk).update(starts_at=over, ends_at=over + dt.timedelta(hours=2))
    return {
        "claire": claire,
        "louis": louis,
        "user": user,
        "order_1": order_1,
        "order_2": order_2,
        "order_3": order_3,
        "invoice_1": invoice_1,
        "invoice_3": invoice_3,
        "credit_note_3": credit_note_3,
        "request_1": request_1,
        "past_order": past_order,
    }


def _bob(structure, shop: Shop) -> dict:
    bob = customer_create(first_name="Bob", last_name="Marin", email="bob@exemple.fr")
    bob_child = customer_create(first_name="Lina", last_name="Marin")
    customer_set_payer(customer=bob_child, payer=bob)
    bob_user = invite(structure, bob)
    bob_order = sales.order_create(
        payer=bob,
        lines=[
            LineRequest(
                product=shop.activity, session=shop.session, rate=shop.child, consumer=bob_child
            ),
            LineRequest(product=shop.shirt, quantity=2),
        ],
        actor=STAFF,
    )
    bob_invoice = invoice(structure, bob_order)
    bob_request = payments.payment_request_create(document=bob_invoice, actor=STAFF)
    return {
        "bob": bob,
        "bob_user": bob_user,
        "bob_child": bob_child,
        "bob_order": bob_order,
        "bob_invoice": bob_invoice,
        "bob_request": bob_request,
    }


def _bea(structure) -> dict:
    """B's catalogue and, before Bea's, orders of B's own Claire: Bea's ids are not A's."""
    shop = make_shop()
    for _ in range(4):
        order = sales.order_create(
            payer=shop.payer, lines=[LineRequest(product=shop.shirt)], actor=STAFF
        )
        invoice(structure, order)
    bea = customer_create(first_name="Bea", last_name="Kerlo", email="bea@exemple.fr")
    bea_user = invite(structure, bea)
    bea_order = sales.order_create(
        payer=bea,
        lines=[
            LineRequest(product=shop.activity, session=shop.session, rate=shop.adult, consumer=bea)
        ],
        actor=STAFF,
    )
    return {
        "bea": bea,
        "bea_user": bea_user,
        "bea_order": bea_order,
        "bea_invoice": invoice(structure, bea_order),
    }


@pytest.fixture
def space(structure_a, structure_b) -> Space:
    a, b = structure_a[0], structure_b[0]
    with schema_context(a.schema_name):
        shop = make_shop()
        claire = _claire(a, shop)
        bob = _bob(a, shop)
    with schema_context(b.schema_name):
        bea = _bea(b)
    return Space(structure=a, shop=shop, other_structure=b, **claire, **bob, **bea)

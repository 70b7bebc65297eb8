"""OR-10 Minimum participants threshold: below it participants book without paying; the
booking that reaches it invoices every participant and sends each a Click & Pay request;
later participants get theirs at order time."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from ponton import selling
from ponton.billing.models import Document
from ponton.catalogue.models import Product
from ponton.customers.services import customer_create
from ponton.payments.models import PaymentRequest
from ponton.sales.models import OrderEvent, OrderLine
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, make_shop


@pytest.fixture
def shop(structure_a):
    with schema_context(structure_a[0].schema_name):
        shop = make_shop(capacity=10)
        Product.objects.filter(pk=shop.activity.pk).update(min_participants=3)
        shop.activity.refresh_from_db()
        yield shop


def book(shop, payer, quantity=1):
    return selling.order_place(
        payer=payer,
        lines=[
            LineRequest(
                product=shop.activity,
                session=shop.session,
                rate=shop.adult,
                consumer=payer,
                quantity=quantity,
            )
        ],
        actor=STAFF,
    )


def test_threshold_reached_then_later_participants(
    shop, smtp_server, django_capture_on_commit_callbacks
):
    """OR-10: two bookings below the threshold of 3: nothing invoiced, no email; the third
    place invoices the three participants and sends three requests; a fourth participant
    gets theirs at order time."""
    people = [
        customer_create(first_name=name, last_name="Marin", email=f"{name.lower()}@exemple.fr")
        for name in ("Anne", "Bruno", "Chloé", "Denis")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        first = book(shop, people[0])
        book(shop, people[1])
    assert Document.objects.count() == 0 and PaymentRequest.objects.count() == 0
    assert set(OrderLine.objects.values_list("state", flat=True)) == {OrderLine.State.ORDERED}
    with django_capture_on_commit_callbacks(execute=True):
        third = book(shop, people[2])
    assert Document.objects.filter(kind=Document.Kind.INVOICE).count() == 3
    assert PaymentRequest.objects.filter(state=PaymentRequest.State.ACTIVE).count() == 3
    assert set(OrderLine.objects.values_list("state", flat=True)) == {OrderLine.State.INVOICED}
    received = sorted(m["X-Rcpt-To"] for m in smtp_server.wait_for(3))
    assert received == ["anne@exemple.fr", "bruno@exemple.fr", "chloé@exemple.fr"]
    assert OrderEvent.objects.filter(order=third, action="threshold_reached").exists()
    assert OrderEvent.objects.filter(order=first, action="invoiced").exists()
    with django_capture_on_commit_callbacks(execute=True):
        book(shop, people[3])
    assert PaymentRequest.objects.count() == 4
    assert sorted(m["X-Rcpt-To"] for m in smtp_server.wait_for(4))[-1] == "denis@exemple.fr"


def test_one_booking_of_several_places_reaches_the_threshold(shop):
    """OR-10: a family booking 3 places at once reaches it with one order and one request."""
    order = book(shop, shop.payer, quantity=3)
    invoice = Document.objects.get()
    assert invoice.order == order
    assert PaymentRequest.objects.get().document == invoice


def test_payer_without_email_is_noted_in_the_history(shop):
    """OR-10: when a participant has no email, the invoice is issued and the history says
    why no Click & Pay left."""
    no_email = customer_create(first_name="Sans", last_name="Email")
    order = book(shop, no_email, quantity=3)
    assert Document.objects.filter(order=order).count() == 1
    assert PaymentRequest.objects.count() == 0
    event = OrderEvent.objects.get(order=order, action="payment_request_refused")
    assert "pas d'adresse email" in event.message


def test_products_without_threshold_are_not_invoiced_at_order_time(shop):
    """OR-1: without a threshold an order stays "commandé" until staff invoice it."""
    Product.objects.filter(pk=shop.activity.pk).update(min_participants=None)
    book(shop, shop.payer, quantity=5)
    assert Document.objects.count() == 0


def test_complete_sale_that_reaches_the_threshold(shop, structure_a):
    """OR-10 with a complete sale (API "sales/", till): the sale that reaches the threshold is
    invoiced at order time with the others and its payment lands on that invoice."""
    from decimal import Decimal

    from ponton.billing.services import PaymentData
    from ponton.selling import sale_complete

    book(shop, shop.payer, quantity=2)
    order, invoice, (payment,), _balance = sale_complete(
        structure=structure_a[0],
        payer=shop.payer,
        lines=[
            LineRequest(
                product=shop.activity, session=shop.session, rate=shop.adult, consumer=shop.payer
            )
        ],
        payments=[PaymentData(kind="payment", method="cash", amount=shop.adult.amount)],
        actor=STAFF,
    )
    assert invoice.order == order and payment.document == invoice
    assert Document.objects.filter(kind=Document.Kind.INVOICE).count() == 2
    assert invoice.total == shop.adult.amount == Decimal(payment.amount)
    assert set(OrderLine.objects.values_list("state", flat=True)) == {OrderLine.State.INVOICED}


def test_threshold_reached_without_online_payment_still_invoices(shop, settings):
    """OR-10 in production without Stripe keys: the booking that reaches the threshold still
    invoices every participant; the order's history says why no Click & Pay left."""
    settings.PAYMENTS_TEST_GATEWAY = False
    order = book(shop, shop.payer, quantity=3)
    assert Document.objects.get().order == order
    assert not PaymentRequest.objects.exists()
    refused = OrderEvent.objects.get(order=order, action="payment_request_refused")
    assert "compte Stripe" in refused.message

"""Baskets, orders and quotes (OR-1, OR-2, OR-11): whole or nothing, never oversold."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product, ProductAssociation, StockPool
from ponton.planning.models import Session
from ponton.sales import services
from ponton.sales.models import Order, OrderEvent, OrderLine
from ponton.sales.services import LineRequest, SaleError, SoldOutError
from tests.support.races import buyers_for_last_seats
from tests.support.sales import STAFF, make_shop, published


@pytest.fixture
def shop(structure_a):
    with schema_context(structure_a[0].schema_name):
        yield make_shop()


def state() -> tuple:
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        list(Session.objects.order_by("pk").values_list("sold", flat=True)),
        list(StockPool.objects.order_by("pk").values_list("sold", flat=True)),
    )


def test_order_from_planning_and_catalogue(shop):
    """OR-1: a session with a rate and a consumer, plus a shop item ("Vendre"): one order,
    numbered, seats and stock taken, history started."""
    order = services.order_create(
        payer=shop.payer,
        lines=[
            LineRequest(
                product=shop.activity,
                session=shop.session,
                rate=shop.child,
                consumer=shop.child_customer,
            ),
            LineRequest(product=shop.shirt, quantity=2),
        ],
        actor=STAFF,
    )
    assert order.number.startswith("CO-") and order.number.endswith("-00001")
    assert order.status == Order.Status.ORDER
    first, second = order.lines.all()
    assert (first.rate_name, first.unit_price, first.consumer, first.state) == (
        "Enfant",
        Decimal("150.00"),
        shop.child_customer,
        OrderLine.State.ORDERED,
    )
    assert first.label.startswith("Stage catamaran – ")
    assert (second.quantity, second.total) == (2, Decimal("40.00"))
    shop.session.refresh_from_db()
    assert shop.session.sold == 1
    assert StockPool.objects.get().sold == 2
    event = OrderEvent.objects.get(order=order)
    assert (event.actor_name, event.message) == ("Camille Marin", f"Commande {order.number} créée.")


@pytest.mark.parametrize(
    ("make_line", "message"),
    [
        (lambda s: LineRequest(product=s.activity, session=s.session), "consommateur"),
        (lambda s: LineRequest(product=s.activity, consumer=s.payer), "Choisissez une date"),
        (
            lambda s: LineRequest(
                product=s.activity, session=s.session, consumer=s.payer, quantity=0
            ),
            "au moins 1",
        ),
        (
            lambda s: LineRequest(
                label="Location", unit_price=Decimal("-1"), vat_rate=Decimal("20")
            ),
            "négatif",
        ),
        (
            lambda s: LineRequest(
                label="Location", unit_price=Decimal("10"), vat_rate=Decimal("7")
            ),
            "TVA",
        ),
        (lambda s: LineRequest(product=s.shirt, quantity=6), "Stock épuisé"),
        (
            lambda s: LineRequest(
                product=s.activity, session=s.session, consumer=s.payer, quantity=11
            ),
            "Complet",
        ),
    ],
)
def test_refused_baskets_write_nothing(shop, make_line, message):
    """OR-1, OR-11: each refusal has a French message; no order, no seat, no stock taken,
    even when earlier lines had already taken theirs."""
    before = state()
    good_first = LineRequest(product=shop.shirt, quantity=1)
    with pytest.raises(SaleError, match=message):
        services.order_create(payer=shop.payer, lines=[good_first, make_line(shop)], actor=STAFF)
    assert state() == before


def test_payer_is_required_and_unpublished_products_refused(shop):
    """OR-1: no payer, or a draft product: refused."""
    with pytest.raises(SaleError, match="payeur"):
        services.order_create(payer=None, lines=[LineRequest(product=shop.shirt)], actor=STAFF)
    draft = Product.objects.create(kind=Product.Kind.SHOP_ITEM, name="Brouillon", price=5)
    with pytest.raises(SaleError, match="pas publié"):
        services.order_create(payer=shop.payer, lines=[LineRequest(product=draft)], actor=STAFF)


def test_counter_only_and_min_quantity(shop):
    """OR-1 / CA-4: "Vendre uniquement au guichet" refused on the shop, fine at the counter;
    a minimum quantity per basket is enforced."""
    counter = published(Product.Kind.TICKET, name="Billet guichet", counter_only=True)
    with pytest.raises(SaleError, match="guichet"):
        services.order_create(
            payer=shop.payer,
            lines=[LineRequest(product=counter)],
            actor=STAFF,
            channel=services.ONLINE,
        )
    assert services.order_create(
        payer=shop.payer, lines=[LineRequest(product=counter)], actor=STAFF
    )
    group = published(Product.Kind.TICKET, name="Billet groupe", min_quantity=10)
    with pytest.raises(SaleError, match="par 10 au moins"):
        services.order_create(
            payer=shop.payer, lines=[LineRequest(product=group, quantity=9)], actor=STAFF
        )


def test_mandatory_associated_products_are_added(shop):
    """OR-1 / CA-6: a mandatory associated product comes with the line by itself."""
    import datetime as dt

    licence = published(Product.Kind.MEMBERSHIP, name="Licence", price=Decimal("12.00"))
    ProductAssociation.objects.create(
        product=shop.shirt, associated=licence, starts_on=dt.date(2020, 1, 1), mandatory=True
    )
    order = services.order_create(
        payer=shop.payer, lines=[LineRequest(product=shop.shirt, quantity=2)], actor=STAFF
    )
    assert list(order.lines.values_list("label", "quantity")) == [("T-shirt", 2), ("Licence", 2)]


def test_free_line(shop):
    """OR-8: a free line carries its own label, amount, VAT rate and accounting code."""
    order = services.order_create(
        payer=shop.payer,
        lines=[
            LineRequest(
                label="Location de combinaison",
                unit_price=Decimal("8.50"),
                vat_rate=Decimal("20.00"),
                accounting_code="708300",
            )
        ],
        actor=STAFF,
    )
    line = order.lines.get()
    assert (line.label, line.unit_price, line.vat_rate, line.accounting_code) == (
        "Location de combinaison",
        Decimal("8.50"),
        Decimal("20.00"),
        "708300",
    )


def test_quote_takes_nothing_then_becomes_an_order(shop):
    """OR-2: "Devis" takes no seat; "Commander" checks again, takes the seats, renumbers."""
    quote = services.order_create(
        payer=shop.payer,
        lines=[
            LineRequest(
                product=shop.activity, session=shop.session, consumer=shop.payer, quantity=3
            )
        ],
        actor=STAFF,
        quote=True,
    )
    assert quote.number.startswith("DE-") and quote.status == Order.Status.QUOTE
    shop.session.refresh_from_db()
    assert shop.session.sold == 0
    order = services.quote_order(order=quote, actor=STAFF)
    assert order.status == Order.Status.ORDER and order.number.startswith("CO-")
    assert order.quote_number == quote.number
    shop.session.refresh_from_db()
    assert shop.session.sold == 3
    assert set(order.lines.values_list("state", flat=True)) == {OrderLine.State.ORDERED}
    with pytest.raises(SaleError, match="déjà"):
        services.quote_order(order=order, actor=STAFF)


def test_quote_on_a_full_session_is_refused_at_order_time(shop):
    """OR-2: availability is checked again when the quote is ordered."""
    quote = services.order_create(
        payer=shop.payer,
        lines=[
            LineRequest(
                product=shop.activity, session=shop.session, consumer=shop.payer, quantity=5
            )
        ],
        actor=STAFF,
        quote=True,
    )
    Session.objects.filter(pk=shop.session.pk).update(sold=8)
    with pytest.raises(SoldOutError, match="Complet"):
        services.quote_order(order=quote, actor=STAFF)
    quote.refresh_from_db()
    assert quote.status == Order.Status.QUOTE
    assert Session.objects.get(pk=shop.session.pk).sold == 8


@pytest.mark.django_db(transaction=True)
def test_200_buyers_for_the_last_10_seats(make_structure):
    """OR-11, race: 200 buyers (threads) try to book one seat among the last 10 at the same
    moment: exactly 10 orders, 190 "complet" messages, no other error, sold == capacity.
    PostgreSQL here accepts 100 connections, so at most 40 buyers hold one at a time; the
    others wait for a connection, as behind a pooler."""
    structure, _ = make_structure(name="Club couru")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=10)
    results = [outcome for outcome, _ in buyers_for_last_seats(structure, shop, buyers=200)]
    assert sorted(set(results)) == ["complet", "ok"]
    assert results.count("ok") == 10 and results.count("complet") == 190
    with schema_context(structure.schema_name):
        assert Session.objects.get(pk=shop.session.pk).sold == 10
        assert Order.objects.count() == 10
        numbers = sorted(Order.objects.values_list("number", flat=True))
        assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, 11))


def test_required_custom_fields_are_answered(shop):
    """CA-7, OR-1: a product's required custom field must be answered on its line, whoever
    orders (the basket page or the API); answered, the order keeps the answer."""
    from ponton.catalogue.models import CustomField

    field = CustomField.objects.create(label="Taille", kind=CustomField.Kind.TEXT, required=True)
    field.products.add(shop.shirt)
    before = state()
    with pytest.raises(SaleError, match="Répondez à « Taille »") as refused:
        services.order_create(
            payer=shop.payer, lines=[LineRequest(product=shop.shirt)], actor=STAFF
        )
    assert refused.value.line == 0
    assert state() == before
    order = services.order_create(
        payer=shop.payer,
        lines=[LineRequest(product=shop.shirt, answers={"Taille": "M"})],
        actor=STAFF,
    )
    assert order.lines.get().answers == {"Taille": "M"}

"""What the demo structure of `make run` holds, so that every page has something to show:
activities with a few weeks of sessions, a shop item with its own stock, an undated ticket,
this year's membership, and a small family of customers. Created through the services, as a
member of staff would; called once, inside the demo structure's schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone

from ponton.catalogue.models import Category, Product, Promotion, Site
from ponton.catalogue.services import (
    ProductData,
    PromotionData,
    product_create,
    product_publish,
    promotion_add,
    rate_add,
    stock_pool_create,
)
from ponton.customers.services import customer_create, customer_set_payer
from ponton.planning.services import sessions_add_recurrence

DEMO_WEEKS = 6


def _category(domain: str, name: str) -> Category:
    return Category.objects.get(parent__name=domain, name=name)


def _published(kind: str, data: ProductData, rates: Sequence[tuple[str, str]] = ()) -> Product:
    product = product_create(kind=kind, data=data)
    for name, amount in rates:
        rate_add(product=product, name=name, amount=Decimal(amount))
    return product_publish(product=product)


def fill_demo_structure(*, structure, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo catalogue, planning, customers and a few sales; returns what was
    created, by kind."""
    today = today or timezone.localdate()
    site = Site.objects.order_by("pk").first()
    voile = _category("Sport", "Voile")
    stage = _published(
        Product.Kind.ACTIVITY,
        ProductData(
            name="Stage catamaran (5 demi-journées)",
            description="Initiation et perfectionnement sur catamaran, matériel fourni.",
            category=voile,
            price=Decimal("180.00"),
            consumer_required=True,
            site=site,
        ),
        rates=[("Adulte", "180.00"), ("Enfant (moins de 12 ans)", "150.00")],
    )
    promotion_add(
        product=stage,
        data=PromotionData(
            name="Tarif résident",
            kind=Promotion.Kind.PERCENT,
            value=Decimal("10"),
            condition="résidents",
        ),
    )
    paddle = _published(
        Product.Kind.ACTIVITY,
        ProductData(
            name="Balade en paddle",
            description="Une heure trente de paddle encadré dans la baie.",
            category=_category("Sport", "Nautisme"),
            price=Decimal("25.00"),
            site=site,
        ),
        rates=[("Adulte", "25.00"), ("Enfant", "18.00")],
    )
    visite = _published(
        Product.Kind.ACTIVITY,
        ProductData(
            name="Visite guidée du port",
            category=_category("Culture", "Visites guidées"),
            price=Decimal("8.00"),
            vat_rate=Decimal("10.00"),
            site=site,
        ),
    )
    monday = today - dt.timedelta(days=today.weekday())
    end = monday + dt.timedelta(weeks=DEMO_WEEKS) - dt.timedelta(days=1)
    sessions = 0
    for product, weekdays, times, capacity in (
        (stage, [0, 1, 2, 3, 4], [(dt.time(9, 30), dt.time(12, 30))], 8),
        (paddle, [2, 5, 6], [(dt.time(10), dt.time(11, 30)), (dt.time(14), dt.time(15, 30))], 10),
        (visite, [1, 3, 5], [(dt.time(15), dt.time(16, 30))], 25),
    ):
        sessions += len(
            sessions_add_recurrence(
                product=product,
                start_date=monday,
                end_date=end,
                weekdays=weekdays,
                times=times,
                capacity=capacity,
                site=site,
            )
        )
    _published(
        Product.Kind.SHOP_ITEM,
        ProductData(
            name="T-shirt de la base",
            category=_category("Boutique", "Vêtements"),
            price=Decimal("20.00"),
            counter_only=True,
            stock_pool=stock_pool_create(name="T-shirts", quantity=40),
        ),
    )
    _published(
        Product.Kind.TICKET,
        ProductData(
            name="Carte 10 sorties paddle",
            category=_category("Sport", "Nautisme"),
            price=Decimal("200.00"),
        ),
    )
    _published(
        Product.Kind.MEMBERSHIP,
        ProductData(
            name=f"Adhésion {today.year}",
            category=_category("Adhésions", "Adhésion annuelle"),
            price=Decimal("35.00"),
            vat_rate=Decimal("0.00"),
            valid_from=dt.date(today.year, 1, 1),
            valid_until=dt.date(today.year, 12, 31),
            sale_from=dt.date(today.year, 1, 1),
            sale_until=dt.date(today.year, 12, 31),
        ),
    )
    parent = customer_create(
        first_name="Claire",
        last_name="Le Goff",
        email="claire.legoff@demo.ponton.test",
        mobile="+33612345678",
        birth_date=dt.date(1984, 5, 12),
    )
    for first_name, birth in (("Louis", dt.date(2014, 7, 3)), ("Jeanne", dt.date(2016, 2, 21))):
        child = customer_create(first_name=first_name, last_name="Le Goff", birth_date=birth)
        customer_set_payer(customer=child, payer=parent)
    yann = customer_create(
        first_name="Yann",
        last_name="Kerbrat",
        email="yann.kerbrat@demo.ponton.test",
        mobile="+33698765432",
    )
    orders = _demo_sales(structure=structure, stage=stage, paddle=paddle, parent=parent, yann=yann)
    return {
        "products": Product.objects.count(),
        "sessions": sessions,
        "customers": 4,
        "orders": orders,
    }


def _demo_sales(*, structure, stage, paddle, parent, yann) -> int:
    """An order for two children, invoiced and half paid by cheque (its balance and the
    "Demande de C & P" are there to try), and a quote for two paddle outings."""
    from ponton import selling
    from ponton.selling import Actor, LineRequest, PaymentData

    actor = Actor(account_id=None, name="Démonstration")
    soon = timezone.now() + dt.timedelta(days=1)
    stage_session = stage.sessions.filter(starts_at__gt=soon).order_by("starts_at").first()
    paddle_sessions = list(paddle.sessions.filter(starts_at__gt=soon).order_by("starts_at")[:2])
    child_rate = stage.rates.get(name__startswith="Enfant")
    order = selling.order_place(
        payer=parent,
        lines=[
            LineRequest(product=stage, session=stage_session, rate=child_rate, consumer=child)
            for child in parent.consumers.order_by("first_name")
        ],
        actor=actor,
    )
    invoice = selling.invoice(
        structure=structure,
        order=order,
        line_ids=list(order.lines.values_list("pk", flat=True)),
        actor=actor,
    )
    selling.pay(
        document=invoice,
        data=PaymentData(
            kind="payment",
            method="cheque",
            amount=Decimal("150.00"),
            cheque_bank="Crédit Maritime",
            cheque_number="0004512",
            cheque_issuer="Claire Le Goff",
        ),
        actor=actor,
    )
    selling.order_place(
        payer=yann,
        lines=[LineRequest(product=paddle, session=s) for s in paddle_sessions],
        actor=actor,
        quote=True,
    )
    return 2

"""A small published catalogue to sell from, built through the services (inside a schema)."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.catalogue.models import Category, Product, Rate
from ponton.catalogue.services import (
    ProductData,
    product_create,
    product_publish,
    rate_add,
    stock_pool_create,
)
from ponton.customers.models import Customer
from ponton.customers.services import customer_create
from ponton.planning.models import Session
from ponton.planning.services import session_add
from ponton.sales.services import Actor

STAFF = Actor(account_id=1, name="Camille Marin")


@dataclass
class Shop:
    activity: Product
    adult: Rate
    child: Rate
    session: Session
    later_session: Session
    shirt: Product
    payer: Customer
    child_customer: Customer


def published(kind: str, **fields) -> Product:
    fields.setdefault("price", Decimal("20.00"))
    fields.setdefault("category", Category.objects.filter(parent__isnull=False).first())
    return product_publish(product=product_create(kind=kind, data=ProductData(**fields)))


def make_shop(*, capacity: int = 10, stock: int = 5) -> Shop:
    activity = published(
        Product.Kind.ACTIVITY,
        name="Stage catamaran",
        price=Decimal("180.00"),
        consumer_required=True,
        accounting_code="706100",
    )
    adult = rate_add(product=activity, name="Adulte", amount=Decimal("180.00"))
    child = rate_add(product=activity, name="Enfant", amount=Decimal("150.00"))
    start = timezone.localtime() + dt.timedelta(days=7)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    session = session_add(
        product=activity, starts_at=start, ends_at=start + dt.timedelta(hours=3), capacity=capacity
    )
    later = start + dt.timedelta(days=1)
    later_session = session_add(
        product=activity, starts_at=later, ends_at=later + dt.timedelta(hours=3), capacity=capacity
    )
    shirt = published(
        Product.Kind.SHOP_ITEM,
        name="T-shirt",
        price=Decimal("20.00"),
        stock_pool=stock_pool_create(name="T-shirts", quantity=stock),
    )
    payer = customer_create(first_name="Claire", last_name="Le Goff", email="claire@exemple.fr")
    child_customer = customer_create(first_name="Louis", last_name="Le Goff")
    return Shop(activity, adult, child, session, later_session, shirt, payer, child_customer)


def cash_sale(shop: Shop) -> dict:
    """The body of `POST /api/v1/sales/` for one adult seat of the shop's session, for the
    payer, paid in cash."""
    return {
        "payer": shop.payer.pk,
        "lines": [
            {
                "product": shop.activity.pk,
                "session": shop.session.pk,
                "rate": shop.adult.pk,
                "consumer": shop.payer.pk,
            }
        ],
        "payments": [{"method": "cash", "amount": str(shop.adult.amount)}],
    }


def text(response) -> str:
    """A page's HTML with its entities decoded (French quotes, apostrophes)."""
    return html.unescape(response.content.decode())


def in_schema(shop, fn):
    """fn() on the schema of the shop's structure."""
    with schema_context(shop.structure.schema_name):
        return fn()

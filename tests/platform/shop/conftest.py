"""An open shop (MP-1): a structure with its CGV and a small published catalogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.catalogue.models import Category, Product, Site
from ponton.catalogue.services import (
    ProductData,
    product_create,
    product_publish,
    rate_add,
    site_create,
    stock_pool_create,
)
from ponton.planning.models import Session
from ponton.planning.services import session_add
from tenants.models import Structure


@dataclass
class Catalogue:
    structure: Structure
    site: Site
    other_site: Site
    voile: Category
    boutique: Category
    activity: Product
    shirt: Product
    membership: Product


def published(kind: str, **fields) -> Product:
    fields.setdefault("price", Decimal("20.00"))
    fields.setdefault("category", Category.objects.get(parent__name="Sport", name="Nautisme"))
    return product_publish(product=product_create(kind=kind, data=ProductData(**fields)))


def next_monday_at(hour: int, weeks: int = 1, day: int = 0) -> dt.datetime:
    """A local datetime `weeks` weeks after this week's Monday (+ `day` days), at `hour`."""
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks, days=day)
    return dt.datetime.combine(monday, dt.time(hour), tzinfo=timezone.get_current_timezone())


def add_session(product: Product, starts_at: dt.datetime, capacity: int = 10, sold: int = 0):
    session = session_add(
        product=product,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        capacity=capacity,
    )
    if sold:
        Session.objects.filter(pk=session.pk).update(sold=sold)
        session.sold = sold
    return session


def open_the_shop(structure: Structure) -> None:
    """CGV present (the file's content does not matter to the shop's pages)."""
    Structure.objects.filter(pk=structure.pk).update(cgv="structures/cgv/cgv.pdf")
    structure.cgv = "structures/cgv/cgv.pdf"


def fill_catalogue(structure: Structure) -> Catalogue:
    with schema_context(structure.schema_name):
        site = site_create(name="Base nautique", address_line1="1 quai Est", city="Brest")
        other_site = site_create(name="Plage du Moulin", city="Crozon")
        voile = Category.objects.get(parent__name="Sport", name="Voile")
        boutique = Category.objects.get(parent__name="Boutique", name="Vêtements")
        activity = published(
            Product.Kind.ACTIVITY,
            name="Stage catamaran",
            description="Cinq demi-journées sur l'eau.",
            price=Decimal("180.00"),
            category=voile,
            site=site,
        )
        rate_add(product=activity, name="Adulte", amount=Decimal("180.00"))
        rate_add(product=activity, name="Enfant", amount=Decimal("150.00"))
        shirt = published(
            Product.Kind.SHOP_ITEM,
            name="T-shirt",
            price=Decimal("20.00"),
            category=boutique,
            site=other_site,
            min_quantity=2,
            stock_pool=stock_pool_create(name="T-shirts", quantity=5),
        )
        membership = published(
            Product.Kind.MEMBERSHIP,
            name="Adhésion annuelle",
            price=Decimal("35.00"),
            category=Category.objects.get(parent__name="Adhésions", name="Adhésion annuelle"),
        )
    return Catalogue(structure, site, other_site, voile, boutique, activity, shirt, membership)


@pytest.fixture
def shop(structure_a) -> Catalogue:
    structure, _owner = structure_a
    open_the_shop(structure)
    return fill_catalogue(structure)

"""E-marketing test helpers: a structure with the module on, customers with or without consent,
orders written straight in the tables the segment rules read."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from modules.emarketing.models import Consent
from modules.emarketing.services import consent_set
from ponton.catalogue.models import Category, Product, Site
from ponton.customers.models import Address, Customer
from ponton.planning.models import Session
from ponton.sales.models import Order, OrderLine
from tenants.services import module_grant

_numbers = itertools.count(1)


@pytest.fixture
def em_structure(make_structure):
    """(structure, owner) with the e-marketing module granted and on."""
    structure, owner = make_structure(name="Centre nautique de Kerlouan")
    module_grant(structure=structure, label="emarketing")
    return structure, owner


def customer(
    first_name: str,
    *,
    email: str | None = None,
    consent: bool = True,
    birth_date: dt.date | None = None,
    postal_code: str | None = None,
) -> Customer:
    c = Customer.objects.create(
        first_name=first_name,
        last_name="Test",
        email=f"{first_name.lower()}@client.test" if email is None else email,
        birth_date=birth_date,
    )
    if consent:
        consent_set(customer=c, consented=True, source=Consent.Source.MANAGER)
    if postal_code:
        Address.objects.create(customer=c, line1="1 rue du Port", postal_code=postal_code, city="X")
    return c


def product(name: str, kind: str = Product.Kind.ACTIVITY, **fields) -> Product:
    return Product.objects.create(
        name=name, kind=kind, price=Decimal("10.00"), status=Product.Status.PUBLISHED, **fields
    )


def buy(
    payer: Customer,
    item: Product,
    *,
    consumer: Customer | None = None,
    session: Session | None = None,
    ordered_at: dt.datetime | None = None,
    state: str = OrderLine.State.INVOICED,
) -> OrderLine:
    order = Order.objects.create(
        number=f"CMD-{next(_numbers)}",
        status=Order.Status.ORDER,
        payer=payer,
        ordered_at=ordered_at or timezone.now(),
    )
    return OrderLine.objects.create(
        order=order,
        state=state,
        product=item,
        session=session,
        consumer=consumer,
        label=item.name,
        quantity=1,
        unit_price=item.price,
        vat_rate=Decimal("20.00"),
    )


def session_of(item: Product, *, days: int, site: Site | None = None) -> Session:
    start = timezone.now() + dt.timedelta(days=days)
    return Session.objects.create(
        product=item, site=site, starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=10
    )


def category(name: str, parent: Category | None = None) -> Category:
    return Category.objects.create(name=name, parent=parent)

"""A structure selling FF Voile licences (FF-1), for the module's tests and the browser test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django_tenants.utils import schema_context

from modules.ffvoile import services
from modules.ffvoile.models import LicenceKind
from ponton.catalogue.models import Product
from ponton.customers.models import Customer
from ponton.customers.services import AddressData, customer_create
from tenants.services import module_set_enabled
from tests.support import ffvoile_emulator
from tests.support.sales import published


def licence_club(structure) -> tuple[Product, Customer]:
    """FF Voile on, the structure's account on the emulator, the adult licence product and Anne,
    whose identity is complete -> (licence, anne)."""
    module_set_enabled(structure=structure, label="ffvoile", enabled=True)
    with schema_context(structure.schema_name):
        services.account_update(
            club_number=ffvoile_emulator.CLUB_NUMBER,
            login=ffvoile_emulator.LOGIN,
            password=ffvoile_emulator.PASSWORD,
        )
        licence = published(
            Product.Kind.MEMBERSHIP,
            name="Licence club FFVoile adulte",
            price=Decimal("62.00"),
            consumer_required=True,
        )
        services.licence_product_set(product=licence, kind=LicenceKind.ADULT)
        anne = customer_create(
            first_name="Anne",
            last_name="Quéméner",
            email="anne@exemple.fr",
            birth_date=dt.date(1990, 5, 17),
            address=AddressData(line1="12 rue de Siam", postal_code="29200", city="Brest"),
        )
        services.identity_set(customer=anne, sex="F")
    return licence, anne

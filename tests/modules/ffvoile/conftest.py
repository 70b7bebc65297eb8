from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from modules.ffvoile import services
from modules.ffvoile.models import LicenceKind
from ponton import selling
from ponton.catalogue.models import Product
from ponton.customers.models import Customer
from ponton.customers.services import customer_create
from tests.support import ffvoile_emulator
from tests.support.ffvoile import licence_club
from tests.support.sales import STAFF, published


@dataclass
class Club:
    structure: object
    owner: object
    emulator: object
    licence: Product
    passport: Product
    anne: Customer  # complete identity
    paul: Customer  # no sex, no address yet

    def sell(self, person: Customer, product: Product | None = None):
        """A complete sale of a licence for `person` (the till's and API's path)."""
        product = product or self.licence
        with schema_context(self.structure.schema_name):
            return selling.sale_complete(
                structure=self.structure,
                payer=person,
                lines=[selling.LineRequest(product=product, consumer=person)],
                payments=[selling.PaymentData(kind="payment", method="cash", amount=product.price)],
                actor=STAFF,
            )


@pytest.fixture
def emulator():
    server = ffvoile_emulator.start(timeout_seconds=1.5)
    yield server
    server.stop()


@pytest.fixture
def club(structure_a, emulator, settings):
    """Structure A with FF Voile on, its account on the emulator, a licence and a passport."""
    settings.FFVOILE_BASE_URL = emulator.base_url
    settings.FFVOILE_READ_TIMEOUT = 0.5
    structure, owner = structure_a
    licence, anne = licence_club(structure)
    with schema_context(structure.schema_name):
        passport = published(
            Product.Kind.MEMBERSHIP, name="Passeport voile", price=Decimal("11.50")
        )
        services.licence_product_set(product=passport, kind=LicenceKind.PASSPORT)
        paul = customer_create(first_name="Paul", last_name="Riou", email="paul@exemple.fr")
    return Club(structure, owner, emulator, licence, passport, anne, paul)

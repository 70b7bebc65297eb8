"""Fixtures of the sales tests: a structure's shop (make_shop) and its owner's client."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tests.support.sales import make_shop


@pytest.fixture
def shop(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        shop = make_shop()
    shop.structure = structure
    shop.owner = owner
    return shop


@pytest.fixture
def client(shop, client_for):
    return client_for(shop.structure, shop.owner)

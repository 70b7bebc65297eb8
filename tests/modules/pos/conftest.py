"""Till fixtures: a structure with the module on, its small catalogue (tests.support.sales)
and an open till, used inside the structure's schema."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from modules.pos.models import Till
from tenants.services import module_grant
from tests.support.pos import open_counter
from tests.support.sales import make_shop


@pytest.fixture
def till_club(make_structure, django_capture_on_commit_callbacks):
    structure, owner = make_structure(name="Club de la Baie")
    # Paid: granted by the platform; its first till is created after commit (run here too
    # when the test runs inside one transaction).
    with django_capture_on_commit_callbacks(execute=True):
        module_grant(structure=structure, label="pos")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=3, stock=5)
        # The till the grant created ("Caisse principale"), the structure's only one.
        counter = open_counter(till=Till.objects.get())
    shop.structure = structure
    shop.owner = owner
    shop.counter = counter
    return shop


@pytest.fixture
def in_till(till_club):
    """The test body runs inside the till club's schema."""
    with schema_context(till_club.structure.schema_name):
        yield till_club

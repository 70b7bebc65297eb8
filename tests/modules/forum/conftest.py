"""Forum fixtures: a structure with its team (owner, admin, staff, accountant, cashier) and an
invited customer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ponton.accounts.models import Role, User
from ponton.customers.models import Customer
from tests.platform.customers.factories import make_customer


@dataclass
class Club:
    structure: object
    owner: User
    admin: User
    staff: User
    accountant: User
    cashier: User
    customer: Customer
    customer_user: User


@pytest.fixture
def make_club(make_structure, make_member):
    def _make(name: str = "Club A", **profile) -> Club:
        structure, owner = make_structure(name=name, **profile)
        customer, customer_user = make_customer(structure)
        return Club(
            structure=structure,
            owner=owner,
            admin=make_member(structure, Role.ADMIN),
            staff=make_member(structure, Role.STAFF),
            accountant=make_member(structure, Role.ACCOUNTANT),
            cashier=make_member(structure, Role.CASHIER),
            customer=customer,
            customer_user=customer_user,
        )

    return _make


@pytest.fixture
def club(make_club) -> Club:
    return make_club()

"""Customers for tests: a row in the structure's schema, optionally invited (platform account
with a password, Customer.account_id, CustomerLink), as staff would do it from the card."""

from __future__ import annotations

import itertools

from django_tenants.utils import schema_context

from ponton.accounts.models import User
from ponton.customers.models import Customer
from ponton.customers.services import customer_create, customer_invite
from tests.conftest import TEST_PASSWORD

_counter = itertools.count(1)


def make_customer(
    structure,
    *,
    first_name: str = "Camille",
    last_name: str = "Leroy",
    email: str | None = None,
    invited: bool = True,
) -> tuple[Customer, User | None]:
    """(customer, account): the account has TEST_PASSWORD when `invited`, else None."""
    email = email if email is not None else f"client{next(_counter)}@exemple.test"
    with schema_context(structure.schema_name):
        customer = customer_create(first_name=first_name, last_name=last_name, email=email)
        if not invited:
            return customer, None
        user = customer_invite(structure=structure, customer=customer)
        customer.refresh_from_db()
    user.set_password(TEST_PASSWORD)
    user.save(update_fields=["password"])
    return customer, user

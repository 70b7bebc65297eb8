"""Reads of the customer base (tenant schema) and of the customer links (public schema)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from ponton.accounts.models import CustomerLink, User
from ponton.customers.models import Customer
from tenants.models import StructureState

SEARCH_FIELDS = ("first_name", "last_name", "email", "mobile", "phone")


def customer_list(*, query: str = "") -> QuerySet[Customer]:
    """CU-1: customers of the structure, by name; each word of `query` must match a name, the
    email or a phone number."""
    customers = Customer.objects.all()
    for word in query.split()[:5]:
        condition = Q()
        for name in SEARCH_FIELDS:
            condition |= Q(**{f"{name}__icontains": word})
        customers = customers.filter(condition)
    return customers.order_by("last_name", "first_name", "id")


def access_customer(*, customer_id: int) -> Customer:
    """A customer of the current structure named in a URL; 404 for any other."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    return customer


def customer_for_account(*, account_id: int | None) -> Customer | None:
    """The current structure's customer whose platform account is `account_id`, if any."""
    if account_id is None:
        return None
    return Customer.objects.filter(account_id=account_id).first()


def customer_account(*, customer: Customer) -> User | None:
    if customer.account_id is None:
        return None
    return User.objects.filter(pk=customer.account_id).first()


def customer_structures(*, user: User) -> list:
    """The structures `user` is a customer of (public schema), by name; suspended ones left
    out (their pages are closed)."""
    if not user.is_authenticated:
        return []
    links = (
        CustomerLink.objects.filter(user=user)
        .exclude(structure__state=StructureState.SUSPENDED)
        .exclude(structure__schema_name=settings.PUBLIC_SCHEMA_NAME)
        .select_related("structure")
        .order_by("structure__name", "structure_id")
    )
    return [link.structure for link in links]


def customer_space_links(*, structure, user) -> list:
    """The pages the modules that are on add to this structure's customer space (MenuItems,
    paths on the structure's domain)."""
    from ponton.plugins.manager import hooks_for

    items = [
        item
        for items in hooks_for(structure).ponton_customer_space_links(
            structure=structure, user=user
        )
        for item in (items or [])
    ]
    return sorted(items, key=lambda i: (i.order, i.label))

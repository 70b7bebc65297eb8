"""Reads of the customer base (tenant schema) and of the customer links (public schema)."""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from ponton.accounts.models import CustomerLink, User
from ponton.customers.models import Customer, SearchText
from tenants.models import StructureState

PHONE_RE = re.compile(r"^\+?[\d\s.\-()]{6,}$")


def _search_words(query: str) -> list[str]:
    """The lowercased words of a search; a French phone number typed with spaces or dots
    ("06 12 34 56 78") becomes one word matching the stored E.164 number ("+33612345678")."""
    query = query.strip()
    if PHONE_RE.match(query):
        digits = re.sub(r"\D", "", query)
        if len(digits) == 10 and digits.startswith("0"):
            return [digits[1:]]
        return [digits]
    return [word.lower() for word in query.split()[:5]]


def customer_list(*, query: str = "") -> QuerySet[Customer]:
    """CU-1: customers of the structure, by name; each word of `query` must be found in the
    name, the email or a phone number.

    Filters the lowercased search text with LIKE '%word%', served by the trigram GIN index
    `customers_customer_search_trgm` on the same expression (see models)."""
    customers = Customer.objects.all()
    words = _search_words(query)
    if not words:
        # The whole base in name order: read along the B-tree customers_by_name.
        return customers.order_by("last_name", "first_name", "id")
    customers = customers.alias(search=SearchText())
    for word in words:
        customers = customers.filter(search__contains=word)
    # Matches are sorted by lower(name), which no B-tree covers: the planner takes them from
    # the trigram index then sorts them, instead of walking the whole name order and
    # filtering (115 ms on 100,000 customers for a fragment of late-alphabet names).
    return customers.order_by(Lower("last_name"), Lower("first_name"), "id")


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


def customer_family(*, customer: Customer) -> dict:
    """CU-1: the customer's payer and the consumers they pay for."""
    return {
        "payer": customer.payer,
        "consumers": list(customer.consumers.order_by("last_name", "first_name", "id")),
    }


def customer_export(*, customer: Customer) -> dict:
    """CU-2 (GDPR): everything the core holds on the person, as JSON-ready data. Only the core
    data (identity, addresses, family links, customer-space account): the modules' data (the
    forum's messages...) are not read here, the core never imports modules."""
    account = customer_account(customer=customer)
    return {
        "client": {
            "id": customer.pk,
            "prenom": customer.first_name,
            "nom": customer.last_name,
            "email": customer.email,
            "mobile": customer.mobile,
            "telephone": customer.phone,
            "date_de_naissance": customer.birth_date.isoformat() if customer.birth_date else None,
            "client_depuis": customer.created_at.isoformat(),
        },
        "adresses": [
            {
                "libelle": a.label,
                "adresse": a.line1,
                "complement": a.line2,
                "code_postal": a.postal_code,
                "ville": a.city,
                "pays": a.country,
            }
            for a in customer.addresses.order_by("id")
        ],
        "payeur": (
            {"id": customer.payer_id, "nom": customer.payer.full_name} if customer.payer else None
        ),
        "consommateurs": [
            {"id": c.pk, "nom": c.full_name}
            for c in customer.consumers.order_by("last_name", "first_name", "id")
        ],
        "compte_espace_client": account.email if account else None,
    }

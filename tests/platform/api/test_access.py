"""Who may use the API: token or session of an active staff member of the host's structure only.
A member of structure A is refused on B's host, and B's rows are not reachable from A."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from ponton.catalogue.models import Product
from ponton.customers.models import Customer
from tests.conftest import host_of

READ_URLS = [
    "/api/v1/products/",
    "/api/v1/sites/",
    "/api/v1/categories/",
    "/api/v1/sessions/",
    "/api/v1/customers/",
]


@pytest.mark.parametrize("url", READ_URLS)
def test_a_token_opens_each_resource(club, api, url):
    """CA-1, PL-1, CU-1: each resource answers to the owner's token."""
    structure, owner = club
    response = api(structure, owner).get(url)
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize("url", READ_URLS)
def test_anonymous_and_bad_tokens_are_refused(club, url):
    structure, _owner = club
    client = Client(HTTP_HOST=host_of(structure))
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Token pas-un-jeton").status_code == 401


def test_anonymous_cannot_write(club, in_schema):
    structure, _owner = club
    client = Client(HTTP_HOST=host_of(structure))
    response = client.post(
        "/api/v1/products/",
        {"kind": "ticket", "name": "Entrée", "price": "5.00"},
        content_type="application/json",
    )
    assert response.status_code == 401
    with in_schema(structure):
        assert not Product.objects.exists()


def test_the_session_of_a_logged_in_member_works_too(club, client_for):
    structure, owner = club
    assert client_for(structure, owner).get("/api/v1/products/").status_code == 200


def test_a_token_of_structure_a_is_refused_on_b(club, structure_b, api, in_schema):
    """Security: the token of A's owner is valid on A only; nothing is read nor written on B."""
    _a, owner_a = club
    b, _owner_b = structure_b
    with in_schema(b):
        product_b = Product.objects.create(kind="ticket", name="Billet B", price=Decimal("5.00"))
        customer_b = Customer.objects.create(first_name="Client", last_name="B")
    on_b = api(b, owner_a)
    for url in READ_URLS + [
        f"/api/v1/products/{product_b.pk}/",
        f"/api/v1/customers/{customer_b.pk}/",
        f"/api/v1/customers/{customer_b.pk}/export/",
    ]:
        assert on_b.get(url).status_code == 403, url
    assert on_b.post(
        "/api/v1/products/", {"kind": "ticket", "name": "X", "price": "1"}
    ).status_code == (403)
    assert on_b.post(f"/api/v1/products/{product_b.pk}/archive/").status_code == 403
    assert on_b.post(f"/api/v1/customers/{customer_b.pk}/erase/").status_code == 403
    with in_schema(b):
        assert list(Product.objects.values_list("name", "status")) == [("Billet B", "draft")]
        assert Customer.objects.get(pk=customer_b.pk).erased_at is None


def test_rows_of_b_are_not_found_from_a(club, structure_b, api, in_schema):
    """Security: ids of B's product and customer are unknown on A's host (404)."""
    a, owner_a = club
    b, _owner_b = structure_b
    with in_schema(b):
        product_b = Product.objects.create(kind="ticket", name="Billet B", price=Decimal("5.00"))
        customer_b = Customer.objects.create(first_name="Client", last_name="B")
    on_a = api(a, owner_a)
    assert on_a.get(f"/api/v1/products/{product_b.pk}/").status_code == 404
    assert on_a.post(f"/api/v1/products/{product_b.pk}/publish/").status_code == 404
    assert on_a.get(f"/api/v1/customers/{customer_b.pk}/").status_code == 404
    assert on_a.get("/api/v1/products/").json()["results"] == []


def test_a_token_answers_with_the_membership_it_holds_now(club, api, make_member):
    """Security: the token's query also reads the membership (one query for both): a member
    whose access is removed is refused at once (403), a deactivated account is not
    authenticated any more (401); the role read with the token is the one checked."""
    from ponton.accounts.models import Membership, Role
    from ponton.accounts.services import membership_deactivate

    structure, _owner = club
    member = make_member(structure, role=Role.STAFF)
    client = api(structure, member)
    assert client.get("/api/v1/orders/").status_code == 200
    membership = Membership.objects.get(user=member, structure=structure)
    membership_deactivate(membership=membership)
    assert client.get("/api/v1/orders/").status_code == 403
    Membership.objects.filter(pk=membership.pk).update(is_active=True, role=Role.CASHIER)
    assert client.get("/api/v1/orders/").status_code == 200
    new_product = {"kind": "ticket", "name": "Entrée", "price": "5.00"}
    assert client.post("/api/v1/products/", new_product).status_code == 403  # cashier
    member.is_active = False
    member.save(update_fields=["is_active"])
    refused = client.get("/api/v1/orders/")
    assert refused.status_code == 401 and refused.json()["detail"]

"""The structure of a request comes from its Host header (django-tenants). A connection that
served the same structure last keeps its search_path (no `SET search_path`); another
structure, the platform or an unknown host switch it — and nothing of one structure is read
for another."""

from __future__ import annotations

import json

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from ponton.accounts.services import api_token_issue
from ponton.customers.services import customer_create
from tests.conftest import host_of


def sets(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET search_path")]


def customers_seen(client: Client, token: str) -> list[str]:
    response = client.get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200, response.content
    return [c["last_name"] for c in json.loads(response.content)["results"]]


def test_same_structure_keeps_the_search_path_and_others_switch_it(structure_a, structure_b):
    (a, owner_a), (b, owner_b) = structure_a, structure_b
    with schema_context(a.schema_name):
        customer_create(first_name="Anne", last_name="Dea")
    with schema_context(b.schema_name):
        customer_create(first_name="Bruno", last_name="Dbe")
    token_a, token_b = api_token_issue(user=owner_a), api_token_issue(user=owner_b)
    client_a, client_b = Client(HTTP_HOST=host_of(a)), Client(HTTP_HOST=host_of(b))

    with CaptureQueriesContext(connection) as first:
        assert customers_seen(client_a, token_a) == ["Dea"]
    assert sets(first) == [f'SET search_path = "{a.schema_name}","public"']
    with CaptureQueriesContext(connection) as again:
        assert customers_seen(client_a, token_a) == ["Dea"]
    assert sets(again) == []  # the same structure: nothing to switch
    with CaptureQueriesContext(connection) as other:
        assert customers_seen(client_b, token_b) == ["Dbe"]
    assert sets(other) == [f'SET search_path = "{b.schema_name}","public"']
    # A's token on B's host: refused, and nothing of A's is read there.
    refused = client_b.get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {token_a}")
    assert refused.status_code == 403


def test_unknown_host_after_a_structure_is_served_on_the_public_schema(structure_a, client):
    a, owner = structure_a
    token = api_token_issue(user=owner)
    assert customers_seen(Client(HTTP_HOST=host_of(a)), token) == []
    assert connection.schema_name == a.schema_name
    response = Client(HTTP_HOST="inconnu.localhost").get("/")
    assert response.status_code == 404
    assert connection.schema_name == "public"

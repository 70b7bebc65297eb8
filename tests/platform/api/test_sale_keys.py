"""`Idempotency-Key` on `POST /api/v1/sales/` (docs/api.md): a client that lost the answer to a
sale sends it again with the same key and gets the first answer back, never a second sale; the
same key for another sale is refused; a refused sale keeps no key; two requests with one key at
the same moment make one sale."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from ponton.accounts.services import api_token_issue
from ponton.billing.models import Document, Payment
from ponton.ledger.selectors import ledger_verify
from ponton.planning.models import Session
from ponton.sales.models import Order, SaleKey
from tests.conftest import host_of
from tests.support.sales import make_shop


@pytest.fixture
def shop(club):
    with schema_context(club[0].schema_name):
        return make_shop(capacity=10)


def sale_body(shop, amount: str = "150.00") -> dict:
    return {
        "payer": shop.payer.pk,
        "lines": [
            {
                "product": shop.activity.pk,
                "session": shop.session.pk,
                "rate": shop.child.pk,
                "consumer": shop.child_customer.pk,
            }
        ],
        "payments": [{"method": "card", "amount": amount}],
    }


def keyed(api, club, key: str):
    structure, owner = club
    client = api(structure, owner)
    client.headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client


def test_the_same_sale_sent_again_with_its_key_gets_the_first_answer(api, club, shop):
    client = keyed(api, club, "caisse-2-vente-0001")
    first = client.post("/api/v1/sales/", sale_body(shop))
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    again = client.post("/api/v1/sales/", sale_body(shop))
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    with schema_context(club[0].schema_name):
        assert Order.objects.count() == 1 and Document.objects.count() == 1
        assert Payment.objects.count() == 1
        assert Session.objects.get(pk=shop.session.pk).sold == 1
        assert SaleKey.objects.get().order.number == first.json()["order"]["number"]
    # Without a key, the same body is another sale, as before.
    plain = api(*club).post("/api/v1/sales/", sale_body(shop))
    assert plain.status_code == 201
    assert plain.json()["order"]["id"] != first.json()["order"]["id"]


def test_the_key_of_a_sale_is_refused_for_another_sale(api, club, shop):
    client = keyed(api, club, "vente-42")
    assert client.post("/api/v1/sales/", sale_body(shop)).status_code == 201
    body = sale_body(shop)
    body["lines"][0]["quantity"] = 2
    body["payments"][0]["amount"] = "300.00"
    other = client.post("/api/v1/sales/", body)
    assert other.status_code == 422
    assert other.json()["detail"] == (
        "Cette clé Idempotency-Key a déjà servi pour une autre vente : prenez-en une nouvelle."
    )
    with schema_context(club[0].schema_name):
        assert Order.objects.count() == 1
        assert Session.objects.get(pk=shop.session.pk).sold == 1


def test_a_refused_sale_keeps_no_key_and_a_bad_key_is_refused_in_french(api, club, shop):
    client = keyed(api, club, "vente-43")
    refused = client.post("/api/v1/sales/", sale_body(shop, amount="999.00"))
    assert refused.status_code == 400
    corrected = client.post("/api/v1/sales/", sale_body(shop))
    assert corrected.status_code == 201 and "Idempotent-Replayed" not in corrected
    for bad in ("", "avec espace", "x" * 201, "clé-accentuée"):
        response = keyed(api, club, bad).post("/api/v1/sales/", sale_body(shop))
        assert response.status_code == 400, bad
        assert "Idempotency-Key doit compter de 1 à 200 caractères" in response.json()["detail"]
    with schema_context(club[0].schema_name):
        assert Order.objects.count() == 1 and SaleKey.objects.count() == 1
        assert ledger_verify().ok


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_the_same_moment_make_one_sale(make_structure):
    """The second request waits on the key the first took in its transaction, then answers
    the first's sale (a client that retried while its first attempt was still running)."""
    structure, owner = make_structure(name="Club des doublons")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=10)
    token = api_token_issue(user=owner)
    barrier = threading.Barrier(4)
    answers: list[tuple[int, dict]] = []

    def send() -> None:
        try:
            client = Client(HTTP_HOST=host_of(structure))
            barrier.wait()
            response = client.post(
                "/api/v1/sales/",
                data=json.dumps(sale_body(shop)),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
                HTTP_IDEMPOTENCY_KEY="borne-1-vente-7",
            )
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [status for status, _ in answers] == [201] * 4
    assert len({answer["order"]["id"] for _, answer in answers}) == 1
    with schema_context(structure.schema_name):
        assert Order.objects.count() == 1
        assert Session.objects.get(pk=shop.session.pk).sold == 1
        assert ledger_verify().ok

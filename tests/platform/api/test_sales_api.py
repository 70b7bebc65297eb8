"""API of sales and billing (OR-1 to OR-6): the same services as the Club Manager, with their
French refusals, structure-scoped, "sales.manage" only."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.billing.models import Document, Payment
from ponton.ledger.selectors import ledger_verify
from ponton.planning.models import Session
from ponton.sales.models import Order
from tests.support.sales import make_shop, published


@pytest.fixture
def shop(club):
    with schema_context(club[0].schema_name):
        return make_shop(capacity=10)


def activity_line(shop, **extra):
    return {
        "product": shop.activity.pk,
        "session": shop.session.pk,
        "rate": shop.child.pk,
        "consumer": shop.child_customer.pk,
        **extra,
    }


def test_order_invoice_payment_in_three_calls(api, club, shop):
    """OR-1, OR-3, OR-6: POST a basket, invoice its lines, pay in two methods; the order's
    detail shows the documents, the balance and the history."""
    structure, owner = club
    client = api(structure, owner)
    response = client.post(
        "/api/v1/orders/",
        {"payer": shop.payer.pk, "lines": [activity_line(shop), {"product": shop.shirt.pk}]},
    )
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["number"].startswith("CO-") and len(order["lines"]) == 2
    assert [line["total"] for line in order["lines"]] == ["150.00", "20.00"]
    invoice = client.post(f"/api/v1/orders/{order['id']}/invoices/", {}).json()
    assert invoice["number"].startswith("FA-") and invoice["total"] == "170.00"
    assert invoice["due"] == "170.00"
    for method, amount in (("cash", "70.00"), ("card", "100.00")):
        paid = client.post(
            f"/api/v1/documents/{invoice['id']}/payments/", {"method": method, "amount": amount}
        )
        assert paid.status_code == 201, paid.content
    detail = client.get(f"/api/v1/orders/{order['id']}/").json()
    assert detail["balance"] == "0.00"
    assert [d["number"] for d in detail["documents"]] == [invoice["number"]]
    assert [e["action"] for e in detail["history"]] == ["created", "invoiced", "payment", "payment"]
    assert detail["history"][0]["actor_name"]


def test_refusals_carry_the_french_message_and_write_nothing(api, club, shop):
    """OR-1, OR-6: a missing consumer, a full session, an overpayment: 400 with the message."""
    structure, owner = club
    client = api(structure, owner)
    response = client.post(
        "/api/v1/orders/",
        {"payer": shop.payer.pk, "lines": [activity_line(shop, consumer=None)]},
    )
    assert response.status_code == 400
    assert "consommateur" in response.json()["lines"]["0"][0]
    response = client.post(
        "/api/v1/orders/",
        {"payer": shop.payer.pk, "lines": [activity_line(shop, quantity=11)]},
    )
    assert response.status_code == 400 and "Complet" in str(response.json())
    with schema_context(structure.schema_name):
        assert Order.objects.count() == 0
        assert Session.objects.get(pk=shop.session.pk).sold == 0
    order = client.post(
        "/api/v1/orders/", {"payer": shop.payer.pk, "lines": [activity_line(shop)]}
    ).json()
    invoice = client.post(f"/api/v1/orders/{order['id']}/invoices/", {}).json()
    response = client.post(
        f"/api/v1/documents/{invoice['id']}/payments/", {"method": "card", "amount": "150.01"}
    )
    assert response.status_code == 400
    assert response.json() == {"amount": ["Le paiement (150,01 €) dépasse le reste dû (150,00 €)."]}


def test_cash_above_the_balance_answers_the_change(api, club, shop):
    """OR-6, issue 11: cash handed over above the balance records the balance; the change is
    in the answer."""
    structure, owner = club
    client = api(structure, owner)
    order = client.post(
        "/api/v1/orders/", {"payer": shop.payer.pk, "lines": [activity_line(shop)]}
    ).json()
    invoice = client.post(f"/api/v1/orders/{order['id']}/invoices/", {}).json()
    response = client.post(
        f"/api/v1/documents/{invoice['id']}/payments/", {"method": "cash", "amount": "160.00"}
    )
    assert response.status_code == 201
    assert (response.json()["amount"], response.json()["change_given"]) == ("150.00", "10.00")


def test_complete_sale_in_one_call_and_cancel(api, club, shop):
    """OR-1 + OR-3 + OR-6 in one call; then OR-4 "Annuler" answers the credit note and frees
    the seat; the ledger verifies."""
    structure, owner = club
    client = api(structure, owner)
    response = client.post(
        "/api/v1/sales/",
        {
            "payer": shop.payer.pk,
            "lines": [activity_line(shop)],
            "payments": [{"method": "card", "amount": "150.00"}],
        },
    )
    assert response.status_code == 201, response.content
    sale = response.json()
    assert sale["invoice"]["due"] == "0.00" and sale["payments"][0]["method"] == "card"
    line_id = sale["order"]["lines"][0]["id"]
    credit = client.post(f"/api/v1/orders/{sale['order']['id']}/lines/{line_id}/cancel/", {})
    assert credit.status_code == 200 and credit["Content-Type"] == "application/json"
    assert credit.json()["credit_note"]["number"].startswith("AV-")
    assert credit.json()["line"]["state"] == "cancelled"
    refused = client.post(
        "/api/v1/sales/",
        {
            "payer": shop.payer.pk,
            "lines": [activity_line(shop)],
            "payments": [{"method": "card", "amount": "999.00"}],
        },
    )
    assert refused.status_code == 400
    with schema_context(structure.schema_name):
        assert Session.objects.get(pk=shop.session.pk).sold == 0  # the refused sale took nothing
        assert Document.objects.count() == 2 and Payment.objects.count() == 1
        assert ledger_verify().ok


def test_complete_sale_in_two_methods_checks_each_payment_against_what_is_left(api, club, shop):
    """OR-6 in a complete sale: each payment is checked against what the invoice and the
    payments before it leave due; an overpayment refuses the whole sale."""
    structure, owner = club
    client = api(structure, owner)
    refused = client.post(
        "/api/v1/sales/",
        {
            "payer": shop.payer.pk,
            "lines": [activity_line(shop)],
            "payments": [
                {"method": "cash", "amount": "100.00"},
                {"method": "card", "amount": "60.00"},
            ],
        },
    )
    assert refused.status_code == 400
    assert "dépasse le reste dû (50,00 €)" in str(refused.json())
    sale = client.post(
        "/api/v1/sales/",
        {
            "payer": shop.payer.pk,
            "lines": [activity_line(shop, quantity=2)],
            "payments": [
                {"method": "cash", "amount": "100.00"},
                {"method": "card", "amount": "150.00"},
                {"kind": "refund", "method": "cash", "amount": "20.00"},
            ],
        },
    ).json()
    assert sale["invoice"]["total"] == "300.00" and sale["invoice"]["due"] == "70.00"
    assert [line["state"] for line in sale["order"]["lines"]] == ["invoiced"]
    detail = client.get(f"/api/v1/orders/{sale['order']['id']}/").json()
    assert detail["balance"] == "70.00"
    assert [e["action"] for e in detail["history"]] == [
        "created",
        "invoiced",
        "payment",
        "payment",
        "refund",
    ]
    with schema_context(structure.schema_name):
        assert Order.objects.count() == 1 and Session.objects.get(pk=shop.session.pk).sold == 2
        assert ledger_verify().ok


def test_complete_sale_reads_back_nothing_it_wrote(api, club, shop):
    """A complete sale is one transaction that does not read again what it has just written
    (order, lines, invoice, balances) and writes its ledger entries and history lines together
    at the end: its statements stay within a fixed budget, from the structure and token lookups
    to the answer (sales_per_s in `make bench`, docs/adr/0008)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    structure, owner = club
    client = api(structure, owner)
    body = {
        "payer": shop.payer.pk,
        "lines": [activity_line(shop)],
        "payments": [{"method": "card", "amount": "100.00"}, {"method": "cash", "amount": "50.00"}],
    }
    assert client.post("/api/v1/sales/", body).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/sales/", body)
    assert response.status_code == 201 and response.json()["invoice"]["due"] == "0.00"
    statements = [q["sql"] for q in queries.captured_queries]

    def count(start: str) -> int:
        return sum(sql.startswith(start) for sql in statements)

    # Token and membership in one query; no association nor custom field to look up.
    assert count('SELECT "accounts_membership"') == 0
    assert count('SELECT "catalogue_productassociation"') == 0
    assert count('SELECT "catalogue_customfield') == 0
    # Lines written "facturé"; the history's three lines and the ledger's three entries
    # (invoice, two payments) each in one INSERT, under one lock of the ledger head.
    assert count('UPDATE "sales_orderline"') == 0
    assert count('INSERT INTO "sales_orderevent"') == 1
    assert count('INSERT INTO "ledger_ledgerentry"') == 1
    assert sum("FOR UPDATE" in sql for sql in statements) == 1
    # The order's and the invoice's numbers in one statement, after every read and the seat:
    # the counters stay locked until commit, so only writes follow them.
    assert count('INSERT INTO "billing_counter"') == 1
    numbers = next(i for i, sql in enumerate(statements) if "billing_counter" in sql)
    assert any(sql.startswith('UPDATE "planning_session"') for sql in statements[:numbers])
    assert not any(
        sql.startswith("SELECT") and "ledger_ledgerhead" not in sql for sql in statements[numbers:]
    )
    # 20 statements (and BEGIN, COMMIT) on a server that served the same structure last; here
    # two SETs (the test client puts the connection back on the public schema after each
    # request) and the savepoint pair of the test's own transaction around the sale's. Two reads
    # came with the modules and resources: the structure's modules that are on (the modules'
    # basket checks and invoiced-lines hooks: FF-1) and the equipment the session needs per
    # participant, after its seat (RE-1).
    assert len(statements) <= 25, "\n".join(statements)
    assert count("SELECT EXISTS (SELECT 1 FROM planning_sessionresource") == 1
    with schema_context(structure.schema_name):
        order = Order.objects.get(number=response.json()["order"]["number"])
        assert list(order.events.values_list("action", flat=True)) == [
            "created",
            "invoiced",
            "payment",
            "payment",
        ]
        assert [line.state for line in order.lines.all()] == ["invoiced"]
        assert ledger_verify().ok


def test_basket_ids_become_rows_with_one_query_per_model(api, club, shop):
    """OR-1 through the API: whatever the number of lines, the payer's and lines' ids are read
    with one query per model; an unknown id is refused on its line, nothing written."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    structure, owner = club
    client = api(structure, owner)
    lines = [
        activity_line(shop),
        activity_line(shop, consumer=shop.payer.pk, rate=shop.adult.pk),
        {"product": shop.shirt.pk},
        {"product": shop.shirt.pk, "quantity": 2},
    ]
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/orders/", {"payer": shop.payer.pk, "lines": lines})
    assert response.status_code == 201, response.content
    assert len(response.json()["lines"]) == 4
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    for table in ("catalogue_product", "customers_customer", "catalogue_rate", "planning_session"):
        assert sum(f'FROM "{table}" WHERE' in sql for sql in reads) == 1, table
    refused = client.post(
        "/api/v1/orders/",
        {"payer": shop.payer.pk, "lines": [{"product": shop.shirt.pk}, {"product": 999999}]},
    )
    assert refused.status_code == 400
    first, second = refused.json()["lines"]
    assert first == {} and "999999" in second["product"][0]
    unknown_payer = client.post("/api/v1/orders/", {"payer": 999999, "lines": lines})
    assert unknown_payer.status_code == 400 and "999999" in unknown_payer.json()["payer"][0]
    with schema_context(structure.schema_name):
        assert Order.objects.count() == 1


def test_quote_then_order(api, club, shop):
    """OR-2: a quote takes nothing; "Commander" through the API."""
    structure, owner = club
    client = api(structure, owner)
    quote = client.post(
        "/api/v1/orders/",
        {"payer": shop.payer.pk, "lines": [activity_line(shop)], "quote": True},
    ).json()
    assert quote["status"] == "quote" and quote["number"].startswith("DE-")
    listed = client.get("/api/v1/orders/", {"status": "quote"}).json()
    assert [o["number"] for o in listed["results"]] == [quote["number"]]
    ordered = client.post(f"/api/v1/orders/{quote['id']}/order/", {}).json()
    assert ordered["status"] == "order" and ordered["quote_number"] == quote["number"]


def test_access(api, club, shop, make_member, structure_b):
    """Sales need "sales.manage": an accountant is refused; another structure's token too;
    ids of another structure are not found."""
    structure, owner = club
    accountant = make_member(structure, role=Role.ACCOUNTANT)
    assert api(structure, accountant).get("/api/v1/orders/").status_code == 403
    assert api(structure).get("/api/v1/orders/").status_code == 401
    other_owner = structure_b[1]
    assert api(structure, other_owner).get("/api/v1/orders/").status_code == 403
    order = (
        api(structure, owner)
        .post("/api/v1/orders/", {"payer": shop.payer.pk, "lines": [{"product": shop.shirt.pk}]})
        .json()
    )
    assert api(structure_b[0], other_owner).get(f"/api/v1/orders/{order['id']}/").status_code == 404


def test_custom_field_answers_through_the_api(api, club, shop):
    """CA-7, OR-1: a required custom field is answered by its label; unanswered, 400."""
    from ponton.catalogue.models import CustomField

    structure, owner = club
    with schema_context(structure.schema_name):
        field = CustomField.objects.create(
            label="Taille", kind=CustomField.Kind.TEXT, required=True
        )
        field.products.add(shop.shirt)
    client = api(structure, owner)
    refused = client.post(
        "/api/v1/orders/", {"payer": shop.payer.pk, "lines": [{"product": shop.shirt.pk}]}
    )
    assert refused.status_code == 400
    assert refused.json() == {"lines": {"0": ["Répondez à « Taille »."]}}
    created = client.post(
        "/api/v1/orders/",
        {"payer": shop.payer.pk, "lines": [{"product": shop.shirt.pk, "answers": {"Taille": "M"}}]},
    )
    assert created.status_code == 201, created.content


def test_serializer_fields_are_built_once_per_class_and_copied_per_instance():
    """FieldsBuiltOnce: each instance gets its own bound fields; a subclass its own set."""
    from ponton.sales.api import OrderDetailSerializer, OrderSerializer

    first, second = OrderSerializer(), OrderSerializer()
    assert first.fields["number"] is not second.fields["number"]
    assert first.fields["number"].parent is first and second.fields["number"].parent is second
    assert "history" in OrderDetailSerializer().fields and "history" not in OrderSerializer().fields
    assert OrderSerializer._fields_built_once is not OrderDetailSerializer._fields_built_once


def test_associated_products_and_custom_fields_are_checked_in_a_complete_sale(api, club, shop):
    """OR-1, CA-6, CA-7 through `POST /api/v1/sales/`: the products are read knowing whether
    they have mandatory associated products or required custom fields, and those are looked
    up only then: a mandatory licence comes with the T-shirt (and is invoiced), an association
    that has ended does not, a required field left unanswered refuses the sale."""
    import datetime as dt
    from decimal import Decimal

    from ponton.catalogue.models import CustomField, Product, ProductAssociation

    structure, owner = club
    with schema_context(structure.schema_name):
        licence = published(Product.Kind.MEMBERSHIP, name="Licence", price=Decimal("12.00"))
        ProductAssociation.objects.create(
            product=shop.shirt, associated=licence, starts_on=dt.date(2020, 1, 1), mandatory=True
        )
        ended = ProductAssociation.objects.create(
            product=shop.activity,
            associated=licence,
            starts_on=dt.date(2020, 1, 1),
            ends_on=dt.date(2021, 1, 1),
            mandatory=True,
        )
    client = api(structure, owner)
    sale = client.post(
        "/api/v1/sales/",
        {
            "payer": shop.payer.pk,
            "lines": [{"product": shop.shirt.pk}],
            "payments": [{"method": "cash", "amount": "32.00"}],
        },
    )
    assert sale.status_code == 201, sale.content
    assert [line["label"] for line in sale.json()["order"]["lines"]] == ["T-shirt", "Licence"]
    assert sale.json()["invoice"]["total"] == "32.00"
    alone = client.post(
        "/api/v1/sales/",
        {
            "payer": shop.payer.pk,
            "lines": [activity_line(shop)],
            "payments": [{"method": "cash", "amount": "150.00"}],
        },
    )
    assert alone.status_code == 201 and len(alone.json()["order"]["lines"]) == 1, ended
    with schema_context(structure.schema_name):
        field = CustomField.objects.create(
            label="Taille", kind=CustomField.Kind.TEXT, required=True
        )
        field.products.add(shop.shirt)
    refused = client.post(
        "/api/v1/sales/",
        {
            "payer": shop.payer.pk,
            "lines": [{"product": shop.shirt.pk}],
            "payments": [{"method": "cash", "amount": "32.00"}],
        },
    )
    assert refused.status_code == 400
    assert refused.json() == {"lines": {"0": ["Répondez à « Taille »."]}}
    with schema_context(structure.schema_name):
        assert Order.objects.count() == 2


def test_cancel_an_uninvoiced_line_answers_json(api, club, shop):
    """OR-4 (issue 11, probe 10): cancelling a line that was not invoiced answers JSON as the
    schema says: the cancelled line and no credit note (not an empty body)."""
    structure, owner = club
    client = api(structure, owner)
    order = client.post(
        "/api/v1/orders/", {"payer": shop.payer.pk, "lines": [activity_line(shop)]}
    ).json()
    line_id = order["lines"][0]["id"]
    response = client.post(f"/api/v1/orders/{order['id']}/lines/{line_id}/cancel/", {})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["credit_note"] is None
    assert (body["line"]["id"], body["line"]["state"]) == (line_id, "cancelled")
    with schema_context(structure.schema_name):
        assert Session.objects.get(pk=shop.session.pk).sold == 0
        assert Document.objects.count() == 0

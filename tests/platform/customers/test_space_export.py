"""MP-4/CU-2 "Export RGPD" in the customer space: one JSON file of the logged-in customer's data
in this structure — record, addresses, family, orders with lines, documents, Click & Pay
requests, bookings naming them — and nothing of another customer's."""

from __future__ import annotations

import json

from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.customers import services


def test_export_contains_exactly_claire_s_data(space, client_for):
    """MP-4: the file is an attachment named after the structure and the day; every order,
    line, document and request of Claire's is in it, with exact amounts and states."""
    with schema_context(space.structure.schema_name):
        services.address_add(
            customer=space.claire, line1="3 quai de la Douane", postal_code="29200", city="Brest"
        )
    response = client_for(space.structure, space.user).get("/compte/export-rgpd/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="export-rgpd-{space.structure.slug}-{day}.json"'
    )
    data = json.loads(response.content)
    assert set(data) == {
        "client",
        "adresses",
        "payeur",
        "consommateurs",
        "compte_espace_client",
        "famille",
        "commandes",
        "documents",
        "demandes_de_paiement",
        "participations",
    }
    assert data["client"]["id"] == space.claire.pk
    assert (data["client"]["prenom"], data["client"]["email"]) == ("Claire", "claire@exemple.fr")
    assert data["compte_espace_client"] == "claire@exemple.fr"
    assert [(a["adresse"], a["code_postal"], a["ville"]) for a in data["adresses"]] == [
        ("3 quai de la Douane", "29200", "Brest")
    ]
    assert data["famille"] == [
        {
            "id": space.louis.pk,
            "prenom": "Louis",
            "nom": "Le Goff",
            "date_de_naissance": "2014-05-03",
        }
    ]
    orders = {o["numero"]: o for o in data["commandes"]}
    assert list(orders) == [
        space.past_order.number,
        space.order_3.number,
        space.order_2.number,
        space.order_1.number,
    ]
    assert [(o["total"], o["solde"]) for o in orders.values()] == [
        ("150.00", "150.00"),
        ("0.00", "-20.00"),
        ("180.00", "180.00"),
        ("200.00", "150.00"),
    ]
    assert [
        (line["participant"], line["montant"], line["etat"])
        for line in orders[space.order_2.number]["lignes"]
    ] == [("Claire Le Goff", "180.00", "ordered"), (None, "20.00", "cancelled")]
    assert [
        (d["numero"], d["type"], d["total"], d["regle"], d["reste"]) for d in data["documents"]
    ] == [
        (space.credit_note_3.number, "credit_note", "20.00", "0.00", "20.00"),
        (space.invoice_3.number, "invoice", "20.00", "20.00", "0.00"),
        (space.invoice_1.number, "invoice", "200.00", "50.00", "150.00"),
    ]
    assert [(r["facture"], r["montant"], r["etat"]) for r in data["demandes_de_paiement"]] == [
        (space.invoice_1.number, "150.00", "active")
    ]
    assert [p["etat"] for p in data["participations"]] == ["ordered"]  # Claire on order 2


def test_export_holds_nothing_of_another_customer(space, client_for):
    """MP-4: neither Bob's (same structure) nor Bea's (other structure) data is in Claire's
    file, and Bob's file holds nothing of Claire's."""
    claire_file = client_for(space.structure, space.user).get("/compte/export-rgpd/")
    content = claire_file.content.decode()
    for value in (
        space.bob_order.number,
        space.bob_invoice.number,
        "bob@exemple.fr",
        "Bob",
        "Lina",
        "Bea",
        "bea@exemple.fr",
    ):
        assert value not in content, value
    bob_file = client_for(space.structure, space.bob_user).get("/compte/export-rgpd/")
    bob = json.loads(bob_file.content)
    assert bob["client"]["email"] == "bob@exemple.fr"
    assert [o["numero"] for o in bob["commandes"]] == [space.bob_order.number]
    assert [d["numero"] for d in bob["documents"]] == [space.bob_invoice.number]
    for value in (
        "Claire",
        "Louis",
        "claire@exemple.fr",
        space.order_1.number,
        space.invoice_1.number,
    ):
        assert value not in bob_file.content.decode(), value

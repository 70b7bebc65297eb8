"""MP-4 Customer space: each page of /compte/ shows exactly the logged-in customer's data —
orders with their lines and states, invoices and credit notes with their PDF, pending Click &
Pay requests with their pay link, upcoming sessions of the customer and their family — with
amounts written "1 234,50 €" and dates dd/mm/yyyy. The fixture is in conftest.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import formats, timezone
from django_tenants.utils import schema_context

from ponton.sales.models import OrderLine
from tests.platform.customers.space_pages import links, rows, sections
from tests.support.sales import text

ZERO = Decimal("0")


def today() -> str:
    return timezone.localdate().strftime("%d/%m/%Y")


def labels(space, order) -> list[tuple[int, str]]:
    with schema_context(space.structure.schema_name):
        return list(OrderLine.objects.filter(order=order).values_list("pk", "label"))


@pytest.fixture
def claire(space, client_for):
    return client_for(space.structure, space.user)


def test_orders_list_their_lines_states_totals_and_balances(space, claire):
    """MP-4 "Mes commandes": the customer's four orders, newest first, each with its lines
    (designation, participant, quantity, amount, state), its total (lines not cancelled) and
    what is left to pay, or to refund; Bob's order is not there."""
    response = claire.get("/compte/commandes/")
    assert response.status_code == 200
    found = sections(response, "order")
    numbers = [space.past_order.number, space.order_3.number, space.order_2.number]
    assert list(found) == [*numbers, space.order_1.number]
    assert space.bob_order.number not in response.content.decode()
    by_number = found
    assert by_number[space.order_1.number].endswith("Total : 200,00 € · Reste à payer : 150,00 €")
    assert by_number[space.order_2.number].endswith("Total : 180,00 € · Reste à payer : 180,00 €")
    assert by_number[space.order_3.number].endswith("Total : 0,00 € · À vous rembourser : 20,00 €")
    assert by_number[space.past_order.number].endswith(
        "Total : 150,00 € · Reste à payer : 150,00 €"
    )
    assert f"du {today()}" in by_number[space.order_1.number]
    (activity_1, label_1), (shirt_1, _) = labels(space, space.order_1)
    (activity_2, label_2), (shirt_2, _) = labels(space, space.order_2)
    lines = rows(response, "line")
    assert lines[str(activity_1)] == [
        f"{label_1} (Adulte)",
        "Louis Le Goff",
        "1",
        "180,00 €",
        "Facturé",
    ]
    assert lines[str(shirt_1)] == ["T-shirt", "—", "1", "20,00 €", "Facturé"]
    assert lines[str(activity_2)] == [
        f"{label_2} (Adulte)",
        "Claire Le Goff",
        "1",
        "180,00 €",
        "Commandé",
    ]
    assert lines[str(shirt_2)] == ["T-shirt", "—", "1", "20,00 €", "Annulé"]
    assert len(lines) == 6


def test_order_detail_shows_its_lines_and_documents_with_the_pdf_link(space, claire):
    """MP-4: an order's page: lines, total, balance, its invoice with what is left and the PDF
    link of the customer space (not the Club Manager's)."""
    response = claire.get(f"/compte/commandes/{space.order_1.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>Commande {space.order_1.number}</h1>" in page
    assert f"Passée le {today()}" in page
    assert "Total : 200,00 €" in page and "Reste à payer : 150,00 €" in page
    assert [cells[2:] for cells in rows(response, "line").values()] == [
        ["1", "180,00 €", "Facturé"],
        ["1", "20,00 €", "Facturé"],
    ]
    assert rows(response, "document") == {
        space.invoice_1.number: [
            space.invoice_1.number,
            "Facture",
            today(),
            "200,00 €",
            "150,00 €",
            f"Télécharger {space.invoice_1.number} (PDF)",
        ]
    }
    assert f"/compte/factures/{space.invoice_1.pk}/pdf/" in links(response)
    assert not [url for url in links(response) if url.startswith("/manager/")]


def test_documents_list_invoices_and_credit_notes_with_paid_and_remaining(space, claire):
    """MP-4 "Mes factures et avoirs": number, type, date, amount, paid (refunded for a credit
    note) and remaining, and the PDF link; newest first; nothing of Bob's."""
    response = claire.get("/compte/factures/")
    assert response.status_code == 200
    found = rows(response, "document")
    assert list(found) == [
        space.credit_note_3.number,
        space.invoice_3.number,
        space.invoice_1.number,
    ]
    day = today()
    credit = space.credit_note_3.number
    assert found[credit] == [
        credit,
        f"Avoir (corrige {space.invoice_3.number})",
        day,
        "20,00 €",
        "0,00 €",
        "20,00 €",
        f"Télécharger {credit} (PDF)",
    ]
    assert found[space.invoice_3.number][3:6] == ["20,00 €", "20,00 €", "0,00 €"]
    assert found[space.invoice_1.number][3:6] == ["200,00 €", "50,00 €", "150,00 €"]
    assert space.bob_invoice.number not in response.content.decode()


def test_the_pdf_of_an_invoice_and_of_a_credit_note(space, claire):
    """MP-4: the customer downloads their invoice's and credit note's PDF (billing's Factur-X
    rendering), named by the document's number."""
    for document in (space.invoice_1, space.credit_note_3):
        response = claire.get(f"/compte/factures/{document.pk}/pdf/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'inline; filename="{document.number}.pdf"'
        assert response.content.startswith(b"%PDF-")


def test_pending_payments_show_the_amount_due_and_the_pay_link(space, claire):
    """MP-4 "Paiements en attente": the active Click & Pay request of Claire's invoice, with
    what is left to pay (200 − 50) and the link of the payment page; not Bob's."""
    response = claire.get("/compte/paiements/")
    assert response.status_code == 200
    assert rows(response, "request") == {
        space.invoice_1.number: [
            space.invoice_1.number,
            today(),
            "150,00 €",
            f"Payer la facture {space.invoice_1.number}",
        ]
    }
    assert f"/payer/{space.request_1.token}/" in links(response)
    assert space.bob_request.token not in response.content.decode()
    assert claire.get(f"/payer/{space.request_1.token}/").status_code == 200


def test_upcoming_sessions_of_the_customer_and_her_family(space, claire):
    """MP-4 "Mes prochaines séances": Louis's session and Claire's, soonest first, dates in
    French; neither the session already over, nor the cancelled line, nor Bob's Lina."""
    response = claire.get("/compte/seances/")
    assert response.status_code == 200
    shop = space.shop
    first = timezone.localtime(shop.session.starts_at)
    later = timezone.localtime(shop.later_session.starts_at)
    day = formats.date_format(first, "l d/m/Y")
    assert list(rows(response, "booking").values()) == [
        [day, "10:00 – 13:00", "Stage catamaran", "Louis Le Goff", "1", "—"],
        [
            formats.date_format(later, "l d/m/Y"),
            "10:00 – 13:00",
            "Stage catamaran",
            "Claire Le Goff",
            "1",
            "—",
        ],
    ]
    assert day.split()[0] in {
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
    }


def test_home_links_every_page_and_sums_up_what_is_pending(space, claire):
    """MP-4: /compte/ links every page of the space (and the forum's "Mes discussions"), the
    pending payment and the next sessions."""
    response = claire.get("/compte/")
    assert response.status_code == 200
    found = links(response)
    for url in (
        "/compte/commandes/",
        "/compte/factures/",
        "/compte/paiements/",
        "/compte/seances/",
        "/compte/famille/",
        "/compte/profil/",
        "/compte/discussions/",
        "/compte/export-rgpd/",
        f"/payer/{space.request_1.token}/",
    ):
        assert url in found, url
    boxes = sections(response, "box")
    assert boxes["pending"] == (
        f"Paiements en attente Facture {space.invoice_1.number} : 150,00 € · Payer"
    )
    assert boxes["next-sessions"].count("Stage catamaran") == 2


def test_an_empty_space_says_so(space, make_structure, client_for):
    """MP-4: a customer without orders sees plain French sentences, not empty tables."""
    from tests.platform.customers.factories import make_customer

    _customer, user = make_customer(space.structure, first_name="Nina", last_name="Vide")
    client = client_for(space.structure, user)
    expected = {
        "/compte/commandes/": "Vous n'avez pas encore de commande.",
        "/compte/factures/": "Vous n'avez pas encore de facture.",
        "/compte/paiements/": "Aucun paiement en attente.",
        "/compte/seances/": "Aucune séance à venir.",
        "/compte/famille/": "Personne dans votre famille pour l'instant.",
    }
    for url, sentence in expected.items():
        response = client.get(url)
        assert response.status_code == 200
        assert sentence in text(response), url
        assert rows(response, "document") == {} and sections(response, "order") == {}


def test_orders_are_paginated(space, claire, settings):
    """MP-4: "Mes commandes" lists 10 orders a page."""
    from ponton.sales import services as sales
    from ponton.sales.services import LineRequest
    from ponton.shop import views_space
    from tests.support.sales import STAFF

    with schema_context(space.structure.schema_name):
        for _ in range(8):
            sales.order_create(
                payer=space.claire,
                lines=[LineRequest(label="Adhésion", unit_price=Decimal("10.00"), vat_rate=ZERO)],
                actor=STAFF,
            )
    assert views_space.ORDERS_PER_PAGE == 10
    first = claire.get("/compte/commandes/")
    second = claire.get("/compte/commandes/?page=2")
    assert (len(sections(first, "order")), len(sections(second, "order"))) == (10, 2)
    assert "Page 1 sur 2" in first.content.decode()
    assert space.order_1.number in sections(second, "order")

""" "Recherche ticket" and what follows over HTTP on a real PostgreSQL (PO-4, PO-5, PO-7): the
search, the ticket with every mention, its prints (the original once, then DUPLICATA counted
and chained), "Commande" -> "Facturer/Payer" -> "Ajouter un paiement", a payment method
changed at the till (refund + payment, the cash refund out of the drawer), "Facture" on the
receipt, "Annuler le ticket"."""

from __future__ import annotations

import re
import zlib
from decimal import Decimal

import pytest
from django.utils import timezone

from modules.pos.models import Ticket, TicketReprint, TillPayment
from modules.pos.selectors import session_report
from ponton import selling
from ponton.billing.models import Document, Payment
from ponton.ledger.models import LedgerEntry
from ponton.ledger.selectors import ledger_verify
from ponton.sales.models import OrderLine
from tenants.models import Structure
from tenants.services import module_grant
from tests.support.pos import in_schema, line, pay, sell
from tests.support.sales import STAFF, text

pytestmark = pytest.mark.django_db

IDENTITY = {
    "legal_name": "Association Nautique de la Baie",
    "siret": "78467169500087",
    "vat_number": "FR32784671695",
    "address_line1": "1 quai de la Croix",
    "postal_code": "29900",
    "city": "Concarneau",
}


@pytest.fixture
def club(till_club):
    """The till club with its legal identity (frozen on each receipt it issues)."""
    Structure.objects.filter(pk=till_club.structure.pk).update(**IDENTITY)
    for name, value in IDENTITY.items():
        setattr(till_club.structure, name, value)
    module_grant(structure=till_club.structure, label="pos")
    return till_club


@pytest.fixture
def till_client(club, client_for):
    return client_for(club.structure, club.owner)


def page_size(content: bytes) -> tuple[float, float]:
    """The first page's MediaBox of a PDF whose objects may sit in compressed streams."""
    chunks = [content]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    for chunk in chunks:
        box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", chunk)
        if box:
            return float(box.group(1)), float(box.group(2))
    raise AssertionError("no MediaBox")


def test_po4_search_by_number_date_amount_and_customer(club, till_client):
    shirt = sell(club, [line(club.shirt)], [pay("cash", "20.00")], "20")
    stage = sell(
        club,
        [line(club.activity, session=club.session, rate=club.adult, consumer=club.payer)],
        [pay("card", "180.00")],
        "180",
        customer=club.payer.pk,
    )
    today = timezone.localdate()

    def found(**query) -> list[str]:
        response = till_client.get("/caisse/tickets/", query)
        assert response.status_code == 200
        return re.findall(r'<tr data-ticket="([^"]+)">', text(response))

    assert found() == [stage.number, shirt.number]  # the latest tickets first
    assert found(number=shirt.number[-6:]) == [shirt.number]
    assert found(day=today.strftime("%d/%m/%Y")) == [stage.number, shirt.number]
    assert found(day="01/01/2001") == []
    assert found(amount="180,00") == [stage.number]
    assert found(customer="le goff") == [stage.number]
    assert "1 ticket trouvé" in text(till_client.get("/caisse/tickets/", {"amount": "20"}))
    refused = till_client.get("/caisse/tickets/", {"amount": "vingt", "day": "31/02/2024"})
    assert refused.status_code == 400
    assert "Saisissez un montant en euros" in text(refused)
    assert "Saisissez une date valide" in text(refused)


def test_po4_the_ticket_page_shows_lines_payments_change_and_every_mention(club, till_client):
    ticket = sell(
        club,
        [line(club.shirt, quantity=2)],
        [pay("card", "15.00"), pay("cash", "30.00")],
        "40",
    )

    body = text(till_client.get(f"/caisse/tickets/{ticket.pk}/"))

    assert "Association Nautique de la Baie" in body
    assert "1 quai de la Croix" in body
    assert "29900 Concarneau" in body
    assert "SIRET 78467169500087" in body
    assert "N° TVA FR32784671695" in body
    assert f"<dd data-number>{ticket.number}</dd>" in body
    assert timezone.localtime(ticket.sold_at).strftime("%d/%m/%Y %H:%M") in body
    assert "<dd>Caisse principale</dd>" in body and "<dd>Camille Marin</dd>" in body
    assert (
        '<tr><td>T-shirt</td><td class="num">2</td><td class="num">20,00 €</td>'
        '<td class="num">40,00 €</td><td class="num">20 %</td></tr>'
    ) in body
    # VAT per rate: 40 TTC at 20 % = 33,33 HT + 6,67 TVA
    assert (
        '<tr><td>20 %</td><td class="num">33,33 €</td><td class="num">6,67 €</td>'
        '<td class="num">40,00 €</td></tr>'
    ) in body
    assert "<span data-total>40,00 €</span>" in body
    assert '<tr><td>Carte bancaire</td><td class="num">15,00 €</td></tr>' in body
    assert '<tr><td>Espèces</td><td class="num">30,00 €</td></tr>' in body  # handed over
    assert '<tr data-change><td>Rendu</td><td class="num">5,00 €</td></tr>' in body
    assert f"Justificatif d'achat n° {ticket.document.number}" in body
    entry = in_schema(
        club, lambda: LedgerEntry.objects.get(kind="till_ticket", reference=ticket.number)
    )
    assert f"Journal n° {entry.position} – empreinte {entry.hash[:16]}" in body
    assert "Ticket à conserver" in body
    assert "data-duplicate" not in body


def test_po4_the_first_print_is_the_original_every_later_print_a_counted_duplicata(
    club, till_client
):
    """The original is the print the selling screen asks for right after the sale
    (original=1), once; any other print (from "Recherche ticket", or a second "original") is
    a DUPLICATA with its count, recorded and chained."""
    ticket = sell(club, [line(club.shirt)], [pay("cash", "20.00")], "20")

    first = till_client.post(f"/caisse/tickets/{ticket.pk}/imprimer/", {"original": "1"})
    again = till_client.post(f"/caisse/tickets/{ticket.pk}/imprimer/", {"original": "1"})
    later = till_client.post(
        f"/caisse/tickets/{ticket.pk}/imprimer/", {"format": "pdf"}, follow=False
    )

    assert first["Location"] == f"/caisse/tickets/{ticket.pk}/impressions/0/#imprimer"
    assert again["Location"] == f"/caisse/tickets/{ticket.pk}/impressions/1/#imprimer"
    assert later["Location"] == f"/caisse/tickets/{ticket.pk}/impressions/2/pdf/"
    original = text(till_client.get(f"/caisse/tickets/{ticket.pk}/impressions/0/"))
    duplicate = text(till_client.get(f"/caisse/tickets/{ticket.pk}/impressions/1/"))
    assert "DUPLICATA" not in original
    assert "Ticket à conserver" in original
    assert '<p class="pos-duplicate" data-duplicate>DUPLICATA n° 1</p>' in duplicate
    assert 'href="/static/pos/print.css' in duplicate
    pdf = till_client.get(later["Location"])
    assert pdf["Content-Type"] == "application/pdf"
    assert f'filename="ticket-{ticket.number}-duplicata-2.pdf"' in pdf["Content-Disposition"]
    # an 80 mm wide page (226.77 pt), as tall as the ticket
    width, height = page_size(pdf.content)
    assert abs(width - 226.77) < 0.1
    assert 300 < height < 1500
    assert till_client.get(f"/caisse/tickets/{ticket.pk}/impressions/3/").status_code == 404
    assert till_client.get(f"/caisse/tickets/{ticket.pk}/impressions/0/").status_code == 200
    prints = in_schema(
        club,
        lambda: list(TicketReprint.objects.order_by("count").values_list("count", flat=True)),
    )
    assert prints == [0, 1, 2]
    entries = in_schema(
        club,
        lambda: list(
            LedgerEntry.objects.filter(kind="till_reprint").values_list("payload", flat=True)
        ),
    )
    assert [entry["reprint"] for entry in entries] == [0, 1, 2]
    assert till_client.get(f"/caisse/tickets/{ticket.pk}/imprimer/").status_code == 405


def test_po4_a_remaining_line_is_invoiced_and_paid_from_the_till(club, till_client):
    """The order of a ticket got a line "commandé" (replaced from the Club Manager): at the
    till, "Commande", select it, "Facturer/Payer", "Facturer", "Ajouter un paiement"."""
    ticket = sell(
        club,
        [line(club.activity, session=club.session, rate=club.adult, consumer=club.payer)],
        [pay("card", "180.00")],
        "180",
        customer=club.payer.pk,
    )

    def replace():
        sold = OrderLine.objects.get(order_id=ticket.order_id)
        new_line, _credit_note = selling.line_replace(
            structure=club.structure,
            line=sold,
            request=selling.LineRequest(
                product=club.activity,
                session=club.later_session,
                rate=club.child,
                consumer=club.child_customer,
            ),
            actor=STAFF,
        )
        return new_line

    ordered = in_schema(club, replace)
    page = text(till_client.get(f"/caisse/tickets/{ticket.pk}/commande/"))
    assert f'<input type="checkbox" name="lines" value="{ordered.pk}"' in page
    assert "data-to-invoice>150,00 €" in page

    none = till_client.post(f"/caisse/tickets/{ticket.pk}/commande/facturer/", {})
    assert none.status_code == 400
    assert "Sélectionnez au moins une ligne à facturer." in text(none)
    confirm = till_client.post(
        f"/caisse/tickets/{ticket.pk}/commande/facturer/", {"lines": [ordered.pk]}
    )
    assert "data-invoice-total>150,00 €" in text(confirm)
    issued = till_client.post(
        f"/caisse/tickets/{ticket.pk}/commande/facturer/",
        {"lines": [ordered.pk], "step": "issue"},
    )
    invoice = in_schema(club, lambda: Document.objects.get(kind="invoice"))
    assert issued["Location"] == f"/caisse/tickets/{ticket.pk}/documents/{invoice.pk}/paiement/"
    paid = till_client.post(
        issued["Location"], {"kind": "payment", "method": "card", "amount": "150,00"}, follow=True
    )

    assert "Paiement de 150,00 € (Carte bancaire) enregistré." in text(paid)
    assert "<strong data-due>0,00 €</strong>" in text(paid)
    assert in_schema(club, lambda: OrderLine.objects.get(pk=ordered.pk).state) == "invoiced"
    report = in_schema(club, lambda: session_report(club.counter.session))
    card = next(m for m in report.methods if m.method == "card")
    assert card.received == Decimal("330.00")  # the ticket's 180 and the invoice's 150
    assert in_schema(club, lambda: ledger_verify().ok)


def test_po5_change_a_cash_payment_to_card_refund_first_and_the_cash_leaves_the_drawer(
    club, till_client
):
    ticket = sell(club, [line(club.shirt)], [pay("cash", "20.00")], "20")
    receipt = ticket.document
    url = f"/caisse/tickets/{ticket.pk}/documents/{receipt.pk}/paiement/"
    assert in_schema(club, lambda: session_report(club.counter.session).expected_cash) == Decimal(
        "170.00"
    )

    # paying first is refused: nothing is due
    before = in_schema(club, lambda: (Payment.objects.count(), TillPayment.objects.count()))
    refused = till_client.post(url, {"kind": "payment", "method": "card", "amount": "20"})
    assert refused.status_code == 400
    assert "dépasse le reste dû (0,00 €)" in text(refused)
    too_much = till_client.post(url, {"kind": "refund", "method": "cash", "amount": "20,01"})
    assert "dépasse ce qui a été payé sur cette facture en Espèces (20,00 €)" in text(too_much)
    assert in_schema(club, lambda: (Payment.objects.count(), TillPayment.objects.count())) == (
        before
    )

    refunded = till_client.post(
        url, {"kind": "refund", "method": "cash", "amount": "20,00"}, follow=True
    )
    assert "Remboursement de 20,00 € (Espèces) enregistré." in text(refunded)
    till_client.post(url, {"kind": "payment", "method": "card", "amount": "20,00"})

    report = in_schema(club, lambda: session_report(club.counter.session))
    cash = next(m for m in report.methods if m.method == "cash")
    card = next(m for m in report.methods if m.method == "card")
    assert (cash.received, cash.refunded) == (Decimal("20.00"), Decimal("20.00"))
    assert report.expected_cash == Decimal("150.00")  # the refund came out of the drawer
    assert card.received == Decimal("20.00")
    state = text(till_client.get("/caisse/etat/"))
    assert 'data-x="expected_cash"><strong>150,00 €' in state
    document = text(till_client.get(f"/caisse/tickets/{ticket.pk}/documents/{receipt.pk}/"))
    assert "<strong data-due>0,00 €</strong>" in document


def test_po4_facture_on_the_receipt_once(club, till_client):
    ticket = sell(club, [line(club.shirt)], [pay("card", "20.00")], "20")

    done = till_client.post(f"/caisse/tickets/{ticket.pk}/facture/", follow=True)
    invoice = in_schema(club, lambda: Document.objects.get(kind="invoice"))
    assert (
        f"Facture {invoice.number} établie d'après le justificatif d'achat "
        f"{ticket.document.number}."
    ) in text(done)
    assert "<strong data-due>0,00 €</strong>" in text(done)  # shares the receipt's payment
    again = till_client.post(f"/caisse/tickets/{ticket.pk}/facture/", follow=True)
    assert "a déjà été transformé en facture" in text(again)
    assert in_schema(club, lambda: Document.objects.filter(kind="invoice").count()) == 1
    page = text(till_client.get(f"/caisse/tickets/{ticket.pk}/"))
    assert f"Facture {invoice.number}</a>" in page


def test_po7_cancel_a_ticket_from_the_till(club, till_client):
    ticket = sell(club, [line(club.shirt, quantity=2)], [pay("cash", "40.00")], "40")
    assert "Annuler le ticket" in text(till_client.get(f"/caisse/tickets/{ticket.pk}/"))

    confirm = till_client.get(f"/caisse/tickets/{ticket.pk}/annuler/")
    assert "Confirmer l'annulation" in text(confirm)
    done = till_client.post(f"/caisse/tickets/{ticket.pk}/annuler/", follow=True)

    cancelling = in_schema(club, lambda: Ticket.objects.get(cancels=ticket))
    body = text(done)
    assert f"Ticket n° {ticket.number} annulé par le ticket n° {cancelling.number}." in body
    assert f"Annule le ticket n° {ticket.number}" in body
    assert "<span data-total>-40,00 €</span>" in body
    assert "Ticket d'annulation" in body
    reprint = till_client.post(f"/caisse/tickets/{ticket.pk}/imprimer/", follow=True)
    assert f"Annulé par le ticket n° {cancelling.number}" in text(reprint)
    assert "DUPLICATA n° 1" in text(reprint)
    report = in_schema(club, lambda: session_report(club.counter.session))
    assert (report.cancelled, report.expected_cash, report.sales) == (
        1,
        Decimal("150.00"),
        Decimal("0.00"),
    )
    before = in_schema(club, lambda: Ticket.objects.count())
    again = till_client.post(f"/caisse/tickets/{ticket.pk}/annuler/")
    assert again.status_code == 400
    assert "Ce ticket est déjà annulé." in text(again)
    assert in_schema(club, lambda: Ticket.objects.count()) == before


def test_po4_tickets_and_documents_of_elsewhere_are_not_found(
    club, till_client, make_structure, client_for
):
    other, other_owner = make_structure(name="Autre club", modules=["pos"])
    module_grant(structure=other, label="pos")
    ticket = sell(club, [line(club.shirt)], [pay("card", "20.00")], "20")
    other_sale = sell(club, [line(club.shirt)], [pay("card", "20.00")], "20")

    assert client_for(other, other_owner).get(f"/caisse/tickets/{ticket.pk}/").status_code == 404
    mixed = f"/caisse/tickets/{ticket.pk}/documents/{other_sale.document_id}/"
    assert till_client.get(mixed).status_code == 404
    assert till_client.get(mixed + "paiement/").status_code == 404
    assert till_client.get("/caisse/tickets/999999/").status_code == 404


def test_po4_the_ticket_page_offers_the_original_first_then_duplicates(club, till_client):
    ticket = sell(club, [line(club.shirt)], [pay("cash", "20.00")], "20")
    page = text(till_client.get(f"/caisse/tickets/{ticket.pk}/"))
    assert "Imprimer le ticket" in page
    assert '<input type="hidden" name="original" value="1">' in page
    assert "Imprimer un duplicata" not in page

    till_client.post(f"/caisse/tickets/{ticket.pk}/imprimer/", {"original": "1"})
    page = text(till_client.get(f"/caisse/tickets/{ticket.pk}/"))

    assert "Imprimer un duplicata" in page
    assert 'name="original"' not in page
    assert "Imprimé 1 fois." in page

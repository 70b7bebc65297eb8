"""CO-4 at the till: a ticket selling an exempt product prints the legal mention of its
exemption, once per reason, on the printed page and in the PDF; a structure in franchise en
base prints "TVA non applicable, art. 293 B du CGI" on every ticket."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from modules.pos.pdf import ticket_pdf
from ponton.catalogue.models import Product
from tenants.models import Structure
from tests.support.pos import in_schema, line, pay, sell
from tests.support.sales import published, text

pytestmark = pytest.mark.django_db

MEMBERS = "Exonération de TVA, article 261-7-1° a du CGI"
FRANCHISE = "TVA non applicable, art. 293 B du CGI"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_co4_ticket_prints_the_exemption_mention_once(till_club, client_for):
    club = till_club
    lessons = in_schema(
        club,
        lambda: published(
            Product.Kind.TICKET,
            name="Cours adhérent",
            price=Decimal("12.00"),
            vat_rate=Decimal("0"),
            vat_exemption="cgi261_7_1a",
        ),
    )
    ticket = sell(
        club,
        [line(lessons, quantity=2), line(club.shirt)],
        [pay("cash", "44.00")],
        "44.00",
    )
    lines = in_schema(
        club,
        lambda: list(ticket.document.lines.values_list("vat_rate", "vat_exemption")),
    )
    assert lines == [(Decimal("0.00"), "cgi261_7_1a"), (Decimal("20.00"), "")]
    client = client_for(club.structure, club.owner)
    client.post(f"/caisse/tickets/{ticket.pk}/imprimer/", {"original": "1"})
    page = text(client.get(f"/caisse/tickets/{ticket.pk}/impressions/0/"))
    assert page.count(f'<p class="pos-notice" data-vat-mention>{MEMBERS}</p>') == 1
    assert FRANCHISE not in page
    content = in_schema(club, lambda: ticket_pdf(ticket, print_count=0))
    assert pdf_text(content).count(MEMBERS) == 1


def test_co4_structure_in_franchise_ticket_has_no_vat_and_the_293b_mention(till_club):
    club = till_club
    Structure.objects.filter(pk=club.structure.pk).update(vat_exemption="franchise")
    club.structure.vat_exemption = "franchise"
    ticket = sell(club, [line(club.shirt, quantity=2)], [pay("card", "40.00")], "40.00")
    document = in_schema(club, lambda: ticket.document)
    assert ticket.total == Decimal("40.00")
    assert document.vat == [{"rate": "0.00", "base": "40.00", "vat": "0.00", "total": "40.00"}]
    printed = pdf_text(in_schema(club, lambda: ticket_pdf(ticket, print_count=0)))
    assert printed.count(FRANCHISE) == 1

"""CO-2 Compta > Listes: each of the five lists filtered (dates, method, state, product,
session, site, customer, amount), with the totals of every filtered row, sorted by a
whitelisted column, paginated with a constant number of queries, and bad input refused with
a French message (never a 500). The books are `tests.support.compta_lists.make_books`."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.compta.lists import LISTS
from ponton.compta.lists.base import list_page, list_request
from tests.support.compta_lists import make_books

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def books(make_structure):
    structure, owner = make_structure(name="Club Nautique de Bénodet")
    with schema_context(structure.schema_name):
        books = make_books(structure)
    return structure, owner, books


def page_of(structure, slug: str, **params):
    """The list's page for `params`, read in the structure's schema."""
    with schema_context(structure.schema_name):
        asked = list_request(LISTS[slug], {k: str(v) for k, v in params.items()})
        assert asked.valid, asked.form.errors
        return list_page(asked)


def column(page, key: str) -> list:
    return [row[key] for row in page.rows]


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


def test_co2_payments_filters_and_totals(books):
    """CO-2 Paiements: refunds count negative, so "Total net" is what was collected."""
    structure, _owner, _books = books
    everything = page_of(structure, "paiements")
    assert everything.totals == {
        "count": 5,
        "payments": D("320.00"),
        "refunds": D("100.00"),
        "net": D("220.00"),
    }
    # Newest first by default.
    assert column(everything, "received_on") == [
        dt.date(2026, 4, 5),
        dt.date(2026, 4, 3),
        dt.date(2026, 4, 2),
        dt.date(2026, 3, 12),
        dt.date(2026, 3, 10),
    ]
    assert column(everything, "signed") == [D("-100"), D("20"), D("100"), D("80"), D("120")]

    cheques = page_of(structure, "paiements", method="cheque")
    assert cheques.totals["count"] == 1 and cheques.totals["net"] == D("120.00")
    (cheque,) = cheques.rows
    assert (cheque["cheque_bank"], cheque["cheque_number"], cheque["cheque_issuer"]) == (
        "Crédit Maritime",
        "0012345",
        "Claire Le Goff",
    )
    april = page_of(structure, "paiements", start="2026-04-01", end="2026-04-30")
    assert april.totals == {
        "count": 3,
        "payments": D("120.00"),
        "refunds": D("100.00"),
        "net": D("20.00"),
    }
    one_day = page_of(structure, "paiements", start="2026-03-12", end="2026-03-12")
    assert column(one_day, "signed") == [D("80.00")]
    refunds = page_of(structure, "paiements", kind="refund")
    assert refunds.totals["net"] == D("-100.00") and refunds.totals["count"] == 1
    bruno = page_of(structure, "paiements", customer="kerjean")
    assert bruno.totals["count"] == 3 and bruno.totals["net"] == D("20.00")
    assert set(column(bruno, "customer_name")) == {"Bruno Kerjean"}
    big = page_of(structure, "paiements", amount_min="100")
    assert big.totals["count"] == 3 and big.totals["net"] == D("120.00")
    small = page_of(structure, "paiements", amount_max="80", method="card")
    assert column(small, "signed") == [D("20.00"), D("80.00")]
    nothing = page_of(structure, "paiements", method="transfer")
    assert nothing.totals == {"count": 0, "payments": 0, "refunds": 0, "net": 0}
    assert nothing.rows == [] and nothing.pages == 1


def test_co2_documents_filters_and_totals(books):
    """CO-2 Factures et avoirs: a credit note counts negative; an invoice issued from a
    purchase receipt leaves the sale's balance on the receipt."""
    structure, _owner, b = books
    everything = page_of(structure, "factures")
    assert everything.totals == {
        "count": 5,
        "base": D("200.01"),
        "vat": D("39.99"),
        "total": D("240.00"),
        "settled": D("220.00"),
        "due": D("0.00"),
    }
    rows = {row["number"]: row for row in everything.rows}
    assert (rows[b.invoice.number]["signed_total"], rows[b.invoice.number]["due_amount"]) == (
        D("200.00"),
        D("0.00"),
    )
    assert rows[b.cancelled_invoice.number]["settled_amount"] == D("100.00")
    assert rows[b.cancelled_invoice.number]["due_amount"] == D("200.00")
    note = rows[b.credit_note.number]
    assert (note["signed_total"], note["vat_amount"], note["base_amount"]) == (
        D("-300.00"),
        D("-50.00"),
        D("-250.00"),
    )
    assert (note["settled_amount"], note["due_amount"]) == (D("-100.00"), D("-200.00"))
    assert note["corrects__number"] == b.cancelled_invoice.number
    assert rows[b.receipt.number]["due_amount"] == D("0.00")
    assert rows[b.receipt_invoice.number]["settled_amount"] == D("0.00")
    assert rows[b.receipt_invoice.number]["due_amount"] == D("0.00")

    notes = page_of(structure, "factures", kind="credit_note")
    assert notes.totals["count"] == 1 and notes.totals["total"] == D("-300.00")
    open_ = page_of(structure, "factures", state="open")
    assert set(column(open_, "number")) == {b.cancelled_invoice.number, b.credit_note.number}
    settled = page_of(structure, "factures", state="settled", kind="invoice")
    assert set(column(settled, "number")) == {b.invoice.number, b.receipt_invoice.number}
    claire = page_of(structure, "factures", customer="Le Goff")
    assert column(claire, "number") == [b.invoice.number]
    big = page_of(structure, "factures", amount_min="200", amount_max="250")
    assert column(big, "number") == [b.invoice.number]
    today = timezone.localdate()
    assert page_of(structure, "factures", start=today, end=today).totals["count"] == 5
    yesterday = today - dt.timedelta(days=1)
    assert page_of(structure, "factures", end=yesterday).totals["count"] == 0


def test_co2_orders_filters_and_totals(books):
    """CO-2 Commandes: state, product, site, customer and amount filters; cancelled lines
    do not count."""
    structure, _owner, b = books
    numbers = [order.number for order in b.orders]
    everything = page_of(structure, "commandes")
    assert everything.totals == {
        "count": 5,
        "lines": 5,
        "amount": D("440.00"),
        "invoiced": D("220.00"),
        "to_invoice": D("220.00"),
    }
    states = {row["number"]: row["state"] for row in everything.rows}
    assert states == {
        numbers[0]: "invoiced",
        numbers[1]: "cancelled",
        numbers[2]: "to_invoice",
        numbers[3]: "invoiced",
        numbers[4]: "to_invoice",
    }
    to_invoice = page_of(structure, "commandes", state="to_invoice")
    assert to_invoice.totals["to_invoice"] == D("220.00")
    assert set(column(to_invoice, "number")) == {numbers[2], numbers[4]}
    activity = page_of(structure, "commandes", product=b.shop.activity.pk)
    assert set(column(activity, "number")) == {numbers[0], numbers[1], numbers[4]}
    assert activity.totals["amount"] == D("380.00")
    assert page_of(structure, "commandes", customer="claire").totals["amount"] == D("240.00")
    assert column(
        page_of(structure, "commandes", amount_min="150", amount_max="190"), "number"
    ) == [numbers[4]]
    assert page_of(structure, "commandes", channel="online").totals["count"] == 0

    with schema_context(structure.schema_name):
        from ponton.catalogue.models import Site

        port = Site.objects.create(name="Port de plaisance")
        b.shop.later_session.site = port
        b.shop.later_session.save(update_fields=["site"])
    at_port = page_of(structure, "commandes", site=port.pk)
    assert set(column(at_port, "number")) == {numbers[1], numbers[4]}


def test_co2_participants_filters_and_totals(books):
    """CO-2 Participants: the booked lines of every session (cancelled ones left out), by
    activity, session, site, state and person."""
    structure, _owner, b = books
    everything = page_of(structure, "participants")
    assert everything.totals == {"count": 2, "places": 2, "amount": D("360.00")}
    assert column(everything, "participant_name") == ["Louis Le Goff", "Bruno Kerjean"]
    assert column(everything, "payer_name") == ["Claire Le Goff", "Bruno Kerjean"]
    assert column(everything, "contact_email") == ["claire@exemple.fr", "bruno@exemple.fr"]
    later = page_of(
        structure, "participants", product=b.shop.activity.pk, session=b.shop.later_session.pk
    )
    assert column(later, "participant_name") == ["Bruno Kerjean"]
    invoiced = page_of(structure, "participants", state="invoiced")
    assert column(invoiced, "participant_name") == ["Louis Le Goff"]
    by_payer = page_of(structure, "participants", customer="claire")
    assert by_payer.totals["amount"] == D("180.00")
    day = timezone.localtime(b.shop.session.starts_at).date()
    assert page_of(structure, "participants", start=day, end=day).totals["count"] == 1
    by_name = page_of(structure, "participants", sort="-participant")
    assert column(by_name, "participant_name") == ["Louis Le Goff", "Bruno Kerjean"]


def test_co2_customers_filters_and_totals(books):
    """CO-2 Clients: their orders and what they paid net; erased customers left out."""
    structure, _owner, _b = books
    everything = page_of(structure, "clients")
    assert everything.totals == {"count": 3, "orders": 5, "paid": D("220.00")}
    assert [
        (r["last_name"], r["first_name"], r["order_count"], r["paid_amount"])
        for r in everything.rows
    ] == [
        ("Kerjean", "Bruno", 3, D("20.00")),
        ("Le Goff", "Claire", 2, D("200.00")),
        ("Le Goff", "Louis", 0, D("0.00")),
    ]
    assert column(page_of(structure, "clients", orders="without"), "first_name") == ["Louis"]
    assert column(page_of(structure, "clients", customer="claire@"), "first_name") == ["Claire"]
    assert column(page_of(structure, "clients", amount_min="100"), "first_name") == ["Claire"]
    by_paid = page_of(structure, "clients", sort="-paid")
    assert column(by_paid, "first_name") == ["Claire", "Bruno", "Louis"]
    with schema_context(structure.schema_name):
        from ponton.customers.models import Customer

        Customer.objects.filter(first_name="Louis").update(erased_at=timezone.now())
    assert page_of(structure, "clients").totals["count"] == 2


def test_co2_sorts_are_whitelisted_and_toggle(books, client_for):
    """CO-2: a column header sorts; again, the other way; an unknown key is refused."""
    structure, owner, _b = books
    by_amount = page_of(structure, "paiements", sort="amount")
    assert column(by_amount, "signed") == [D("-100"), D("20"), D("80"), D("100"), D("120")]
    by_amount_desc = page_of(structure, "paiements", sort="-amount")
    assert column(by_amount_desc, "signed") == [D("120"), D("100"), D("80"), D("20"), D("-100")]
    client = client_for(structure, owner)
    page = client.get("/manager/compta/listes/paiements/?sort=amount&method=cash").content.decode()
    # The current sort's header says so and links to the other direction, filters kept.
    assert re.search(
        r'<th class="right" aria-sort="ascending" scope="col">'
        r'<a href="\?method=cash&amp;sort=-amount">Montant ▲</a></th>',
        page,
    )
    assert '<a href="?method=cash&amp;sort=date">Date</a>' in page
    response = client.get("/manager/compta/listes/paiements/?sort=amount;DROP TABLE")
    assert response.status_code == 200
    assert "Ce tri n'existe pas : la liste est triée par défaut." in text(response)
    assert text(response).count("<tr>") == 1 + 5 + 1  # header, the rows, totals line


def test_co2_pagination_is_bounded(books, client_for, monkeypatch):
    """CO-2: pages of PAGE_SIZE rows, totals of every row on each page, a page past the end
    shows the last one."""
    monkeypatch.setattr("ponton.compta.lists.base.PAGE_SIZE", 2)
    structure, owner, _b = books
    first = page_of(structure, "paiements")
    assert (first.page, first.pages, len(first.rows)) == (1, 3, 2)
    last = page_of(structure, "paiements", page=3)
    assert column(last, "received_on") == [dt.date(2026, 3, 10)]
    assert last.totals["net"] == D("220.00")
    client = client_for(structure, owner)
    page = text(client.get("/manager/compta/listes/paiements/?method=card&page=2"))
    assert "Page 2 sur 1" not in page and "Page 1 sur 1" in page
    assert "Cette page n'existe pas : voici la dernière." in page
    middle = text(client.get("/manager/compta/listes/paiements/?page=2"))
    assert "Page 2 sur 3" in middle
    assert 'href="?page=1" rel="prev"' in middle and 'href="?page=3" rel="next"' in middle
    assert "Cette page n'existe pas : voici la première." in text(
        client.get("/manager/compta/listes/paiements/?page=-4")
    )


@pytest.mark.parametrize("slug", list(LISTS))
def test_co2_page_query_count_is_constant(books, client_for, slug):
    """CO-2: a list page costs the same number of queries for 1 row or for many."""
    structure, owner, b = books
    client = client_for(structure, owner)
    url = f"/manager/compta/listes/{slug}/"
    client.get(url)  # warm (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url + "?customer=kerjean").status_code == 200
    with schema_context(structure.schema_name):
        make_books(structure)  # the same books again: every list at least doubles
    client.get(url)  # the connection back on the structure's schema, as before
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 14


def test_co2_page_query_count_bound(books, client_for, django_assert_max_num_queries):
    structure, owner, _b = books
    client = client_for(structure, owner)
    client.get("/manager/compta/listes/commandes/")
    with django_assert_max_num_queries(14):
        client.get("/manager/compta/listes/commandes/?product=1&site=1")


BAD_INPUT = [
    ("start=2026-05-01&end=2026-04-01", "Le début de la période doit précéder la fin."),
    ("amount_min=500&amount_max=10", "Le montant minimum doit être inférieur au montant maximum."),
    ("amount_min=1e30", "Assurez-vous"),
    ("amount_max=-5", "Assurez-vous que cette valeur est supérieure ou égale à 0."),
    ("amount_min=NaN", "Saisissez un nombre."),
    ("start=2026-02-31", "Saisissez une date valide."),
    ("start=0001-01-01", "La date doit être comprise entre le"),
    ("end=9999-12-31", "La date doit être comprise entre le"),
    ("method=bitcoin", "Sélectionnez un choix valide."),
]


@pytest.mark.parametrize(("query", "message"), BAD_INPUT)
def test_co2_bad_input_says_why_in_french(books, client_for, query, message):
    """CO-2 bad input: inverted or absurd dates, absurd amounts, unknown choices: a French
    message beside the field, no rows, no export, no 500."""
    structure, owner, _b = books
    response = client_for(structure, owner).get(f"/manager/compta/listes/paiements/?{query}")
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert 'id="list-table"' not in page and "Totaux des lignes filtrées" not in page


def test_co2_bad_input_on_other_lists(books, client_for):
    structure, owner, b = books
    client = client_for(structure, owner)
    for slug in ("factures", "commandes", "participants", "clients"):
        page = text(client.get(f"/manager/compta/listes/{slug}/?start=2026-05-01&end=2026-01-01"))
        assert "Le début de la période doit précéder la fin." in page, slug
    page = text(client.get("/manager/compta/listes/commandes/?product=999999"))
    assert "Sélectionnez un choix valide" in page
    other = b.shop.later_session.pk
    with schema_context(structure.schema_name):
        from ponton.catalogue.models import Product

        other_product = (
            Product.objects.exclude(pk=b.shop.activity.pk).filter(kind="activity").first()
        )
    assert other_product is None  # one activity: a session of another is an unknown choice
    page = text(client.get(f"/manager/compta/listes/participants/?session={other}"))
    assert "Sélectionnez un choix valide" in page  # no activity chosen: no session offered
    assert client.get("/manager/compta/listes/inconnue/").status_code == 404


def test_co2_pages_show_french_formats_and_links(books, client_for):
    """CO-2: "06/12/2026", "1 234,50 €", the document number opens its PDF; the section
    "Compta" links to the lists and each list has "Ouvrir"."""
    structure, owner, b = books
    client = client_for(structure, owner)
    section = text(client.get("/manager/section/compta/"))
    assert 'href="/manager/compta/listes/"' in section and "Listes" in section
    index = text(client.get("/manager/compta/listes/"))
    for definition in LISTS.values():
        assert f'href="/manager/compta/listes/{definition.slug}/"' in index
    assert index.count(">Ouvrir</a>") == 5
    page = text(client.get("/manager/compta/listes/paiements/?method=cheque"))
    assert "<td>10/03/2026</td>" in page
    assert re.search(r'<dd data-total="net"[^>]*>120,00 €</dd>', page)
    assert f'<a href="/manager/factures/{b.invoice.pk}/pdf/">{b.invoice.number}</a>' in page
    assert "Réinitialiser" in page and "Appliquer" in page


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ACCOUNTANT, 200), (Role.ADMIN, 200), (Role.CASHIER, 403), (Role.STAFF, 403)],
)
def test_co2_lists_are_for_who_keeps_the_books(books, client_for, make_member, role, status):
    structure, _owner, _b = books
    client = client_for(structure, make_member(structure, role))
    assert client.get("/manager/compta/listes/").status_code == status
    assert client.get("/manager/compta/listes/paiements/").status_code == status

"""CO-5 B2C e-reporting: per day, the number of sales to private persons and, per category
(TLB1 goods, TPS1 services) and VAT rate, the taxable amount and the VAT, exempt sales apart,
computed from the ledger; the page, its CSV and JSON exports; refused periods."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.billing import services
from ponton.billing.models import Document
from ponton.catalogue.models import Product
from ponton.compta.ereporting import (
    CategoryTotal,
    EReportingDay,
    EReportingError,
    ExemptTotal,
    RateTotal,
    ereporting_days,
)
from ponton.customers.services import customer_create
from ponton.ledger.models import LedgerEntry
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, make_shop, published, text

SELLER = {"siret": "78467169500087", "vat_number": "FR32784671695"}
DAY1 = dt.date(2026, 3, 10)
DAY2 = dt.date(2026, 3, 11)
URL = "/manager/compta/e-reporting/"
D = Decimal


def at(day: dt.date, monkeypatch) -> None:
    moment = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def invoice_of(club, requests, payer=None):
    order = sales.order_create(payer=payer or club.payer, lines=requests, actor=STAFF)
    ids = [line.pk for line in order.lines.all()]
    return services.invoice_issue(structure=club.structure, order=order, line_ids=ids, actor=STAFF)


@pytest.fixture
def club(make_structure, monkeypatch):
    """Two days of sales. 10 March: invoice A (2 T-shirts 40 € at 20 %, exempt lessons to a
    member 120 €, a free rental 105,50 € at 5,5 %), a B2B invoice (excluded), a purchase
    receipt of a course 180 € at 20 % then its invoice on request (counted once).
    11 March: the credit note of A's T-shirts, invoice E (a T-shirt 20 € and a free line
    30 € of services, both at 20 %)."""
    structure, owner = make_structure(name="Club Nautique", **SELLER)
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.structure, shop.owner = structure, owner
        lessons = published(
            Product.Kind.TICKET,
            name="Cours adhérents",
            price=D("120.00"),
            vat_rate=D("0"),
            vat_exemption="cgi261_7_1a",
        )
        company = customer_create(
            first_name="Yann",
            last_name="Kerguelen",
            company_name="Voiles de l'Ouest SARL",
            company_siren="784671695",
        )
        at(DAY1, monkeypatch)
        shop.a = invoice_of(
            shop,
            [
                LineRequest(product=shop.shirt, quantity=2),
                LineRequest(product=lessons),
                LineRequest(label="Location kayak", unit_price=D("105.50"), vat_rate=D("5.5")),
            ],
        )
        shop.b2b = invoice_of(shop, [LineRequest(product=shop.shirt)], payer=company)
        order = sales.order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.adult,
                    consumer=shop.child_customer,
                )
            ],
            actor=STAFF,
        )
        shop.receipt = services.receipt_issue(
            structure=structure, order=order, line_ids=[order.lines.get().pk], actor=STAFF
        )
        shop.receipt_invoice = services.receipt_to_invoice(
            structure=structure, receipt=shop.receipt, actor=STAFF
        )
        at(DAY2, monkeypatch)
        shirts = shop.a.order.lines.get(product=shop.shirt)
        shop.credit_note = services.line_cancel(structure=structure, line=shirts, actor=STAFF)
        shop.e = invoice_of(
            shop,
            [
                LineRequest(product=shop.shirt),
                LineRequest(label="Réparation de voile", unit_price=D("30.00"), vat_rate=D("20")),
            ],
        )
        monkeypatch.undo()
        yield shop


EXPECTED = [
    EReportingDay(
        day=DAY1,
        transactions=2,
        credit_notes=0,
        categories=(
            CategoryTotal("TLB1", 1, (RateTotal(D("20.00"), D("33.33"), D("6.67")),)),
            CategoryTotal(
                "TPS1",
                2,
                (
                    RateTotal(D("20.00"), D("150.00"), D("30.00")),
                    RateTotal(D("5.50"), D("100.00"), D("5.50")),
                ),
            ),
        ),
        exempt=(ExemptTotal("cgi261_7_1a", 1, D("120.00")),),
    ),
    EReportingDay(
        day=DAY2,
        transactions=2,
        credit_notes=1,
        categories=(
            CategoryTotal("TLB1", 2, (RateTotal(D("20.00"), D("-16.66"), D("-3.34")),)),
            CategoryTotal("TPS1", 1, (RateTotal(D("20.00"), D("25.00"), D("5.00")),)),
        ),
        exempt=(),
    ),
]


def test_co5_exact_figures_per_day_category_and_rate(club):
    with schema_context(club.structure.schema_name):
        days = ereporting_days(start=DAY1, end=DAY2)
        assert days == EXPECTED
        assert [(d.taxable, d.tax, d.exempt_amount, d.total) for d in days] == [
            (D("283.33"), D("42.17"), D("120.00"), D("445.50")),
            (D("8.34"), D("1.66"), D("0.00"), D("10.00")),
        ]
        assert days[1].categories[0].taxable == D("-16.66")
        assert ereporting_days(start=DAY2, end=DAY2) == EXPECTED[1:]
        assert (
            ereporting_days(start=DAY2 + dt.timedelta(days=1), end=DAY2 + dt.timedelta(days=9))
            == []
        )


def test_co5_totals_equal_the_issued_documents_of_the_period_to_the_cent(club):
    """Every B2C sales document of the period (the invoice issued from a purchase receipt
    has no sales effect in the ledger: the receipt counted the sale), signed, per rate."""
    with schema_context(club.structure.schema_name):
        no_sale = set(
            LedgerEntry.objects.filter(sales_amount=0).values_list("reference", flat=True)
        )
        expected: dict[Decimal, list[Decimal]] = {}
        counted = []
        for document in Document.objects.order_by("pk"):
            local_day = timezone.localdate(document.issued_at)
            if document.number in no_sale or "siren" in document.customer:
                continue
            assert DAY1 <= local_day <= DAY2
            counted.append(document.number)
            sign = D(-1) if document.kind == Document.Kind.CREDIT_NOTE else D(1)
            for row in document.vat:
                totals = expected.setdefault(D(row["rate"]), [D(0), D(0)])
                totals[0] += sign * D(row["base"])
                totals[1] += sign * D(row["vat"])
        assert counted == [
            club.a.number,
            club.receipt.number,
            club.credit_note.number,
            club.e.number,
        ]
        reported: dict[Decimal, list[Decimal]] = {}
        for day in ereporting_days(start=DAY1, end=DAY2):
            for category in day.categories:
                for rate in category.rates:
                    totals = reported.setdefault(rate.rate, [D(0), D(0)])
                    totals[0] += rate.taxable
                    totals[1] += rate.tax
            for exempt in day.exempt:
                reported.setdefault(D("0.00"), [D(0), D(0)])[0] += exempt.amount
        assert reported == expected
        assert expected == {
            D("0.00"): [D("120.00"), D("0.00")],
            D("5.50"): [D("100.00"), D("5.50")],
            D("20.00"): [D("191.67"), D("38.33")],
        }


def test_co5_refused_periods_say_why_in_french():
    with pytest.raises(EReportingError, match="La date de début doit précéder la date de fin."):
        ereporting_days(start=DAY2, end=DAY1)
    with pytest.raises(EReportingError, match=r"un an \(366 jours\)"):
        ereporting_days(start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 2))


def test_co5_page_and_exports(club, client_for):
    client = client_for(club.structure, club.owner)
    page = client.get(URL, {"start": "2026-03-10", "end": "2026-03-11"})
    assert page.status_code == 200
    body = text(page)
    assert "Prestations de services (TPS1)" in body
    assert "Livraisons de biens (TLB1)" in body
    assert "Exonération de TVA, article 261-7-1° a du CGI" in body
    assert "Du 10/03/2026 au 11/03/2026 : 4 ventes à des particuliers." in body

    csv = client.get(URL, {"start": "2026-03-10", "end": "2026-03-11", "format": "csv"})
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv["Content-Disposition"] == (
        'attachment; filename="e-reporting-2026-03-10-2026-03-11.csv"'
    )
    lines = csv.content.decode("utf-8").split("\r\n")
    assert lines[0] == (
        "\ufeffDate (TT-77);Devise (TT-78);Catégorie (TT-81);Libellé de la catégorie;"
        "Nombre de transactions (TT-85);Taux de TVA (TT-86);Montant HT (TT-87);TVA (TT-88);"
        "Total TTC;Motif d'exonération"
    )
    assert lines[1:] == [
        "10/03/2026;EUR;TLB1;Livraisons de biens;1;20,00;33,33;6,67;40,00;",
        "10/03/2026;EUR;TPS1;Prestations de services;2;20,00;150,00;30,00;180,00;",
        "10/03/2026;EUR;TPS1;Prestations de services;2;5,50;100,00;5,50;105,50;",
        "10/03/2026;EUR;EXO;Ventes exonérées ou sans TVA (hors e-reporting);1;0,00;120,00;0,00;"
        "120,00;Exonération de TVA, article 261-7-1° a du CGI (VATEX-FR-CGI261-7)",
        "11/03/2026;EUR;TLB1;Livraisons de biens;2;20,00;-16,66;-3,34;-20,00;",
        "11/03/2026;EUR;TPS1;Prestations de services;1;20,00;25,00;5,00;30,00;",
        "",
    ]

    exported = client.get(URL, {"start": "2026-03-10", "end": "2026-03-11", "format": "json"})
    data = json.loads(exported.content)
    assert data["period"] == {"start": "2026-03-10", "end": "2026-03-11"}
    assert [d["transactions_count"] for d in data["days"]] == [2, 2]
    assert data["days"][1]["transactions"][0] == {
        "date": "2026-03-11",
        "currency_code": "EUR",
        "category_code": "TLB1",
        "tax_exclusive_amount": "-16.66",
        "tax_total": "-3.34",
        "transactions_count": 2,
        "tax_subtotals": [{"percent": "20.00", "taxable_amount": "-16.66", "tax_amount": "-3.34"}],
    }
    assert data["days"][0]["exempt"] == [
        {
            "reason": "cgi261_7_1a",
            "mention": "Exonération de TVA, article 261-7-1° a du CGI",
            "vatex": "VATEX-FR-CGI261-7",
            "transactions_count": 1,
            "amount": "120.00",
        }
    ]


def test_co5_bad_input_and_empty_period_on_the_page(club, client_for):
    client = client_for(club.structure, club.owner)
    inverted = client.get(URL, {"start": "2026-03-11", "end": "2026-03-10"})
    assert inverted.status_code == 400
    assert "La date de début doit précéder la date de fin." in text(inverted)
    absurd = client.get(URL, {"start": "2026-13-40", "end": "2026-03-10"})
    assert absurd.status_code == 400
    assert "Indiquez une date valide, au format JJ/MM/AAAA." in text(absurd)
    empty = client.get(URL, {"start": "2026-04-01", "end": "2026-04-30"})
    assert empty.status_code == 200
    message = (
        "Aucune vente à des particuliers (B2C) du 01/04/2026 au 30/04/2026 : rien à déclarer "
        "ni à exporter pour cette période."
    )
    assert message in text(empty)
    no_file = client.get(URL, {"start": "2026-04-01", "end": "2026-04-30", "format": "csv"})
    assert no_file.status_code == 400
    assert no_file["Content-Type"].startswith("text/html")
    assert message in text(no_file)


def test_co5_accountant_sees_it_cashier_does_not(club, client_for, make_member):
    accountant = make_member(club.structure, role=Role.ACCOUNTANT)
    cashier = make_member(club.structure, role=Role.CASHIER)
    params = {"start": "2026-03-10", "end": "2026-03-11"}
    assert client_for(club.structure, accountant).get(URL, params).status_code == 200
    assert client_for(club.structure, cashier).get(URL, params).status_code == 403
    section = text(client_for(club.structure, accountant).get("/manager/section/compta/"))
    assert URL in section

"""PL-4 "Participants of a session: list with consumer, payer, rate, payment state; select some
to send an SMS or a Click & Pay reminder with a custom subject and body; export."

The selector reads the order lines booked on the session (tested with real orders, invoices and
payments); the exporters are pure functions tested with `Participant` rows; the page is tested
on its empty state and, with rows given, on selection and export."""

from __future__ import annotations

import datetime as dt
import html
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from ponton.accounts.models import Role
from ponton.billing.selectors_participants import (
    Participant,
    PaymentState,
    session_participants,
)
from ponton.catalogue.models import Product
from ponton.planning import exports, services, views_participants

PARIS = ZoneInfo("Europe/Paris")
BOM = b"\xef\xbb\xbf"
HEADER = "Participant;Payeur;Tarif;Montant;État du paiement;Email;Mobile"

ROWS = [
    Participant(
        key="line-1",
        consumer="Léa Martin",
        payer="Claire Martin",
        rate="Tarif enfant",
        amount=Decimal("120.00"),
        payment_state=PaymentState.PAID,
        email="claire@example.test",
        mobile="+33 6 12 34 56 78",
    ),
    Participant(
        key="line-2",
        consumer="Hugo Petit; junior",
        payer="Entreprise Voiles & Co",
        rate="Tarif adulte",
        amount=Decimal("1234.5"),
        payment_state=PaymentState.PARTIAL,
    ),
    Participant(
        key="line-3",
        consumer='=HYPERLINK("http://evil.test","clic")',
        payer="-2+3",
        rate="@SUM(A1)",
        amount=Decimal("0"),
        payment_state=PaymentState.UNPAID,
        mobile="06 01 02 03 04",
    ),
]


def test_csv_export_is_for_french_excel():
    """PL-4 export: UTF-8 with BOM, ';' separated, decimal comma, CRLF, quoted when needed, and
    formula-looking cells neutralised (a phone number starting with '+' is left as it is)."""
    data = exports.participants_csv(ROWS)
    assert data.startswith(BOM)
    assert data[len(BOM) :].decode("utf-8").split("\r\n") == [
        HEADER,
        "Léa Martin;Claire Martin;Tarif enfant;120,00;Payé;claire@example.test;+33 6 12 34 56 78",
        '"Hugo Petit; junior";Entreprise Voiles & Co;Tarif adulte;1234,50;Partiellement payé;;',
        '"\'=HYPERLINK(""http://evil.test"",""clic"")";\'-2+3;\'@SUM(A1);0,00;Non payé;;'
        "06 01 02 03 04",
        "",
    ]


def test_csv_export_of_no_row_is_the_header_line():
    assert exports.participants_csv([]) == BOM + (HEADER + "\r\n").encode()


def test_xlsx_export_has_numbers_and_never_formulas():
    """PL-4 export: Excel with a bold, frozen header; amounts are numbers in euros (a sum works
    at once); a consumer named like a formula stays text."""
    data = exports.participants_xlsx(ROWS, title="06-07-2026 09h00")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "06-07-2026 09h00"
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [
        HEADER.split(";"),
        [
            "Léa Martin",
            "Claire Martin",
            "Tarif enfant",
            120,
            "Payé",
            "claire@example.test",
            "+33 6 12 34 56 78",
        ],
        [
            "Hugo Petit; junior",
            "Entreprise Voiles & Co",
            "Tarif adulte",
            1234.5,
            "Partiellement payé",
            None,
            None,
        ],
        [
            '=HYPERLINK("http://evil.test","clic")',
            "-2+3",
            "@SUM(A1)",
            0,
            "Non payé",
            None,
            "06 01 02 03 04",
        ],
    ]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet["D2"].data_type == "n" and sheet["D2"].number_format == '#,##0.00 "€"'
    assert sheet["A4"].data_type == "s" and sheet["B4"].data_type == "s"
    assert load_workbook(io.BytesIO(exports.participants_xlsx([]))).active.max_row == 1


@pytest.fixture
def tenant(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        yield structure, owner


@pytest.fixture
def session(tenant):
    activity = Product.objects.create(
        kind=Product.Kind.ACTIVITY, name="Stage optimist", price=Decimal("120.00")
    )
    return services.session_add(
        product=activity,
        starts_at=dt.datetime(2026, 7, 6, 9, tzinfo=PARIS),
        ends_at=dt.datetime(2026, 7, 6, 11, tzinfo=PARIS),
        capacity=8,
    )


def url(session) -> str:
    return f"/manager/planning/seances/{session.pk}/participants/"


def page(response) -> str:
    return html.unescape(response.content.decode())


def test_no_participant_yet(tenant, session, client_for):
    """PL-4: with no order on the session, the list says so; "Exporter tout" gives the columns;
    no button pretends to send an SMS or a Click & Pay reminder."""
    structure, owner = tenant
    assert session_participants(session=session) == []
    client = client_for(structure, owner)
    text = page(client.get(url(session)))
    assert "<h1>Participants</h1>" in text
    assert "Stage optimist, séance n° 1 du lundi 6 juillet 2026, 09:00–11:00" in text
    assert "Places vendues : 0 sur 8" in text
    assert "Aucun participant pour l'instant." in text
    assert "Exporter tout (CSV)" in text and "Exporter tout (Excel)" in text
    assert "Exporter la sélection" not in text
    assert "SMS" not in text and "Click" not in text
    csv_file = client.post(url(session), {"export": "all_csv"})
    assert csv_file["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_file["Content-Disposition"] == (
        'attachment; filename="participants-stage-optimist-2026-07-06-09h00.csv"'
    )
    assert csv_file.content == BOM + (HEADER + "\r\n").encode()
    xlsx_file = client.post(url(session), {"export": "all_xlsx"})
    assert xlsx_file["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert xlsx_file["Content-Disposition"].endswith('-2026-07-06-09h00.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx_file.content)).active
    assert [c.value for c in sheet[1]] == HEADER.split(";") and sheet.max_row == 1


def test_participants_come_from_the_order_lines(structure_a, client_for):
    """PL-4: one row per booked line: consumer (the payer when none), payer, rate, amount and
    the payment state of its invoice; cancelled lines and quotes are not participants."""
    from ponton.billing.services import PaymentData, invoice_issue, line_cancel, payment_record
    from ponton.sales.services import LineRequest, order_create
    from tests.support.sales import STAFF, make_shop

    structure, owner = structure_a
    with schema_context(structure.schema_name):
        shop = make_shop()

        def book(consumer, rate, quote=False):
            return order_create(
                payer=shop.payer,
                lines=[
                    LineRequest(
                        product=shop.activity, session=shop.session, rate=rate, consumer=consumer
                    )
                ],
                actor=STAFF,
                quote=quote,
            )

        paid = book(shop.child_customer, shop.child)
        bill = invoice_issue(
            structure=structure,
            order=paid,
            line_ids=[paid.lines.get().pk],
            actor=STAFF,
        )
        payment_record(
            document=bill,
            data=PaymentData(kind="payment", method="cash", amount=Decimal("100.00")),
            actor=STAFF,
        )
        unpaid = book(shop.payer, shop.adult)
        cancelled = book(shop.payer, shop.adult)
        line_cancel(structure=structure, line=cancelled.lines.get(), actor=STAFF)
        book(shop.payer, shop.adult, quote=True)
        rows = session_participants(session=shop.session)
        assert [(r.consumer, r.payer, r.rate, r.amount, r.payment_state) for r in rows] == [
            ("Claire Le Goff", "Claire Le Goff", "Adulte", Decimal("180.00"), PaymentState.UNPAID),
            ("Louis Le Goff", "Claire Le Goff", "Enfant", Decimal("150.00"), PaymentState.PARTIAL),
        ]
        assert rows[0].key == str(unpaid.lines.get().pk)
        assert rows[1].email == "claire@exemple.fr"  # the payer's, the child has none
        payment_record(
            document=bill,
            data=PaymentData(kind="payment", method="card", amount=Decimal("50.00")),
            actor=STAFF,
        )
        assert session_participants(session=shop.session)[1].payment_state == PaymentState.PAID
    text = page(client_for(structure, owner).get(url(shop.session)))
    assert "Louis Le Goff" in text and "Payé" in text and "Non payé" in text


@pytest.fixture
def with_rows(monkeypatch):
    """Rows given to the page, to test selection and export on known content."""
    monkeypatch.setattr(views_participants, "session_participants", lambda *, session: ROWS)


def test_select_and_export_the_selection(tenant, session, client_for, with_rows):
    """PL-4: each row has a labelled checkbox; the ticked rows only are exported, as CSV or
    Excel; "Exporter tout" exports every row."""
    structure, owner = tenant
    client = client_for(structure, owner)
    text = page(client.get(url(session)))
    for number, row in enumerate(ROWS, start=1):
        assert (
            f'<input type="checkbox" name="selected" value="{row.key}" id="participant-{number}">'
            in text
        )
        assert f'<label for="participant-{number}">{row.consumer}</label>' in text
    assert "<td>Claire Martin</td>" in text and "<td>Tarif adulte</td>" in text
    assert "<td>1\xa0234,50 €</td>" in text  # French grouping: a no-break space
    assert '<span class="badge orange">Partiellement payé</span>' in text
    assert "Aucun participant" not in text
    chosen = client.post(url(session), {"export": "selection_csv", "selected": ["line-2"]})
    lines = chosen.content[len(BOM) :].decode().split("\r\n")
    assert lines[0] == HEADER and lines[1].startswith('"Hugo Petit; junior";') and len(lines) == 3
    chosen_xlsx = client.post(
        url(session), {"export": "selection_xlsx", "selected": ["line-3", "line-1"]}
    )
    sheet = load_workbook(io.BytesIO(chosen_xlsx.content)).active
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == [
        "Léa Martin",
        '=HYPERLINK("http://evil.test","clic")',
    ]
    assert sheet.max_row == 3
    everything = client.post(url(session), {"export": "all_csv", "selected": ["line-2"]})
    assert everything.content == exports.participants_csv(ROWS)


def test_export_refusals(tenant, session, client_for, with_rows):
    """PL-4: exporting a selection with nothing ticked, or a row no longer on the session, is
    refused with a French message above the list (status 400, no file); ticks are kept."""
    structure, owner = tenant
    client = client_for(structure, owner)
    empty = client.post(url(session), {"export": "selection_csv"})
    assert empty.status_code == 400 and empty["Content-Type"].startswith("text/html")
    assert "Cochez au moins un participant à exporter." in page(empty)
    gone = client.post(url(session), {"export": "selection_xlsx", "selected": ["line-1", "x"]})
    assert gone.status_code == 400
    text = page(gone)
    assert "Un participant sélectionné n'est plus inscrit à cette séance : rechargez la page." in (
        text
    )
    assert 'value="line-1" id="participant-1" checked>' in text
    unknown = client.post(url(session), {"export": "pdf"})
    assert unknown.status_code == 400


def test_who_may_see_the_participants(tenant, session, client_for, make_member):
    """PL-4: the list shows customers' data: staff and cashiers (customers.view) see it, an
    accountant does not; an unknown session is a 404."""
    structure, _owner = tenant
    cashier = client_for(structure, make_member(structure, Role.CASHIER))
    assert cashier.get(url(session)).status_code == 200
    accountant = client_for(structure, make_member(structure, Role.ACCOUNTANT))
    assert accountant.get(url(session)).status_code == 403
    assert accountant.post(url(session), {"export": "all_csv"}).status_code == 403
    assert cashier.get(f"/manager/planning/seances/{session.pk + 1}/participants/").status_code == (
        404
    )

"""The till's cash pages over HTTP on a real PostgreSQL: "Apport d'espèces", "Retrait
d'espèces" (PO-2), "État et clôture de caisse", "X->Z" with the password, rate-limited, and
"Historique des clôtures" with the PDF and the totals (PO-3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.pos import services
from modules.pos.models import CashMovement, TillClosing, TillSession
from modules.pos.services import session_open, ticket_cancel, ticket_record
from ponton.accounts.models import Role
from ponton.ledger.models import LedgerEntry
from tenants.services import module_grant
from tests.conftest import TEST_PASSWORD
from tests.support.pos import line, pay
from tests.support.sales import STAFF, text

pytestmark = pytest.mark.django_db


def sell(club, lines, payments, total):
    payload, signature = club.counter.ticket(lines, payments, total=Decimal(total))
    return ticket_record(
        structure=club.structure,
        device=club.counter.device,
        payload=payload,
        signature=signature,
        actor=STAFF,
    ).ticket


@pytest.fixture
def till_client(till_club, client_for):
    """The owner on the club's host, the paid module "Caisse" granted by the platform."""
    module_grant(structure=till_club.structure, label="pos")
    return client_for(till_club.structure, till_club.owner)


def in_schema(club, fn):
    with schema_context(club.structure.schema_name):
        return fn()


def counts(club) -> tuple[int, int, int]:
    return in_schema(
        club,
        lambda: (
            CashMovement.objects.count(),
            TillClosing.objects.count(),
            LedgerEntry.objects.count(),
        ),
    )


# PO-2 ------------------------------------------------------------------------------------


def test_po2_cash_in_and_cash_out_pages_record_and_show_in_the_x_report(till_club, till_client):
    page = till_client.get("/caisse/apport/")
    assert page.status_code == 200
    assert "Apport d'espèces" in text(page)
    assert 'for="id_amount">Montant (€)' in text(page)

    done = till_client.post("/caisse/apport/", {"amount": "1 030,00", "reason": "Monnaie"})
    assert done.status_code == 302
    assert done["Location"] == "/caisse/etat/"
    out = till_client.post(
        "/caisse/retrait/", {"amount": "11,50", "reason": "Dépôt banque"}, follow=True
    )

    body = text(out)
    assert "Retrait de 11,50 € enregistré." in body
    assert '<td class="right" data-x="cash_in">1\u202f030,00 €</td>' in body.replace(
        "\xa0", "\u202f"
    )
    assert 'data-x="cash_out">11,50 €</td>' in body
    # 150 float + 1 030 in - 11,50 out
    assert 'data-x="expected_cash"><strong>1\u202f168,50 €' in body.replace("\xa0", "\u202f")
    moves = in_schema(
        till_club,
        lambda: list(CashMovement.objects.order_by("pk").values_list("kind", "amount", "reason")),
    )
    assert moves == [
        ("in", Decimal("1030.00"), "Monnaie"),
        ("out", Decimal("11.50"), "Dépôt banque"),
    ]


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("/caisse/retrait/", {"amount": "150,01", "reason": "Banque"}, "dépasse les espèces"),
        ("/caisse/apport/", {"amount": "-5", "reason": "x"}, "Le montant doit être supérieur"),
        ("/caisse/apport/", {"amount": "0", "reason": "x"}, "Le montant doit être supérieur"),
        ("/caisse/apport/", {"amount": "douze", "reason": "x"}, "Saisissez un montant en euros"),
        ("/caisse/apport/", {"amount": "12,345", "reason": "x"}, "euros et centimes"),
        ("/caisse/apport/", {"amount": "999999", "reason": "x"}, "trop élevé"),
        ("/caisse/apport/", {"amount": "10", "reason": ""}, "Ce champ est obligatoire"),
    ],
)
def test_po2_bad_amounts_are_refused_in_french_and_nothing_changes(
    till_club, till_client, path, data, message
):
    before = counts(till_club)

    refused = till_client.post(path, data)

    assert refused.status_code == 400
    assert message in text(refused)
    assert counts(till_club) == before


def test_po2_a_cashier_needs_the_till_permission_and_the_module(
    till_club, till_client, client_for, make_member, make_structure
):
    other, owner = make_structure(name="Musée sans caisse")
    accountant = make_member(till_club.structure, role=Role.ACCOUNTANT)
    cashier = make_member(till_club.structure, role=Role.CASHIER)
    assert client_for(till_club.structure, accountant).get("/caisse/apport/").status_code == 403
    assert client_for(till_club.structure, cashier).get("/caisse/apport/").status_code == 200
    assert client_for(till_club.structure).get("/caisse/etat/").status_code == 302  # login
    assert client_for(other, owner).get("/caisse/etat/").status_code == 404


# PO-3: X ---------------------------------------------------------------------------------


def test_po3_the_x_report_shows_tickets_sales_methods_cash_and_counts(till_club, till_client):
    club = till_club

    def given():
        sell(club, [line(club.shirt)], [pay("cash", "50.00")], "20")  # 30,00 € change
        sell(club, [line(club.shirt, quantity=2)], [pay("card", "40.00")], "40")
        third = sell(club, [line(club.shirt)], [pay("cash", "20.00")], "20")
        ticket_cancel(
            structure=club.structure, ticket=third, session=club.counter.session, actor=STAFF
        )
        services.cash_move(
            session=club.counter.session, kind="in", amount="5", reason="Monnaie", actor=STAFF
        )

    in_schema(club, given)

    body = text(till_client.get("/caisse/etat/"))

    assert 'data-x="opening_float">150,00 €' in body
    assert 'data-x="tickets">3<' in body
    assert 'data-x="cancelled">1<' in body
    assert 'data-x="sales"><strong>60,00 €' in body  # 20 + 40 + 20 - 20
    assert 'data-x="cash_in">5,00 €' in body
    assert 'data-x="offline">0<' in body
    assert 'data-x="overbooked">0<' in body
    # cash: 20 + 20 received, 20 refunded; expected 150 + 20 + 5
    assert (
        '<tr data-method="cash">\n      <td>Espèces</td><td class="right">40,00 €</td>'
        '<td class="right">20,00 €</td><td class="right">20,00 €</td>'
    ) in body
    assert 'data-x="expected_cash"><strong>175,00 €' in body
    assert '<tr data-method="card">\n      <td>Carte bancaire</td><td class="right">40,00 €' in body
    assert ">X->Z</a>" in body


def test_po3_a_session_open_more_than_24_hours_must_be_closed_first(
    till_club, till_client, monkeypatch
):
    monkeypatch.setattr(services, "SESSION_MAX_AGE", dt.timedelta(0))
    before = counts(till_club)

    state = text(till_client.get("/caisse/etat/"))
    refused = till_client.post("/caisse/apport/", {"amount": "10", "reason": "x"})

    assert "ouverte depuis plus de 24 h" in state
    assert refused.status_code == 400
    assert "ouverte depuis plus de 24 h" in text(refused)
    assert counts(till_club) == before
    closing = till_client.get("/caisse/etat/cloture/")
    assert closing.status_code == 200  # the Z is still possible


# PO-3: X->Z ------------------------------------------------------------------------------


def closing_data(**counted) -> dict:
    data = {
        "counted_cash": "",
        "counted_card": "0,00",
        "counted_cheque": "0,00",
        "counted_holiday_voucher": "0,00",
        "counted_credit": "0,00",
        "counted_transfer": "0,00",
        "password": TEST_PASSWORD,
    }
    data.update(counted)
    return data


def test_po3_x_to_z_with_the_password_records_the_closing_and_closes_the_session(
    till_club, till_client
):
    club = till_club
    in_schema(club, lambda: sell(club, [line(club.shirt)], [pay("card", "20.00")], "20"))
    in_schema(club, lambda: sell(club, [line(club.shirt)], [pay("cash", "20.00")], "20"))

    form = text(till_client.get("/caisse/etat/cloture/"))
    assert 'name="counted_cash" inputmode="decimal" maxlength="20" required' in form
    assert 'name="counted_card" value="20,00"' in form
    assert 'type="password" name="password"' in form

    done = till_client.post(
        "/caisse/etat/cloture/",
        closing_data(counted_cash="169,00", counted_card="20,00"),
        follow=True,
    )

    assert "Clôture Z n° 1 enregistrée (écart : -1,00 €)." in text(done)
    closing = in_schema(club, lambda: TillClosing.objects.get())
    assert (closing.number, closing.difference, closing.sales_total) == (
        1,
        Decimal("-1.00"),
        Decimal("40.00"),
    )
    assert closing.counted["cash"] == "169.00"
    assert closing.actor_name == "Alex Dupont"
    session = in_schema(club, lambda: TillSession.objects.get(pk=club.counter.session.pk))
    assert session.closed_at is not None
    assert "La caisse est fermée" in text(till_client.get("/caisse/etat/"))


def test_po3_the_counted_cash_is_required(till_client, till_club):
    before = counts(till_club)
    refused = till_client.post("/caisse/etat/cloture/", closing_data())
    assert refused.status_code == 400
    assert "Ce champ est obligatoire" in text(refused)
    assert counts(till_club) == before


def test_po3_a_wrong_password_is_refused_then_rate_limited_even_when_right(
    till_club, till_client, client_for, make_member
):
    club = till_club
    before = counts(club)
    for _attempt in range(5):
        wrong = till_client.post(
            "/caisse/etat/cloture/", closing_data(counted_cash="150", password="pas-le-bon")
        )
        assert wrong.status_code == 400
        assert "Mot de passe incorrect : la clôture n'est pas enregistrée." in text(wrong)

    limited = till_client.post("/caisse/etat/cloture/", closing_data(counted_cash="150"))

    assert limited.status_code == 400
    assert "Trop de mots de passe erronés" in text(limited)
    assert counts(club) == before
    assert in_schema(club, lambda: TillSession.objects.get().closed_at) is None
    # another cashier is not limited by the first one's mistakes
    cashier = make_member(club.structure, role=Role.CASHIER)
    other = client_for(club.structure, cashier).post(
        "/caisse/etat/cloture/", closing_data(counted_cash="150"), follow=True
    )
    assert "Clôture Z n° 1 enregistrée (écart : 0,00 €)." in text(other)


def test_po3_a_closed_session_is_not_closed_twice(till_club, till_client):
    till_client.post("/caisse/etat/cloture/", closing_data(counted_cash="150"))
    before = counts(till_club)

    again = till_client.post("/caisse/etat/cloture/", closing_data(counted_cash="150"), follow=True)

    assert "Cette caisse n'a pas de session ouverte : rien à clôturer." in text(again)
    assert counts(till_club) == before


def test_po3_closings_history_with_pdf_day_month_year_and_grand_totals(till_club, till_client):
    club = till_club
    in_schema(club, lambda: sell(club, [line(club.shirt)], [pay("card", "20.00")], "20"))
    till_client.post(
        "/caisse/etat/cloture/", closing_data(counted_cash="150,00", counted_card="20,00")
    )

    def second_session():
        club.counter.session = session_open(till=club.counter.till, opening_float="0", actor=STAFF)
        sell(club, [line(club.shirt, quantity=2)], [pay("cash", "40.00")], "40")

    in_schema(club, second_session)
    till_client.post("/caisse/etat/cloture/", closing_data(counted_cash="39,50"))

    page = till_client.get("/caisse/clotures/")
    body = text(page)
    today = timezone.localdate()
    assert '<tr data-closing="2">' in body
    assert '<tr data-closing="1">' in body
    assert '<td class="right">40,00 €</td><td class="right">-0,50 €</td>' in body
    assert 'data-grand="sales">60,00 €' in body
    assert 'data-grand="payments">60,00 €' in body
    day_row = f'<tr><td>{today:%d/%m/%Y}</td><td class="right">2</td><td class="right">60,00 €'
    assert day_row in body
    assert f'<tr><td>{today:%m/%Y}</td><td class="right">2</td>' in body
    assert f'<tr><td>{today:%Y}</td><td class="right">2</td>' in body

    closing = in_schema(club, lambda: TillClosing.objects.get(number=2))
    pdf = till_client.get(f"/caisse/clotures/{closing.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f'filename="cloture-C{club.counter.till.pk}-Z2.pdf"' in pdf["Content-Disposition"]
    assert till_client.get(f"/caisse/clotures/{closing.pk + 100}/pdf/").status_code == 404

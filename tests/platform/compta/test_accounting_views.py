"""CO-3 pages: Compta > Écritures comptables (period, journal, entries with totals, Excel with
real numbers and dates) and Paramètres comptables (seen by the accountant, changed by the
administrators, refused accounts named)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from ponton.accounts.models import Role
from ponton.billing import services
from ponton.billing.services import PaymentData
from ponton.compta.models import AccountingSettings
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, make_shop, text

D = Decimal


@pytest.fixture
def club(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.structure = structure
        order = sales.order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    label="Stage", unit_price=D("90.00"), vat_rate=D("20.00"), accounting_code=""
                ),
                LineRequest(
                    label="Carte", unit_price=D("21.10"), vat_rate=D("5.50"), accounting_code=""
                ),
            ],
            actor=STAFF,
        )
        ids = [line.pk for line in order.lines.all()]
        invoice = services.invoice_issue(
            structure=structure, order=order, line_ids=ids, actor=STAFF
        )
        services.payment_record(
            document=invoice,
            data=PaymentData(kind="payment", method="cash", amount=D("111.10")),
            actor=STAFF,
        )
        yield shop, owner, invoice


def today_query(**extra) -> dict[str, str]:
    today = timezone.localdate().isoformat()
    return {"start": today, "end": today, **extra}


def test_entries_page_shows_entries_and_totals(club, client_for):
    """CO-3: choose a period (and a journal), see the entries and their totals per journal."""
    shop, owner, invoice = club
    client = client_for(shop.structure, owner)
    section = text(client.get("/manager/section/compta/"))
    assert "Écritures comptables" in section and "Paramètres comptables" in section
    first = text(client.get("/manager/compta/ecritures/"))  # the month so far, at once
    assert 'name="start"' in first and invoice.number in first and 'data-journal="VE"' in first
    page = text(client.get("/manager/compta/ecritures/", today_query()))
    assert invoice.number in page
    assert "111,10 €" in page and "75,00 €" in page and "20,00 €" in page
    assert 'data-journal="VE"' in page and 'data-journal="CA"' in page
    total = page.split("data-total>")[1].split("</tr>")[0]
    assert '<th class="right">2</th>' in total
    assert total.count("222,20 €") == 2  # debit = credit
    only_cash = text(client.get("/manager/compta/ecritures/", today_query(journal="cash")))
    assert 'data-journal="CA"' in only_cash and 'data-journal="VE"' not in only_cash
    old = text(
        client.get("/manager/compta/ecritures/", {"start": "2025-01-01", "end": "2025-01-31"})
    )
    assert "Aucune écriture du 01/01/2025 au 31/01/2025 dans ce journal." in old


def test_entries_page_refuses_bad_periods_and_names_failing_documents(club, client_for):
    """CO-3 bad input: inverted range, absurd range, a document without account."""
    shop, owner, invoice = club
    client = client_for(shop.structure, owner)
    page = text(
        client.get("/manager/compta/ecritures/", {"start": "2026-03-10", "end": "2026-03-01"})
    )
    assert "La date de fin (01/03/2026) précède la date de début (10/03/2026)." in page
    page = text(
        client.get("/manager/compta/ecritures/", {"start": "2020-01-01", "end": "2026-01-01"})
    )
    assert "La période dépasse 24 mois" in page
    with schema_context(shop.structure.schema_name):
        AccountingSettings.objects.update_or_create(singleton=True, defaults={"sales_account": ""})
    page = text(client.get("/manager/compta/ecritures/", today_query()))
    assert "Ces écritures ne peuvent pas être produites" in page
    assert f"La facture {invoice.number} (ligne « Stage ») n'a pas de compte de produit" in page
    assert f"La facture {invoice.number} (ligne « Carte ») n'a pas de compte de produit" in page
    response = client.get("/manager/compta/ecritures/excel/", today_query())
    assert response.status_code == 302  # no half-written workbook


def test_entries_excel_has_real_numbers_dates_and_totals(club, client_for):
    """CO-3: the accountant's workbook: dates are dates, amounts numbers in euros, a totals
    line where debit = credit, one row per entry line."""
    shop, owner, invoice = club
    accountant = client_for(shop.structure, _member(shop, Role.ACCOUNTANT))
    response = accountant.get("/manager/compta/ecritures/excel/", today_query())
    assert response.status_code == 200
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="ecritures-{today:%Y%m%d}-{today:%Y%m%d}.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "N° d'écriture",
        "Date",
        "Journal",
        "Pièce",
        "Date de la pièce",
        "Compte",
        "Libellé du compte",
        "Compte auxiliaire",
        "Libellé auxiliaire",
        "Libellé",
        "Débit",
        "Crédit",
    )
    body, total = rows[1:-1], rows[-1]
    assert len(body) == 5 + 2  # VE: 411, 706000 x2 rates, 445711, 445713; CA: 2 lines
    first = body[0]
    assert first[0] == 1 and first[2] == "VE" and first[3] == invoice.number
    assert isinstance(first[1], dt.datetime) and first[1].date() == today
    assert (first[5], first[10], first[11]) == ("411000", 111.1, 0)
    assert [r[5] for r in body] == [
        "411000",
        "706000",
        "445711",
        "706000",
        "445713",
        "530000",
        "411000",
    ]
    assert sum(r[10] or 0 for r in body) == pytest.approx(222.2)
    assert total[9] == "Total" and total[10] == total[11] == pytest.approx(222.2)
    cell = sheet.cell(row=2, column=11)
    assert cell.data_type == "n" and "€" in cell.number_format


def _member(shop, role):
    from ponton.accounts.models import Membership, User

    user = User.objects.create_user(
        email=f"{role}@{shop.structure.slug}.test", password="x-Un-mot-de-passe-42"
    )
    Membership.objects.create(user=user, structure=shop.structure, role=role)
    return user


def test_settings_seen_by_accountant_changed_by_owner(club, client_for):
    """CO-3: the accountant sees the accounts (read only, POST refused); the owner changes
    them; a refused account or journal code is named and nothing is saved."""
    shop, owner, _invoice = club
    accountant = client_for(shop.structure, _member(shop, Role.ACCOUNTANT))
    page = text(accountant.get("/manager/compta/parametres/"))
    assert 'value="411000"' in page and 'value="445713"' in page and "disabled" in page
    assert "Seuls les administrateurs de la structure modifient ces paramètres." in page
    with schema_context(shop.structure.schema_name):
        before = {
            f.attname: getattr(AccountingSettings.objects.get(), f.attname)
            for f in AccountingSettings._meta.fields
        }
    form = {k: v for k, v in before.items() if k not in ("singleton", "updated_at", "actor_id")}
    assert accountant.post("/manager/compta/parametres/", form).status_code == 403
    cashier = client_for(shop.structure, _member(shop, Role.CASHIER))
    assert cashier.get("/manager/compta/parametres/").status_code == 403
    client = client_for(shop.structure, owner)
    bad = {**form, "cheque_account": "5112", "card_account": "ABC", "sales_journal": "CH"}
    page = text(client.post("/manager/compta/parametres/", bad))
    assert "« ABC » n'est pas un compte du plan comptable" in page
    assert "Ce code est déjà celui d'un journal de paiements : choisissez-en un autre." in page
    wrong_class = text(
        client.post("/manager/compta/parametres/", {**form, "vat_20_account": "706000"})
    )
    assert "Ce compte commence par 4457." in wrong_class
    with schema_context(shop.structure.schema_name):
        after = {
            f.attname: getattr(AccountingSettings.objects.get(), f.attname)
            for f in AccountingSettings._meta.fields
        }
    assert after == before  # nothing saved
    good = {**form, "card_account": "511600", "card_journal": "tp", "sales_account": ""}
    response = client.post("/manager/compta/parametres/", good)
    assert response.status_code == 302
    with schema_context(shop.structure.schema_name):
        saved = AccountingSettings.objects.get()
    assert (saved.card_account, saved.card_journal, saved.sales_account) == ("511600", "TP", "")
    assert saved.actor_id == owner.pk

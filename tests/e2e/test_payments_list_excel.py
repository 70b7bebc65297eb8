"""CO-2 in a real browser, the seed's flow: Compta > Liste, "Ouvrir" the payments list,
filter, "Appliquer", export to Excel — and the amounts of the downloaded workbook are real
numbers that sum to the total the page shows (no "Convertir en nombre")."""

from __future__ import annotations

import re
from decimal import Decimal

import openpyxl
import pytest
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.web.spreadsheets import MONEY_FORMAT
from tests.conftest import TEST_PASSWORD
from tests.support.compta_lists import make_books

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_filtered_payments_list_exported_to_excel_sums(
    make_structure, make_member, site, new_page, tmp_path
):
    """CO-2: an accountant filters the payments by "Carte bancaire" in March-April 2026; the
    Excel file holds those two payments as numbers in euros summing to the page's total."""
    structure, _owner = make_structure(name="Club Nautique de Bénodet")
    with schema_context(structure.schema_name):
        make_books(structure)
    accountant = make_member(structure, Role.ACCOUNTANT)

    page = new_page()
    page.goto(site.url(structure, "/manager/"))
    page.get_by_label("Adresse email").fill(accountant.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Compta", exact=True).click()
    page.get_by_role("link", name=re.compile(r"^Listes")).click()
    page.get_by_role("heading", name="Listes").wait_for()
    page.get_by_role("link", name="Ouvrir la liste Paiements").click()
    page.get_by_role("heading", name="Paiements").wait_for()
    assert page.locator('[data-total="count"]').inner_text() == "5"

    page.get_by_label("Mode de paiement").select_option(label="Carte bancaire")
    page.get_by_label("Du", exact=True).fill("2026-03-01")
    page.get_by_label("Au", exact=True).fill("2026-04-30")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_url(re.compile(r"method=card"))
    assert page.locator('[data-total="count"]').inner_text() == "2"
    shown_total = page.locator('[data-total="net"]').inner_text()
    assert shown_total.replace("\u202f", " ").replace("\xa0", " ") == "100,00 €"
    assert page.locator("#list-table tbody tr").count() == 2

    with page.expect_download() as info:
        page.get_by_role("button", name="Excel").click()
    download = info.value
    assert re.fullmatch(r"paiements-\d{8}-\d{6}\.xlsx", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    amount_column = header.index("Montant")
    cells = [row[amount_column] for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == 2
    assert all(c.data_type == "n" and c.number_format == MONEY_FORMAT for c in cells)
    workbook_total = sum(Decimal(str(c.value)) for c in cells)
    assert workbook_total == Decimal("100.00")
    shown = Decimal(re.sub(r"[^\d,-]", "", shown_total).replace(",", "."))
    assert workbook_total == shown
    assert [row[2].value for row in sheet.iter_rows(min_row=2)] == ["Carte bancaire"] * 2

    page.get_by_role("link", name="Réinitialiser").click()
    page.wait_for_url(re.compile(r"/manager/compta/listes/paiements/$"))
    assert page.locator('[data-total="count"]').inner_text() == "5"

"""ST-1, ST-2 pages: charts (inline SVG, French months, euros, CSP nonce, no script) beside
tables with the same figures, filters and their French refusals, exports opened back, who may
open them."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from tests.support.sales import text

ATTENDANCE = "/manager/statistiques/frequentation/"
FINANCE = "/manager/statistiques/finances/"
SPRING = {"start": "2026-03-01", "end": "2026-04-30", "grouping": "month"}
NBSP = "\xa0"


def table_rows(page: str, slug: str) -> list[list[str]]:
    """The rows (header, body, totals) of the <table data-table=slug>, cell texts."""
    match = re.search(rf'<table data-table="{slug}">(.*?)</table>', page, re.S)
    assert match, f"no table {slug}"
    rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def charts(page: str) -> list[str]:
    return re.findall(r"<svg [^>]*stats-chart.*?</svg>", page, re.S)


@pytest.fixture
def accountant_client(story, accountant, client_for):
    return client_for(story.structure, accountant)


def test_st1_page_chart_and_table(accountant_client):
    """ST-1: the N/N-1 charts (inline SVG, French month names) and the table beside them with
    the same figures; the chart's style is nonced and it carries no script."""
    response = accountant_client.get(ATTENDANCE, SPRING)
    assert response.status_code == 200
    page = text(response)
    svgs = charts(page)
    assert len(svgs) == 5  # places vendues, taux (by period), activity, site, rate
    sold = svgs[0]
    assert 'role="img"' in sold and 'aria-label="Places vendues, N et N-1"' in sold
    assert ">mars 2026<" in sold and ">avril 2026<" in sold
    assert "<script" not in page.split("</main>")[0].split("<main>")[1]
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert all(f'<style type="text/css" nonce="{nonce}">' in svg for svg in svgs)
    assert ">33,3 %<" in svgs[1] and ">40,0 %<" in svgs[1]  # fill rates, N and N-1
    assert table_rows(page, "periodes") == [
        [
            "Période",
            "Séances",
            "Places offertes",
            "Places vendues",
            "Taux de remplissage",
            "Séances N-1",
            "Places offertes N-1",
            "Places vendues N-1",
            "Taux de remplissage N-1",
        ],
        ["mars 2026", "2", "30", "10", "33,3 %", "1", "10", "4", "40,0 %"],
        ["avril 2026", "1", "8", "1", "12,5 %", "0", "0", "0", "—"],
        ["Total", "3", "38", "11", "28,9 %", "1", "10", "4", "40,0 %"],
    ]
    assert table_rows(page, "tarifs")[1:] == [
        ["Sans tarif", "5", "45,5 %"],
        ["Adulte", "4", "36,4 %"],
        ["Enfant", "2", "18,2 %"],
        ["Total", "11", "—"],
    ]
    assert "<caption>Fréquentation par activité</caption>" in page


def test_st2_page_chart_and_tables_in_euros(accountant_client):
    """ST-2: euro amounts "1 070,00 €" in the charts and tables; VAT per rate; ageing."""
    response = accountant_client.get(FINANCE, SPRING)
    assert response.status_code == 200
    page = text(response)
    svgs = charts(page)
    assert len(svgs) == 8
    assert f">1{NBSP}070,00 €<" in svgs[0] and ">720,00 €<" in svgs[0]
    assert ">mars 2026<" in svgs[0]
    assert table_rows(page, "periodes")[1:] == [
        ["mars 2026", f"1{NBSP}070,00 €", "891,67 €", "178,33 €", "720,00 €", "48,6 %"],
        ["avril 2026", "141,10 €", "120,00 €", "21,10 €", "0,00 €", "—"],
        ["Total", f"1{NBSP}211,10 €", f"1{NBSP}011,67 €", "199,43 €", "720,00 €", "—"],
    ]
    assert table_rows(page, "tva")[1:] == [
        ["5,5 %", "20,00 €", "1,10 €", "21,10 €"],
        ["20 %", "991,67 €", "198,33 €", f"1{NBSP}190,00 €"],
        ["Total", f"1{NBSP}011,67 €", "199,43 €", f"1{NBSP}211,10 €"],
    ]
    assert table_rows(page, "modes")[1:] == [
        ["Espèces", "3", "160,00 €", "60,00 €", "100,00 €"],
        ["Chèque", "1", "300,00 €", "0,00 €", "300,00 €"],
        ["Carte bancaire", "2", "440,00 €", "0,00 €", "440,00 €"],
        ["Total", "6", "900,00 €", "60,00 €", "840,00 €"],
    ]
    ages = table_rows(page, "reste-du")
    assert ages[-1] == ["Total", "2", "371,10 €"]
    assert "Reste dû à ce jour" in page and "371,10 €" in page


def test_st1_st2_empty_period_says_so(accountant_client):
    """ST-1, ST-2: a period with nothing: "Aucune donnée sur cette période", no empty chart."""
    for url in (ATTENDANCE, FINANCE):
        page = text(accountant_client.get(url, {"start": "2024-01-01", "end": "2024-12-31"}))
        assert "Aucune donnée sur cette période." in page
        assert "du 01/01/2024 au 31/12/2024" in page
        assert charts(page) == [] and "<table" not in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-04-30", "end": "2026-03-01"}, "La date de fin précède la date de début."),
        ({"start": "1900-01-01", "end": "2026-03-01"}, "Choisissez une date entre 2000 et 2100."),
        ({"start": "2026-02-30"}, "Saisissez une date valide."),
        (
            {"start": "2020-01-01", "end": "2026-12-31", "grouping": "day"},
            "Cette période compte 2 557 points pour ce regroupement, 400 au plus",
        ),
        ({"grouping": "hour"}, "Sélectionnez un choix valide."),
        ({"site": "999999"}, "Sélectionnez un choix valide."),
    ],
)
def test_st1_st2_bad_input_is_refused_in_french(accountant_client, params, message):
    for url in (ATTENDANCE, FINANCE):
        response = accountant_client.get(url, params)
        assert response.status_code == 200
        page = text(response).replace(NBSP, " ")
        assert message in page
        assert charts(page) == [] and "<table" not in page


def test_st1_filters_narrow_the_page(accountant_client, story):
    page = text(accountant_client.get(ATTENDANCE, {**SPRING, "product": story.paddle.pk}))
    assert table_rows(page, "activites")[1:] == [
        ["Location paddle", "1", "20", "5", "25,0 %"],
        ["Total", "1", "20", "5", "25,0 %"],
    ]
    assert "Toutes les activités" in page  # the product filter lists activities only
    products = re.search(r'<select name="product".*?</select>', page, re.S).group(0)
    assert re.findall(r">([^<]+)</option>", products) == [
        "Toutes les activités",
        "Location paddle",
        "Stage catamaran",
    ]


def test_st2_excel_export_has_real_numbers(accountant_client, story):
    """ST-2: the export of a table holds its figures as numbers in euro format."""
    response = accountant_client.get(
        reverse("manager:stats_finance_export", args=["produits", "xlsx"]),
        SPRING,
        HTTP_HOST=accountant_client.defaults["HTTP_HOST"],
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="finances-produits-20260301-20260430.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Produit", "Quantité", "CA TTC", "CA HT", "TVA", "Part du CA TTC")
    assert rows[1] == ("Stage catamaran", 6, 1020, 850, 170, pytest.approx(0.842))
    assert rows[-1][0] == "Total" and rows[-1][2] == pytest.approx(1211.10)
    ttc = sheet.cell(row=2, column=3)
    assert ttc.data_type == "n" and "€" in ttc.number_format
    assert sum(Decimal(str(r[2])) for r in rows[1:-1]) == Decimal("1211.1")


def test_st1_csv_export_french(accountant_client):
    """ST-1: CSV for French Excel: BOM, ';', decimal comma."""
    response = accountant_client.get(
        reverse("manager:stats_attendance_export", args=["periodes", "csv"]), SPRING
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeffPériode;Séances;Places offertes;")
    lines = content.splitlines()
    assert lines[1] == "mars 2026;2;30;10;33,3 %;1;10;4;40,0 %"
    assert lines[-1] == "Total;3;38;11;28,9 %;1;10;4;40,0 %"


def test_exports_refuse_unknown_tables_and_formats(accountant_client):
    assert accountant_client.get(f"{FINANCE}export/inconnu/xlsx/").status_code == 404
    assert accountant_client.get(f"{FINANCE}export/produits/pdf/").status_code == 404
    bad = accountant_client.get(
        f"{FINANCE}export/produits/xlsx/", {"start": "2026-05-01", "end": "2026-01-01"}
    )
    assert bad.status_code == 302 and bad["Location"].startswith(FINANCE)


def test_st1_st2_permissions(story, cashier, accountant, client_for):
    """Roles: the accountant and the owner read the statistics; the cashier gets 403; an
    anonymous visitor goes to the login page."""
    urls = [
        ATTENDANCE,
        FINANCE,
        f"{ATTENDANCE}export/periodes/xlsx/",
        f"{FINANCE}export/tva/csv/",
    ]
    for url in urls:
        assert client_for(story.structure, cashier).get(url).status_code == 403
        assert client_for(story.structure, accountant).get(url).status_code == 200
        assert client_for(story.structure, story.owner).get(url).status_code == 200
        assert client_for(story.structure).get(url).status_code == 302
    section = text(client_for(story.structure, accountant).get("/manager/section/statistiques/"))
    assert "Statistiques de fréquentation" in section and "Statistiques financières" in section

"""ST-1, ST-2 in a real browser: Statistiques > Statistiques financières, filtered on a period,
charts drawn with their own (nonced) style under the Content-Security-Policy, the table beside
them, one table exported to Excel; then Statistiques de fréquentation."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.e2e.manager_pages import log_in
from tests.support.stats_story import Clock, build_story

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def story(make_structure, monkeypatch):
    structure, owner = make_structure(name="Club de voile")
    real_now = timezone.now
    with schema_context(structure.schema_name):
        data = build_story(structure, Clock(monkeypatch))
    monkeypatch.setattr(timezone, "now", real_now)
    data.owner = owner
    return data


def test_st1_st2_charts_tables_and_export_in_the_browser(story, site, new_page):
    page = new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, site, story.structure, story.owner)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Statistiques", exact=True
    ).click()
    page.get_by_role("main").get_by_role("link", name="Statistiques financières").click()
    page.get_by_label("Du", exact=True).fill("2026-03-01")
    page.get_by_label("Au", exact=True).fill("2026-04-30")
    page.get_by_label("Regroupement").select_option(label="Mois")
    page.get_by_role("button", name="Appliquer").click()

    chart = page.get_by_role("img", name="Chiffre d'affaires TTC, N et N-1")
    chart.wait_for()
    assert chart.bounding_box()["width"] > 300
    # pygal's own stylesheet applied (it is nonced): its title font, not the browser's default.
    title = chart.locator("text.title").first
    assert "system-ui" in title.evaluate("e => getComputedStyle(e).fontFamily")
    assert refused == []
    table = page.locator("table[data-table=periodes]")
    assert table.locator("caption").inner_text().startswith("Chiffre d'affaires par période")
    assert table.locator("tbody tr").first.inner_text().split("\t")[:2] == [
        "mars 2026",
        "1\u202f070,00 €" if "\u202f" in table.inner_text() else "1\xa0070,00 €",
    ]

    section = page.locator("section#produits")
    with page.expect_download() as download:
        section.get_by_role("link", name=re.compile("Exporter en Excel")).click()
    sheet = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    values = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values[0] == 1020 and sum(values[:-1]) == pytest.approx(1211.10)

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Statistiques", exact=True
    ).click()
    page.get_by_role("main").get_by_role("link", name="Statistiques de fréquentation").click()
    page.get_by_label("Du", exact=True).fill("2026-03-01")
    page.get_by_label("Au", exact=True).fill("2026-04-30")
    page.get_by_role("button", name="Appliquer").click()
    page.get_by_role("img", name="Taux de remplissage, N et N-1").wait_for()
    row = page.locator("table[data-table=periodes] tbody tr").first
    assert row.inner_text().split("\t")[:5] == ["mars 2026", "2", "30", "10", "33,3 %"]
    assert refused == []

"""FF-1 in a real browser: a licence sold in the Club Manager is invoiced ("Facturer/Payer",
"Confirmer", "Facturer"): the federation (emulated on loopback) delivers it and its number shows
on the order and the customer card's "FFVoile" part; a second licence for the same person is
refused ("Déjà licencié"): the order line's logo is red with the reason, and the call is in
Gérer > FFVoile > "Appel FF Voile"."""

import datetime as dt
import re

import pytest
from django_tenants.utils import schema_context

from modules.ffvoile.models import Licence
from ponton.sales.services import LineRequest, order_create
from tests.e2e.manager_pages import log_in
from tests.support import ffvoile_emulator
from tests.support.ffvoile import licence_club
from tests.support.sales import STAFF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def invoice(page, site, structure, order) -> None:
    page.goto(site.url(structure, f"/manager/commandes/{order.pk}/"))
    page.get_by_label(re.compile("Licence club FFVoile adulte")).check()
    page.get_by_role("button", name="Facturer/Payer").click()
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_role("button", name="Facturer", exact=True).click()
    # Back on the order: the licence was asked for after the invoice's commit.
    page.get_by_role("listitem").filter(has_text=re.compile(r"Facture FA-\S+ émise")).wait_for()


def test_licence_delivered_then_refused_with_red_marker_and_log(
    make_structure, site, new_page, settings
):
    emulator = ffvoile_emulator.start()
    settings.FFVOILE_BASE_URL = emulator.base_url
    try:
        structure, owner = make_structure(name="Club de voile de l'Aber")
        licence, anne = licence_club(structure)
        with schema_context(structure.schema_name):
            orders = [
                order_create(
                    payer=anne,
                    lines=[LineRequest(product=licence, consumer=anne)],
                    actor=STAFF,
                )
                for _ in range(2)
            ]
        page = new_page()
        log_in(page, site, structure, owner)

        invoice(page, site, structure, orders[0])
        delivered = page.locator("[data-ffvoile=delivered]")
        number = delivered.inner_text().removeprefix("Licence ").strip()
        assert re.fullmatch(r"LA\d{8}", number)
        page.get_by_role("link", name="Anne Quéméner").first.click()
        section = page.locator("[data-box=ffvoile]")
        assert section.get_by_test_id("licence-number").inner_text() == number
        assert section.get_by_role("link", name="PDF").get_attribute("href") == (
            f"{emulator.base_url}/pdf/{number}.pdf"
        )

        invoice(page, site, structure, orders[1])
        red = page.locator("[data-ffvoile=refused]")
        assert "Licence non délivrée" in red.inner_text()
        reason = page.locator("[data-ffvoile-reason]").inner_text()
        season = dt.date.today().year  # noqa: DTZ011
        assert reason == f"Déjà licencié pour la saison {season} (licence {number})."
        assert page.get_by_role("button", name="Réessayer").is_visible()

        page.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name="Gérer", exact=True
        ).click()
        page.get_by_role("main").get_by_role("link", name="FFVoile", exact=True).click()
        page.get_by_role("heading", name="Appel FF Voile").wait_for()
        page.get_by_label("Résultat").select_option(label="Refusée")
        page.get_by_role("button", name="Rechercher").click()
        rows = page.locator("[data-table=ffvoile-calls] tbody tr")
        assert rows.count() == 1 and reason in rows.inner_text()
        rows.get_by_role("link", name="ouvrir").click()
        assert page.get_by_test_id("call-reason").inner_text() == reason
        with schema_context(structure.schema_name):
            assert sorted(Licence.objects.values_list("state", flat=True)) == [
                "delivered",
                "refused",
            ]
        assert emulator.errors == []
    finally:
        emulator.stop()

"""PL-1 in a real browser (issue 11): "Ajouter des dates" at the top right of an activity's own
planning opens the form with that activity; "Aperçu" names the public holidays (Noël, Jour de
l'an); "Ne pas créer les séances des jours fériés" leaves them out."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product
from ponton.planning.models import Session
from tests.e2e.manager_pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_add_dates_from_the_dedicated_planning_skipping_holidays(make_structure, site, new_page):
    structure, owner = make_structure(name="Club de voile de l'Aber")
    with schema_context(structure.schema_name):
        Product.objects.create(kind=Product.Kind.ACTIVITY, name="Aviron", price=Decimal("10"))
        activity = Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Stage optimist", price=Decimal("120.00")
        )
    page = new_page()
    log_in(page, site, structure, owner)
    page.goto(site.url(structure, f"/manager/planning/activite/{activity.pk}/?week=2026-12-21"))
    page.locator(".page-title").get_by_role("link", name="Ajouter des dates").click()
    page.get_by_role("heading", name="Ajouter des dates").wait_for()
    assert page.get_by_label("Activité").locator("option:checked").inner_text() == "Stage optimist"

    page.get_by_label("Du", exact=True).fill("2026-12-21")
    page.get_by_label("Au", exact=True).fill("2027-01-03")
    page.get_by_label("Jeudi").check()
    page.get_by_label("Vendredi").check()
    page.get_by_label("Heure de début").fill("10:00")
    page.get_by_label("Heure de fin").fill("12:00")
    page.get_by_label("Nombre de places").fill("8")
    page.get_by_role("button", name="Aperçu").click()
    preview = page.locator("[data-preview]").first
    preview.get_by_text("4 séances seront créées, du 24/12/2026 au 01/01/2027.").wait_for()
    assert "vendredi 25/12/2026 (Noël), vendredi 01/01/2027 (Jour de l'an)" in preview.inner_text()
    page.get_by_label("Ne pas créer les séances des jours fériés").check()
    page.get_by_role("button", name="Ajouter les dates").click()
    page.get_by_text("2 séances ajoutées.").wait_for()
    with schema_context(structure.schema_name):
        assert [
            s.starts_at.date().isoformat()
            for s in Session.objects.filter(product=activity).order_by("starts_at")
        ] == ["2026-12-24", "2026-12-31"]

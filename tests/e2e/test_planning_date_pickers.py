"""PL-3 in a real browser: the date pickers of the planning pages hold the date shown (an
<input type="date"> only takes yyyy-mm-dd; a French 21/12/2026 left it empty), and "Afficher"
shows the chosen week, then keeps it in the picker."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product
from tests.e2e.manager_pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_week_picker_shows_the_week_then_afficher_keeps_the_chosen_one(
    make_structure, site, new_page
):
    """PL-3: general planning, week of 21/12/2026: the picker reads 2026-12-21; another week is
    chosen, "Afficher": that week is shown and the picker keeps it; "Afficher" again stays there.
    The same on the dedicated planning (week and day views)."""
    structure, owner = make_structure(name="Club de voile de l'Aber")
    with schema_context(structure.schema_name):
        activity = Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Stage optimist", price=Decimal("120.00")
        )
    page = new_page()
    log_in(page, site, structure, owner)

    page.goto(site.url(structure, "/manager/planning/?week=2026-12-23"))
    page.get_by_text("Semaine du 21 décembre 2026 au 27 décembre 2026").wait_for()
    picker = page.get_by_label("Sélectionnez la semaine")
    assert picker.input_value() == "2026-12-21"

    picker.fill("2027-01-06")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_text("Semaine du 4 janvier 2027 au 10 janvier 2027").wait_for()
    assert page.get_by_label("Sélectionnez la semaine").input_value() == "2027-01-04"
    page.get_by_role("button", name="Afficher").click()
    page.get_by_text("Semaine du 4 janvier 2027 au 10 janvier 2027").wait_for()
    assert page.get_by_label("Sélectionnez la semaine").input_value() == "2027-01-04"

    page.goto(site.url(structure, f"/manager/planning/activite/{activity.pk}/?week=2026-12-21"))
    page.get_by_role("heading", name="Planning dédié : Stage optimist").wait_for()
    assert page.get_by_label("Sélectionnez la semaine").input_value() == "2026-12-21"
    page.get_by_label("Sélectionnez la semaine").fill("2027-02-10")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_text("Semaine du 8 février 2027 au 14 février 2027").wait_for()
    assert page.get_by_label("Sélectionnez la semaine").input_value() == "2027-02-08"

    page.get_by_role("link", name="Jour", exact=True).click()
    day_picker = page.get_by_label("Sélectionnez le jour")
    day_picker.wait_for()
    assert day_picker.input_value() == "2027-02-10"  # the day chosen in the week picker
    day_picker.fill("2027-02-12")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_text("Journée du vendredi 12 février 2027").wait_for()
    assert page.get_by_label("Sélectionnez le jour").input_value() == "2027-02-12"

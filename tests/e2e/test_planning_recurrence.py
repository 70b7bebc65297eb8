"""PL-1, PL-2, PL-3 in a real browser: a staff member adds recurring dates to an activity
("Ajouter des dates"), sees them in the general planning with their free seats, opens one
session, moves it to another date and time, and finds it at its new place, the series
renumbered."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product
from ponton.planning.models import Session
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_add_recurring_dates_then_move_one_session(make_structure, site, new_page):
    """PL-1 "Ajouter des dates", PL-3 week view with free seats, PL-2 move a session (its
    series renumbered)."""
    structure, owner = make_structure(name="Club de voile de l'Aber")
    with schema_context(structure.schema_name):
        activity = Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Stage optimist", price=Decimal("120.00")
        )

    page = new_page()
    page.goto(site.url(structure, "/manager/"))
    page.get_by_label("Adresse email").fill(owner.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Tableau de bord").wait_for()
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Planning"
    ).click()
    page.get_by_role("link", name="Planning général").click()
    page.get_by_role("heading", name="Planning général").wait_for()
    page.get_by_role("link", name="Ajouter des dates").click()  # top right of the planning
    page.get_by_role("heading", name="Ajouter des dates").wait_for()

    # "Ajouter des dates": Tuesdays and Thursdays of two weeks of March 2027, 10:00 to 12:00
    page.get_by_label("Activité").select_option(label="Stage optimist")
    page.get_by_label("Du", exact=True).fill("2027-03-01")
    page.get_by_label("Au", exact=True).fill("2027-03-14")
    page.get_by_label("Mardi").check()
    page.get_by_label("Jeudi").check()
    page.get_by_label("Heure de début").fill("10:00")
    page.get_by_label("Heure de fin").fill("12:00")
    page.get_by_label("Nombre de places").fill("8")
    page.get_by_role("button", name="Ajouter les dates").click()
    page.get_by_text("4 séances ajoutées.").wait_for()
    page.get_by_text("Semaine du 1 mars 2027 au 7 mars 2027").wait_for()

    row = page.locator(f'tr[data-row="activity-{activity.pk}"]')
    cells = row.locator("td")  # the activity, then Monday to Sunday
    assert cells.nth(2).inner_text().split() == [
        "10:00–12:00",
        "n°",
        "1",
        "8",
        "libres,",
        "0",
        "vendues",
    ]
    assert cells.nth(4).inner_text().split()[:3] == ["10:00–12:00", "n°", "2"]
    assert cells.nth(1).inner_text().strip() == ""

    # open the first session (Tuesday 2 March) and move it to Friday 12 March, 14:00 to 17:00
    cells.nth(2).get_by_role("link").click()
    page.get_by_role("heading", name="Stage optimist : séance n° 1").wait_for()
    assert page.locator('[data-field="number"]').inner_text().startswith("n° 1 sur 4 séances")
    assert page.locator('[data-field="free"]').inner_text() == "8"
    page.get_by_label("Nouvelle date").fill("2027-03-12")
    page.get_by_label("Heure de début").fill("14:00")
    page.get_by_label("Heure de fin").fill("17:00")
    page.get_by_role("button", name="Déplacer la séance").click()
    page.get_by_text("La séance a été déplacée.").wait_for()
    page.get_by_role("heading", name="Stage optimist : séance n° 4").wait_for()
    assert page.locator('[data-field="date"]').inner_text() == "Vendredi 12 mars 2027"

    # the general planning, week of 8 March chosen with "Sélectionnez la semaine"
    page.goto(site.url(structure, "/manager/planning/?week=2027-03-01"))
    assert cells.nth(2).inner_text().strip() == ""  # Tuesday 2 March is empty now
    assert cells.nth(4).inner_text().split()[:3] == ["10:00–12:00", "n°", "1"]
    page.get_by_label("Sélectionnez la semaine").fill("2027-03-08")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_text("Semaine du 8 mars 2027 au 14 mars 2027").wait_for()
    assert cells.nth(2).inner_text().split()[:3] == ["10:00–12:00", "n°", "2"]
    assert cells.nth(4).inner_text().split()[:3] == ["10:00–12:00", "n°", "3"]
    assert cells.nth(5).inner_text().split() == [
        "14:00–17:00",
        "n°",
        "4",
        "8",
        "libres,",
        "0",
        "vendues",
    ]

    with schema_context(structure.schema_name):
        assert Session.objects.filter(product=activity).count() == 4


def test_add_another_session_rows_in_the_browser(make_structure, site, new_page):
    """PL-1 "Ajouter une autre séance": the button adds a row in the page (no reload), both rows
    are saved at once and shown in the dedicated planning (PL-3)."""
    structure, owner = make_structure(name="Musée de la mer")
    with schema_context(structure.schema_name):
        activity = Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Visite guidée", price=Decimal("9.00")
        )
    page = new_page()
    page.goto(site.url(structure, f"/manager/planning/activite/{activity.pk}/?week=2027-05-03"))
    page.get_by_label("Adresse email").fill(owner.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Planning dédié : Visite guidée").wait_for()
    page.get_by_role("link", name="Ajouter des séances").click()
    page.get_by_role("heading", name="Ajouter des séances").wait_for()

    documents = []
    page.on("request", lambda r: documents.append(r) if r.resource_type == "document" else None)
    page.get_by_label("Date").fill("2027-05-04")
    page.get_by_label("Heure de début").fill("10:00")
    page.get_by_label("Heure de fin").fill("11:30")
    page.get_by_label("Nombre de places").fill("15")
    page.get_by_role("button", name="Ajouter une autre séance").click()
    assert page.get_by_label("Date").count() == 2
    assert documents == []  # added by the script, without a round trip
    page.get_by_label("Date").nth(1).fill("2027-05-06")
    page.get_by_label("Heure de début").nth(1).fill("15:00")
    page.get_by_label("Heure de fin").nth(1).fill("16:00")
    page.get_by_label("Nombre de places").nth(1).fill("12")
    page.get_by_role("button", name="Ok").click()
    page.get_by_text("2 séances ajoutées.").wait_for()
    page.get_by_text("Semaine du 3 mai 2027 au 9 mai 2027").wait_for()
    cells = page.locator(f'tr[data-row="activity-{activity.pk}"] td')
    assert cells.nth(2).inner_text().split()[:4] == ["10:00–11:30", "n°", "1", "15"]
    assert cells.nth(4).inner_text().split()[:4] == ["15:00–16:00", "n°", "2", "12"]

"""PL-1 "Progress shown for long generations" in a real browser: past the threshold, "Ajouter des
dates" leads to the generation's page; while a job runs, its progress bar moves by itself (htmx
polls every second) and, once finished, links to the week."""

import datetime as dt
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product
from ponton.planning.models import GenerationJob, Session
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_long_generation_shows_its_progress(make_structure, site, new_page, settings):
    """PL-1: a 12-session recurrence above a threshold of 5 runs as a job (in-process after
    commit, the embedded default) and its page says "Terminé"; a running job's bar follows the
    database without reloading the page."""
    settings.PLANNING_BACKGROUND_THRESHOLD = 5
    structure, owner = make_structure(name="Club de voile de l'Aber")
    with schema_context(structure.schema_name):
        activity = Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Stage optimist", price=Decimal("120.00")
        )

    page = new_page()
    page.goto(site.url(structure, "/manager/planning/"))
    page.get_by_label("Adresse email").fill(owner.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Planning général").wait_for()
    page.get_by_role("link", name="Ajouter des dates").click()  # top right of the planning
    page.get_by_role("heading", name="Ajouter des dates").wait_for()

    # Mondays, Wednesdays and Fridays of March 2027 from the 1st to the 26th: 12 sessions.
    page.get_by_label("Activité").select_option(label="Stage optimist")
    page.get_by_label("Du", exact=True).fill("2027-03-01")
    page.get_by_label("Au", exact=True).fill("2027-03-26")
    for day in ("Lundi", "Mercredi", "Vendredi"):
        page.get_by_label(day).check()
    page.get_by_label("Heure de début").fill("10:00")
    page.get_by_label("Heure de fin").fill("12:00")
    page.get_by_label("Nombre de places").fill("8")
    page.get_by_role("button", name="Ajouter les dates").click()
    page.get_by_role("heading", name="Génération des séances").wait_for()
    page.get_by_text("12 séances ajoutées.").wait_for()
    assert page.get_by_label("Séances créées : 12 sur 12").get_attribute("value") == "12"
    with schema_context(structure.schema_name):
        assert Session.objects.count() == 12
        job = GenerationJob.objects.get()
        assert (job.state, job.done) == (GenerationJob.State.DONE, 12)

    # A job a worker is running (simulated: the row as a worker leaves it between chunks).
    with schema_context(structure.schema_name):
        running = GenerationJob.objects.create(
            product=activity,
            parameters={**job.parameters, "start_date": "2027-04-05", "end_date": "2027-06-27"},
            total=400,
            done=200,
            state=GenerationJob.State.RUNNING,
        )
    page.goto(site.url(structure, f"/manager/planning/generations/{running.pk}/"))
    bar = page.locator("#generation-bar")
    assert bar.get_attribute("value") == "200" and bar.get_attribute("max") == "400"
    page.get_by_text("En cours").wait_for()
    assert page.get_by_role("link", name="Voir le planning").count() == 0
    with schema_context(structure.schema_name):
        GenerationJob.objects.filter(pk=running.pk).update(done=350)
    page.locator('#generation-bar[value="350"]').wait_for(timeout=5_000)
    with schema_context(structure.schema_name):
        GenerationJob.objects.filter(pk=running.pk).update(
            done=400, state=GenerationJob.State.DONE, finished_at=dt.datetime.now(dt.UTC)
        )
    page.get_by_text("400 séances ajoutées.").wait_for(timeout=5_000)
    page.get_by_role("link", name="Voir le planning").click()
    page.get_by_text("Semaine du 5 avril 2027 au 11 avril 2027").wait_for()

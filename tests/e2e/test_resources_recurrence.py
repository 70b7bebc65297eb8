"""RE-1 in a real browser: Paramètres > Ressources lists the instructor; "Ajouter des dates" for
an activity that needs her finds her busy on two dates, names both with the session she is on,
and creates nothing of the series."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product
from ponton.planning import services
from ponton.planning import services_resources as res
from ponton.planning import services_resources_settings as rs
from ponton.planning.models import Session
from tests.e2e.manager_pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PARIS = ZoneInfo("Europe/Paris")


def test_recurrence_names_the_dates_an_instructor_is_busy(make_structure, site, new_page):
    structure, owner = make_structure(name="Club de voile de l'Aber")
    with schema_context(structure.schema_name):
        marie = rs.resource_create(data=rs.ResourceData(kind="person", name="Marie"))
        regate = Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Régate du mardi", price=Decimal("10")
        )
        optimist = Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Stage Optimist", price=Decimal("120.00")
        )
        for day in (2, 4):
            busy = services.session_add(
                product=regate,
                starts_at=dt.datetime(2027, 3, day, 9, tzinfo=PARIS),
                ends_at=dt.datetime(2027, 3, day, 11, tzinfo=PARIS),
                capacity=10,
            )
            res.session_resource_add(session=busy, resource=marie)
        rs.need_set(product=optimist, resource=marie, quantity=1, per_participant=False)

    page = new_page()
    log_in(page, site, structure, owner)
    page.goto(site.url(structure, "/manager/section/parametres/"))
    page.get_by_role("main").get_by_role("link", name=re.compile(r"^Ressources Moniteurs")).click()
    page.get_by_role("heading", name="Ressources", exact=True).wait_for()
    assert page.locator(f'[data-resource="{marie.pk}"]').inner_text().split("\t")[:3] == [
        "Marie",
        "Personne (moniteur, guide)",
        "1",
    ]

    page.goto(site.url(structure, f"/manager/planning/ajouter/?activite={optimist.pk}"))
    page.get_by_label("Du", exact=True).fill("2027-03-01")
    page.get_by_label("Au", exact=True).fill("2027-03-05")
    for day in ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi"):
        page.get_by_label(day).check()
    page.get_by_label("Heure de début").fill("10:00")
    page.get_by_label("Heure de fin").fill("12:00")
    page.get_by_label("Nombre de places").fill("6")
    page.get_by_role("button", name="Ajouter les dates").click()
    errors = page.locator("form .errorlist").first
    errors.get_by_text("les ressources ne sont pas disponibles pour 2 dates").wait_for()
    assert errors.locator("li").all_inner_texts() == [
        "Aucune séance n'a été créée : les ressources ne sont pas disponibles pour 2 dates.",
        "Le 02/03/2027 (10h–12h) : Marie est déjà sur Régate du mardi du 02/03, 9h–11h.",
        "Le 04/03/2027 (10h–12h) : Marie est déjà sur Régate du mardi du 04/03, 9h–11h.",
    ]
    with schema_context(structure.schema_name):
        assert not Session.objects.filter(product=optimist).exists()

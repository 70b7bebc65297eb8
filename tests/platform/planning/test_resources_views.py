"""RE-1 pages: Paramètres > Ressources, an activity's needs, a session's resources, the planning
of a resource (week, month) and the "free resources" search."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product
from ponton.planning import services
from ponton.planning.models import Resource, ResourceNeed, Session, SessionResource

PARIS = ZoneInfo("Europe/Paris")


def at(day: str, hour: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day} {hour}").replace(tzinfo=PARIS)


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def manager(structure_a, client_for):
    structure, owner = structure_a
    return structure, client_for(structure, owner)


def test_settings_page_adds_resources_of_three_kinds(manager):
    """RE-1: Paramètres lists "Ressources"; people, counted equipment ("Laser ×6") and rooms
    are added there; a bad entry is refused in French and nothing is written."""
    structure, client = manager
    assert (
        "/manager/planning/ressources/"
        in client.get("/manager/section/parametres/").content.decode()
    )
    for kind, name, quantity in (
        ("person", "Marie", "1"),
        ("equipment", "Laser", "6"),
        ("room", "Salle de briefing", "1"),
    ):
        response = client.post(
            "/manager/planning/ressources/ajouter/",
            {
                "kind": kind,
                "name": name,
                "quantity": quantity,
                "available_from": "09:00",
                "available_until": "18:00",
            },
        )
        assert response.status_code == 302
    response = client.post(
        "/manager/planning/ressources/ajouter/",
        {
            "kind": "person",
            "name": "Paul",
            "quantity": "1",
            "available_from": "18:00",
            "available_until": "09:00",
        },
    )
    assert response.status_code == 400
    assert "La fin de la disponibilité doit être après son début." in text(response)
    page = text(client.get("/manager/planning/ressources/"))
    assert "Laser" in page and "×6" in page and "Salle de briefing" in page
    with schema_context(structure.schema_name):
        assert sorted(Resource.objects.values_list("name", "quantity")) == [
            ("Laser", 6),
            ("Marie", 1),
            ("Salle de briefing", 1),
        ]


def test_needs_session_page_resource_planning_and_free_search(manager):
    """RE-1: an activity declares its needs; a planned session shows them; the resource's
    week and month plannings show the session; "Ressources libres" says who is busy."""
    structure, client = manager
    with schema_context(structure.schema_name):
        marie = Resource.objects.create(kind="person", name="Marie")
        laser = Resource.objects.create(kind="equipment", name="Laser", quantity=6)
        optimist = Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Stage Optimist", price=Decimal("90.00")
        )
    base = f"/manager/planning/activite/{optimist.pk}/ressources/"
    assert client.post(f"{base}ajouter/", {"resource": marie.pk, "quantity": 1}).status_code == 302
    assert (
        client.post(
            f"{base}ajouter/", {"resource": laser.pk, "quantity": 1, "per_participant": "on"}
        ).status_code
        == 302
    )
    refused = client.post(f"{base}ajouter/", {"resource": marie.pk, "quantity": 2})
    assert refused.status_code == 400
    assert "Une personne ou une salle compte pour 1 par séance" in text(refused)
    with schema_context(structure.schema_name):
        assert ResourceNeed.objects.filter(product=optimist).count() == 2
        planned = services.session_add(
            product=optimist,
            starts_at=at("2027-03-02", "10:00"),
            ends_at=at("2027-03-02", "12:00"),
            capacity=6,
        )
    page = text(client.get(f"/manager/planning/seances/{planned.pk}/"))
    assert "Marie" in page and "0 (1 par participant)" in page

    week = text(client.get(f"/manager/planning/ressources/{marie.pk}/planning/?week=2027-03-01"))
    assert "Planning de la ressource : Marie" in week
    assert f'data-session="{planned.pk}"' in week and "10:00–12:00" in week
    month = text(
        client.get(f"/manager/planning/ressources/{marie.pk}/planning/?vue=mois&date=2027-03")
    )
    assert f'data-session="{planned.pk}"' in month
    empty = text(client.get(f"/manager/planning/ressources/{marie.pk}/planning/?week=2027-03-08"))
    assert "Aucune séance n'utilise cette ressource cette semaine." in empty

    free = text(
        client.get(
            "/manager/planning/ressources/libres/",
            {"date": "2027-03-02", "start_time": "11:00", "end_time": "13:00"},
        )
    )
    assert "Pris par Stage Optimist du 02/03, 10h–12h" in free
    assert "6 / 6" in free  # no seat sold yet: the Lasers are all free


def test_session_page_assigns_and_refuses_a_busy_person(manager):
    """RE-1: "Ajouter la ressource" on a session page; a person busy then is refused with the
    other session named; staff without the catalogue role cannot assign."""
    structure, client = manager
    with schema_context(structure.schema_name):
        marie = Resource.objects.create(kind="person", name="Marie")
        optimist = Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Stage Optimist", price=Decimal("90.00")
        )
        one = services.session_add(
            product=optimist,
            starts_at=at("2027-03-02", "10:00"),
            ends_at=at("2027-03-02", "12:00"),
            capacity=6,
        )
        two = services.session_add(
            product=optimist,
            starts_at=at("2027-03-02", "11:00"),
            ends_at=at("2027-03-02", "13:00"),
            capacity=6,
        )
    url = "/manager/planning/seances/{}/ressources/"
    data = {"resource-resource": marie.pk, "resource-quantity": "1"}
    assert client.post(url.format(one.pk), data).status_code == 302
    refused = client.post(url.format(two.pk), data)
    assert refused.status_code == 400
    assert "Marie est déjà sur Stage Optimist du 02/03, 10h–12h." in text(refused)
    with schema_context(structure.schema_name):
        assert list(SessionResource.objects.values_list("session_id", flat=True)) == [one.pk]
        assert Session.objects.count() == 2

"""The till module in the Club Manager: its tills (Paramètres de la caisse), and the module
switch — off, the till is gone (404, no menu, hooks not called), its data kept."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from modules.pos.models import Ticket, Till
from ponton.accounts.models import Role
from tenants.services import module_set_enabled
from tests.support.sales import text

pytestmark = pytest.mark.django_db


def test_granting_the_module_gives_a_first_till(make_structure, django_capture_on_commit_callbacks):
    from tenants.services import module_grant

    structure, _owner = make_structure(name="Musée de la Mer")
    with django_capture_on_commit_callbacks(execute=True):
        module_grant(structure=structure, label="pos")
    with schema_context(structure.schema_name):
        till = Till.objects.get()
        assert till.name == "Caisse principale"
        assert (till.walk_in_customer.first_name, till.walk_in_customer.last_name) == (
            "Client",
            "de passage",
        )


def test_the_owner_lists_and_creates_tills(till_club, client_for):
    client = client_for(till_club.structure, till_club.owner)
    page = text(client.get("/manager/m/pos/"))
    assert "Caisse principale" in page
    assert "Ouverte le" in page  # the fixture's till has an open session
    assert 'href="/caisse/"' in page

    response = client.post("/manager/m/pos/", {"name": "Boutique du port"}, follow=True)

    assert "Caisse « Boutique du port » créée." in text(response)
    with schema_context(till_club.structure.schema_name):
        assert Till.objects.filter(name="Boutique du port", active=True).count() == 1


def test_a_till_with_an_open_session_is_not_deactivated(till_club, client_for):
    client = client_for(till_club.structure, till_club.owner)
    till = till_club.counter.till
    response = client.post(f"/manager/m/pos/caisses/{till.pk}/activer/", follow=True)
    assert "Faites d'abord la clôture (X->Z)" in text(response)
    with schema_context(till_club.structure.schema_name):
        assert Till.objects.get(pk=till.pk).active is True


def test_a_cashier_sees_the_tills_but_cannot_create_one(till_club, client_for, make_member):
    cashier = make_member(till_club.structure, Role.CASHIER)
    client = client_for(till_club.structure, cashier)
    page = text(client.get("/manager/m/pos/"))
    assert "Caisse principale" in page
    assert "Créer la caisse" not in page
    assert client.post("/manager/m/pos/", {"name": "Pirate"}).status_code == 403
    with schema_context(till_club.structure.schema_name):
        assert not Till.objects.filter(name="Pirate").exists()


def test_module_off_the_till_is_gone_and_its_data_kept(till_club, client_for):
    structure = till_club.structure
    client = client_for(structure, till_club.owner)
    assert 'href="/manager/m/pos/"' in text(client.get("/manager/"))

    module_set_enabled(structure=structure, label="pos", enabled=False)

    assert 'href="/manager/m/pos/"' not in text(client.get("/manager/"))
    assert client.get("/manager/m/pos/").status_code == 404
    assert client.get("/caisse/").status_code == 404
    with schema_context(structure.schema_name):
        assert Till.objects.count() == 1
        tickets = Ticket.objects.count()
    module_set_enabled(structure=structure, label="pos", enabled=True)
    assert client.get("/manager/m/pos/").status_code == 200
    with schema_context(structure.schema_name):
        assert Till.objects.count() == 1  # switching on again creates nothing more
        assert Ticket.objects.count() == tickets

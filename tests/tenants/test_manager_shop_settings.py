"""MP-1 settings in Club Manager > Paramètres > Ma structure > Boutique en ligne: the shop
open or closed, the basket's hold time (5 to 120 minutes). Managers only; a refused value
saves nothing."""

from __future__ import annotations

import pytest

from ponton.accounts.models import Role
from tenants.models import Structure

pytestmark = pytest.mark.django_db

URL = "/manager/structure/boutique/"


def row(structure: Structure) -> dict:
    return Structure.objects.filter(pk=structure.pk).values().get()


def test_the_owner_closes_the_shop_and_sets_the_hold_time(structure_a, client_for):
    """MP-1: "Boutique en ligne ouverte" unchecked closes the shop; 45 minutes are kept."""
    structure, owner = structure_a
    client = client_for(structure, owner)
    page = client.get(URL).content.decode()
    assert "Boutique en ligne ouverte" in page
    assert "Durée de réservation du panier (minutes)" in page
    assert 'value="20"' in page and "checked" in page  # the defaults

    response = client.post(URL, {"basket_hold_minutes": "45"})
    assert response.status_code == 302 and response["Location"] == "/manager/structure/"
    structure.refresh_from_db()
    assert structure.shop_enabled is False and structure.basket_hold_minutes == 45
    overview = client.get("/manager/structure/").content.decode()
    assert "Places réservées au panier pendant 45 minutes." in overview
    assert "Fermée" in overview

    client.post(URL, {"shop_enabled": "on", "basket_hold_minutes": "5"})
    structure.refresh_from_db()
    assert structure.shop_enabled is True and structure.basket_hold_minutes == 5


@pytest.mark.parametrize("value", ["4", "121", "", "vingt", "-10"])
def test_a_hold_time_out_of_5_to_120_is_refused_and_nothing_is_saved(
    value, structure_a, client_for
):
    structure, owner = structure_a
    before = row(structure)
    response = client_for(structure, owner).post(
        URL, {"shop_enabled": "", "basket_hold_minutes": value}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["basket_hold_minutes"] == [
        "Indiquez une durée entre 5 et 120 minutes."
    ]
    assert row(structure) == before


@pytest.mark.parametrize("role", [Role.STAFF, Role.ACCOUNTANT, Role.CASHIER])
def test_other_roles_cannot_change_the_shop(role, structure_a, make_member, client_for):
    structure, _owner = structure_a
    before = row(structure)
    client = client_for(structure, make_member(structure, role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"basket_hold_minutes": "60"}).status_code == 403
    assert row(structure) == before
    assert URL not in client.get("/manager/structure/").content.decode()

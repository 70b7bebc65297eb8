"""The structure's public page (EG-4 identity shown to customers), issue 11: no way into the
Club Manager for visitors (staff reach it from the login), a discreet link for its logged-in
staff; phone numbers written the French way. Since issue 12 the page at / is the shop (MP-1),
or its closed page while the structure has no CGV (these structures): both keep these rules."""

from __future__ import annotations

import pytest

from ponton.accounts.models import User
from tenants.models import Structure
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_visitors_see_no_club_manager_button(structure_a, client_for):
    structure, _owner = structure_a
    page = home(client_for(structure))
    assert "Club Manager" not in page
    assert "/manager/" not in page
    assert "data-staff-link" not in page
    assert ">Connexion</a>" in page  # staff come in through the login


def test_a_logged_in_customer_sees_no_club_manager_link(structure_a, client_for):
    structure, _owner = structure_a
    customer = User.objects.create_user(email="client@example.test", password=TEST_PASSWORD)
    page = home(client_for(structure, customer))
    assert "Club Manager" not in page and "/manager/" not in page


def test_logged_in_staff_see_a_discreet_link(structure_a, make_member, client_for):
    structure, _owner = structure_a
    page = home(client_for(structure, make_member(structure)))
    assert (
        '<p class="muted" data-staff-link><a href="/manager/">Aller au Club Manager</a></p>' in page
    )
    assert 'class="btn secondary" href="/manager/"' not in page


def test_staff_of_another_structure_see_no_link(structure_a, structure_b, make_member, client_for):
    structure, _owner = structure_a
    other, _ = structure_b
    page = home(client_for(structure, make_member(other)))
    assert "data-staff-link" not in page


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("+33298001122", "02 98 00 11 22"), ("+442079460958", "+44 20 7946 0958")],
)
def test_phone_in_national_format_for_france_international_otherwise(
    stored, shown, structure_a, client_for
):
    """Issue 11: `+33298001122` reads "02 98 00 11 22"; a foreign number "+44 20 7946 0958"."""
    structure, _owner = structure_a
    Structure.objects.filter(pk=structure.pk).update(phone=stored)
    page = home(client_for(structure))
    assert f'<a href="tel:{stored}">{shown}</a>' in page
    assert stored not in page.replace(f'href="tel:{stored}"', "")  # only in the phone link


def test_the_open_shop_keeps_the_same_rules(structure_a, make_member, client_for):
    """MP-1: with its CGV the structure's home is its shop, with the same discreet link."""
    structure, _owner = structure_a
    Structure.objects.filter(pk=structure.pk).update(cgv="structures/cgv/cgv.pdf")
    visitor = home(client_for(structure))
    assert "data-shop-closed" not in visitor and "/manager/" not in visitor
    staff = home(client_for(structure, make_member(structure)))
    assert (
        '<p class="muted" data-staff-link><a href="/manager/">Aller au Club Manager</a></p>'
        in staff
    )

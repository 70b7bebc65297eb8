"""MP-1: a structure that cannot sell online (no CGV, shop switched off, suspended) shows a
clear page with its contacts instead of a shop; `shop_is_open` says why (the basket uses it)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ponton.shop.selectors import shop_is_open
from tenants.models import Structure, StructureState
from tests.platform.shop.conftest import fill_catalogue, open_the_shop
from tests.support.sales import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(structure_a):
    structure, _owner = structure_a
    Structure.objects.filter(pk=structure.pk).update(
        phone="+33298001122", email="contact@club-a.test", address_line1="2 rue du Port"
    )
    catalogue = fill_catalogue(structure)
    structure.refresh_from_db()
    return catalogue


def test_shop_is_open_says_why_not(structure_a):
    """MP-1: no CGV, switched off, suspended: closed, with the reason."""
    structure, _owner = structure_a
    assert shop_is_open(structure) == (False, "no_cgv")
    open_the_shop(structure)
    assert shop_is_open(structure) == (True, "")
    structure.shop_enabled = False
    assert shop_is_open(structure) == (False, "disabled")
    structure.state = StructureState.SUSPENDED
    assert shop_is_open(structure) == (False, "suspended")


@pytest.mark.parametrize(
    ("change", "title"),
    [
        ({}, "La boutique en ligne n'est pas encore ouverte"),
        (
            {"cgv": "structures/cgv/cgv.pdf", "shop_enabled": False},
            "La boutique en ligne est fermée pour le moment",
        ),
    ],
)
def test_without_cgv_or_switched_off_every_shop_page_is_the_closed_page(
    closed, change, title, client_for
):
    """MP-1: 200 (the structure's home, not a failure) with its contacts, never indexed;
    no product, no booking form."""
    Structure.objects.filter(pk=closed.structure.pk).update(**change)
    client = client_for(closed.structure)
    for url in ("/", f"/activites/{closed.activity.pk}-stage-catamaran/", "/produits/99/"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = text(response)
        assert f'<h1 id="closed-title">{title}</h1>' in html
        assert "02 98 00 11 22" in html and "contact@club-a.test" in html
        assert "2 rue du Port" in html
        assert '<meta name="robots" content="noindex">' in html
        assert "Stage catamaran" not in html and "/panier/ajouter/" not in html
        assert "<title>Boutique fermée · Club A</title>" in html
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/activites/" not in sitemap and "<loc>http://" in sitemap


def test_staff_see_what_to_do(closed, make_member, client_for):
    html = text(client_for(closed.structure, make_member(closed.structure)).get("/"))
    assert "importez vos conditions générales de vente (PDF) dans Ma structure" in html


def test_a_suspended_structure_shows_the_suspension_page(closed, client_for):
    """The platform's suspension wins (SuspendedStructureMiddleware): 403 on every page."""
    open_the_shop(closed.structure)
    Structure.objects.filter(pk=closed.structure.pk).update(
        state=StructureState.SUSPENDED, suspended_at=timezone.now()
    )
    response = client_for(closed.structure).get("/")
    assert response.status_code == 403
    assert "Structure suspendue" in text(response)

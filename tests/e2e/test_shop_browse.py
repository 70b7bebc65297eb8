"""MP-1 in a real browser (Chromium, the Content-Security-Policy enforced): the shop's home,
an activity's page and the closed page work on a phone (375 px wide, no horizontal scroll),
every field has its label, axe-core finds no serious or critical accessibility violation, and
a session's "Réserver" posts to the basket."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from ponton.catalogue.services import (
    PromotionData,
    association_add,
    photo_add,
    promotion_add,
)
from tests.e2e.test_csp import LISTEN
from tests.platform.shop.conftest import (
    add_session,
    fill_catalogue,
    next_monday_at,
    open_the_shop,
    published,
)
from tests.support.files import forget_media_root, png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".data" / "screenshots"


@pytest.fixture
def served_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    forget_media_root()
    yield
    forget_media_root()


@pytest.fixture
def shop(make_structure, served_media):
    structure, _owner = make_structure(
        name="Centre nautique de Crozon-Morgat, voile et kayak toute l'année",
        phone="+33298001122",
        email="accueil@centre-nautique-crozon.test",
        address_line1="Boulevard de la Plage",
        postal_code="29160",
        city="Crozon",
    )
    open_the_shop(structure)
    catalogue = fill_catalogue(structure)
    with schema_context(structure.schema_name):
        photo_add(
            product=catalogue.activity,
            upload=SimpleUploadedFile("stage.png", png_bytes((800, 500)), "image/png"),
        )
        promotion_add(
            product=catalogue.activity,
            data=PromotionData(
                name="Tarif résident", kind="percent", value=Decimal("10"), condition="résidents"
            ),
        )
        licence = published("ticket", name="Licence journée", associated_only=True)
        association_add(
            product=catalogue.activity,
            associated=licence,
            starts_on=dt.date.today(),
            mandatory=True,
        )
        for week in (1, 2):
            for day, hour in ((0, 9), (2, 14), (5, 10)):
                add_session(catalogue.activity, next_monday_at(hour, weeks=week, day=day), 8)
        add_session(catalogue.activity, next_monday_at(16, weeks=1, day=3), 8, sold=8)
    return catalogue


def fits_the_phone(page, name: str) -> None:
    """No horizontal scroll at 375 px; a screenshot is kept to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"shop-{name}-375.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (name, width)


def fields_are_labelled(page) -> None:
    """Every visible field has a <label for> (tests find fields by label, as people do)."""
    fields = page.locator("main input:not([type=hidden]), main select, main textarea")
    for i in range(fields.count()):
        field = fields.nth(i)
        field_id = field.get_attribute("id")
        assert field_id, field.evaluate("e => e.outerHTML")
        assert page.locator(f'label[for="{field_id}"]').count() == 1, field_id


def no_serious_violation(page, name: str) -> None:
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}:\n{results.generate_report()}"


def test_the_shop_on_a_phone_is_readable_labelled_and_accessible(shop, site, new_page):
    """MP-1: home and activity page at 375 px, no horizontal scroll, labelled fields, axe,
    not one Content-Security-Policy violation (the JSON-LD scripts carry the nonce)."""
    page = new_page()
    page.add_init_script(LISTEN)
    page.set_viewport_size(PHONE)
    page.goto(site.url(shop.structure, "/"))
    page.get_by_role("heading", name=shop.structure.name).wait_for()
    assert page.title() == f"Boutique en ligne · {shop.structure.name}"
    fits_the_phone(page, "home")
    fields_are_labelled(page)
    no_serious_violation(page, "home")

    page.get_by_label("Catégorie").select_option(label="Sport > Voile")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_text("Tout afficher").first.wait_for()
    assert page.get_by_role("link", name="T-shirt").count() == 0

    page.get_by_role("link", name="Stage catamaran").click()
    page.get_by_role("heading", name="Stage catamaran", level=1).wait_for()
    assert page.title() == f"Stage catamaran · {shop.structure.name}"
    assert page.get_by_text("Complet").count() == 1
    assert page.get_by_text("ajouté automatiquement").count() == 1
    fits_the_phone(page, "activity")
    fields_are_labelled(page)
    assert page.evaluate("window.__csp") == []
    no_serious_violation(page, "activity")

    # the first session's form, found by its labels, posts to the basket (CSRF under CSP)
    first = page.locator("li.shop-session").first
    first.get_by_label("Tarif").select_option(label="Enfant · 150,00 €")
    first.get_by_label("Places").fill("2")
    first.get_by_role("button", name="Réserver").click()
    page.wait_for_url("**/panier/")


def test_the_closed_page_on_a_phone(make_structure, site, new_page):
    """MP-1: a structure without CGV shows the closed page, readable and accessible."""
    structure, _owner = make_structure(
        name="Musée de la Marine", phone="+33298001122", email="accueil@musee.test"
    )
    page = new_page()
    page.set_viewport_size(PHONE)
    response = page.goto(site.url(structure, "/"))
    assert response is not None and response.status == 200
    page.get_by_role("heading", name="La boutique en ligne n'est pas encore ouverte").wait_for()
    assert page.get_by_role("link", name="02 98 00 11 22").count() >= 1
    fits_the_phone(page, "closed")
    no_serious_violation(page, "closed")


def test_a_shop_item_page_on_a_phone(shop, site, new_page):
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(site.url(shop.structure, f"/produits/{shop.shirt.pk}-t-shirt/"))
    page.get_by_label("Quantité").wait_for()
    fits_the_phone(page, "item")
    fields_are_labelled(page)
    no_serious_violation(page, "item")

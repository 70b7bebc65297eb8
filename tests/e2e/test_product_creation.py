"""A shop product created in a real browser the way the help centre describes it:
« Offre » > « Nouveau » (boutique): name, « Description », « Support » (the category, domain >
sub-domain, e.g. Culture > Arts et culture), a photo, « Prix affiché » 7 €, a 10 % promotion for
the town's inhabitants (« Options et promotions »), a dedicated « Stock », « Vendre uniquement au
guichet » (« Options »), then « Brouillon » -> « Publié » and « Aperçu ».

CA-1: "Products of four kinds ...; name, description, category (domain > sub-domain, e.g.
Culture > Arts et culture), photos, status draft / published / archived, preview as the shop
shows it."
CA-2: "Prices: displayed price, rates ..., promotions (percent or amount, with who may use them,
e.g. residents 10 %)."
CA-3: "Stock: dedicated or shared pool; ..."
CA-4: "Options: ...; sell only at the counter or as associated product; ..."
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from PIL import Image

from ponton.catalogue.models import Product, Promotion
from tests.conftest import TEST_PASSWORD
from tests.support.files import forget_media_root, png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def served_media(settings, tmp_path):
    """Uploads in a folder of this test's: /media/ (ponton.web.files) reads MEDIA_ROOT at each
    request; django-tenants' storage caches the MEDIA_ROOT it first saw, so it is forgotten."""
    settings.MEDIA_ROOT = tmp_path / "media"
    forget_media_root()
    yield
    forget_media_root()


def test_creates_a_shop_product_the_way_the_seed_describes(
    make_structure, site, new_page, tmp_path, served_media
):
    """CA-1, CA-2, CA-3, CA-4: name, description, category, photo, price, promotion, dedicated
    stock, « Vendre uniquement au guichet », publish, preview."""
    structure, owner = make_structure(name="Office de tourisme de Lille")
    photo = tmp_path / "affiche-lille.png"
    photo.write_bytes(png_bytes((900, 600)))

    page = new_page()
    page.goto(site.url(structure, "/manager/"))
    page.get_by_label("Adresse email").fill(owner.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Tableau de bord").wait_for()

    # « Offre », « Nouveau », « Boutique »
    nav = page.get_by_role("navigation", name="Navigation principale")
    nav.get_by_role("link", name="Offre").click()
    page.get_by_role("link", name="Produits").click()
    page.get_by_role("link", name="Nouveau produit").click()
    page.get_by_role("link", name="Article de boutique").click()
    page.get_by_role("heading", name="Nouveau produit : Article de boutique").wait_for()

    # name, « Description », « Support » (category), « Prix affiché », « Options »
    page.get_by_label("Nom", exact=True).fill("Affiche de Lille")
    page.get_by_label("Description").fill("Affiche en couleurs du Vieux-Lille, format A2.")
    page.get_by_label("Catégorie").select_option(label="Culture > Arts et culture")
    page.get_by_label("Prix affiché").fill("7")
    page.get_by_label("Vendre uniquement au guichet").check()
    page.get_by_role("button", name="Créer le produit").click()
    page.get_by_text("Le produit « Affiche de Lille » a été créé en brouillon.").wait_for()
    page.get_by_role("heading", name="Affiche de Lille").wait_for()
    assert page.locator("h1 .badge").inner_text() == "Brouillon"

    # a photo
    page.get_by_label("Ajouter une photo").set_input_files(str(photo))
    page.get_by_role("button", name="Envoyer la photo").click()
    page.get_by_text("La photo a été ajoutée.").wait_for()
    assert page.locator("#photos img").count() == 1

    # « Options et promotions »: 10 % for the town's inhabitants
    page.get_by_label("Nom de la promotion").fill("Tarif habitants")
    page.get_by_label("Type de réduction").select_option(label="Pourcentage")
    page.get_by_label("Valeur de la réduction").fill("10")
    page.get_by_label("Pour qui").fill("Habitants de Lille")
    page.get_by_role("button", name="Ajouter la promotion").click()
    page.get_by_text("La promotion a été ajoutée.").wait_for()

    # « Stock »: a dedicated stock of 50 posters
    page.get_by_label("Type de stock").select_option(label="Stock dédié")
    page.get_by_label("Quantité en stock").fill("50")
    page.get_by_role("button", name="Enregistrer le stock").click()
    page.get_by_text("Le stock a été enregistré.").wait_for()
    page.locator("#stock").get_by_text("Stock dédié — disponible : 50 sur 50, vendu : 0").wait_for()

    # « Brouillon » -> « Publié »
    page.get_by_role("button", name="Publier", exact=True).click()
    page.get_by_text("Le produit est publié.").wait_for()
    assert page.locator("h1 .badge").inner_text() == "Publié"

    # « Aperçu »
    page.get_by_role("link", name="Aperçu").click()
    page.get_by_role("heading", name="Aperçu").wait_for()
    preview = page.locator("[data-preview=product]")
    assert preview.get_by_role("heading", name="Affiche de Lille").count() == 1
    assert "Culture > Arts et culture" in preview.inner_text()
    assert "Affiche en couleurs du Vieux-Lille, format A2." in preview.inner_text()
    assert re.fullmatch(r"7,00\s€", preview.locator("[data-price]").inner_text())
    promotion_line = preview.locator("[data-promotions] li").inner_text()
    assert re.fullmatch(r"Tarif habitants \(Habitants de Lille\) : 6,30\s€", promotion_line)
    image = preview.get_by_role("img", name="Affiche de Lille")
    image.wait_for()
    loaded_width = image.evaluate(
        "img => img.complete ? img.naturalWidth"
        " : new Promise(done => { img.onload = img.onerror = () => done(img.naturalWidth); })"
    )
    assert loaded_width == 900
    assert "n'est pas publié" not in page.content()

    with schema_context(structure.schema_name):
        product = Product.objects.select_related("category__parent", "stock_pool").get(
            name="Affiche de Lille"
        )
        assert (product.kind, product.status) == (Product.Kind.SHOP_ITEM, "published")
        assert str(product.category) == "Culture > Arts et culture"
        assert product.description == "Affiche en couleurs du Vieux-Lille, format A2."
        assert product.price == Decimal("7.00")
        assert (product.counter_only, product.associated_only) == (True, False)
        assert list(product.promotions.values_list("name", "kind", "value", "condition")) == [
            ("Tarif habitants", Promotion.Kind.PERCENT, Decimal("10.00"), "Habitants de Lille")
        ]
        pool = product.stock_pool
        assert (pool.shared, pool.quantity, pool.sold) == (False, 50, 0)
        assert list(pool.products.all()) == [product]
        (photo_row,) = product.photos.all()
        names = [photo_row.image.name, photo_row.thumbnail.name]
        try:
            with default_storage.open(photo_row.image.name, "rb") as fh, Image.open(fh) as img:
                assert (img.format, img.size) == ("PNG", (900, 600))
            with default_storage.open(photo_row.thumbnail.name, "rb") as fh, Image.open(fh) as img:
                assert (img.format, img.size) == ("JPEG", (400, 267))
        finally:
            for name in names:
                default_storage.delete(name)

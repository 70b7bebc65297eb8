"""MP-1 good shop habits: robots.txt and sitemap.xml per structure, French titles, Open Graph
tags for a shared link."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product
from tests.platform.shop.conftest import published
from tests.support.sales import text

pytestmark = pytest.mark.django_db


def test_robots_txt_keeps_crawlers_out_of_private_spaces(shop, client_for):
    response = client_for(shop.structure).get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    for path in ("/manager/", "/compte/", "/panier/", "/api/"):
        assert f"Disallow: {path}\n" in body
    host = shop.structure.get_primary_domain().domain
    assert f"Sitemap: http://{host}/sitemap.xml" in body


def test_sitemap_lists_the_home_and_the_shop_products_of_this_structure(
    shop, structure_b, client_for
):
    other, _ = structure_b
    with schema_context(other.schema_name):
        published(Product.Kind.SHOP_ITEM, name="Produit de B")
    response = client_for(shop.structure).get("/sitemap.xml")
    assert response["Content-Type"].startswith("application/xml")
    body = response.content.decode()
    host = shop.structure.get_primary_domain().domain
    assert f"<loc>http://{host}/</loc>" in body
    assert f"<loc>http://{host}/activites/{shop.activity.pk}-stage-catamaran/</loc>" in body
    assert f"<loc>http://{host}/produits/{shop.shirt.pk}-t-shirt/</loc>" in body
    assert body.count("<url>") == 4 and "produit-de-b" not in body


def test_product_page_has_open_graph_tags_and_canonical_url(shop, client_for):
    html = text(client_for(shop.structure).get(f"/activites/{shop.activity.pk}-x/", follow=True))
    host = shop.structure.get_primary_domain().domain
    url = f"http://{host}/activites/{shop.activity.pk}-stage-catamaran/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:title" content="Stage catamaran">' in html
    assert '<meta property="og:description" content="Cinq demi-journées sur l\'eau.">' in html
    assert '<meta property="og:locale" content="fr_FR">' in html
    assert '<html lang="fr">' in html

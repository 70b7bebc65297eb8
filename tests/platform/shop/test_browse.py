"""MP-1: the shop's home and product pages: what a customer sees, what stays hidden."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product, ProductAssociation
from ponton.catalogue.services import (
    PromotionData,
    association_add,
    product_archive,
    product_update,
    promotion_add,
    rate_add,
    season_add,
)
from ponton.catalogue.services.products import ProductData
from tests.platform.shop.conftest import add_session, next_monday_at, published
from tests.support.sales import text

pytestmark = pytest.mark.django_db


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return text(response)


def activity_url(product: Product) -> str:
    return f"/activites/{product.pk}-{re.sub('[^a-z0-9]+', '-', product.name.lower()).strip('-')}/"


def test_home_lists_published_products_by_category_with_their_price(shop, client_for):
    """MP-1: identity and contacts, products by category, photo, displayed price, link."""
    html = page(client_for(shop.structure), "/")
    assert "<title>Boutique en ligne · Club A</title>" in html
    assert '<h2 id="cat-1">Sport > Voile</h2>' in html
    assert "Boutique > Vêtements" in html
    assert f'href="/activites/{shop.activity.pk}-stage-catamaran/"' in html
    assert "à partir de 150,00 €" in html  # rates of 180 and 150
    assert f'href="/produits/{shop.shirt.pk}-t-shirt/"' in html
    assert "20,00 €" in html and "Adhésion annuelle" in html
    assert 'href="/panier/">Mon panier</a>' in html and ">Connexion</a>" in html


def test_hidden_products_are_absent_from_the_lists_and_answer_404(shop, client_for):
    """MP-1: drafts, archived, counter-only and associated-only products are never shown."""
    with schema_context(shop.structure.schema_name):
        draft = Product.objects.create(kind="shop_item", name="Brouillon caché", price=5)
        archived = product_archive(
            product=published(Product.Kind.TICKET, name="Archivé caché", price=Decimal("5"))
        )
        counter = published(Product.Kind.SHOP_ITEM, name="Guichet caché", counter_only=True)
        associated = published(Product.Kind.TICKET, name="Associé caché", associated_only=True)
    client = client_for(shop.structure)
    home = page(client, "/")
    sitemap = page(client, "/sitemap.xml")
    for product in (draft, archived, counter, associated):
        assert product.name not in home
        assert f"/{product.pk}-" not in sitemap
        page(client, f"/produits/{product.pk}-x/", status=404)
        page(client, f"/activites/{product.pk}-x/", status=404)


def test_filters_by_category_and_site(shop, client_for):
    client = client_for(shop.structure)
    by_category = page(client, f"/?categorie={shop.voile.pk}")
    assert "Stage catamaran" in by_category and "T-shirt" not in by_category
    by_domain = page(client, f"/?categorie={shop.voile.parent_id}")
    assert "Stage catamaran" in by_domain and "T-shirt" not in by_domain
    by_site = page(client, f"/?site={shop.other_site.pk}")
    assert "T-shirt" in by_site and "Stage catamaran" not in by_site
    assert '<label for="f-site">Site</label>' in by_site
    nothing = page(client, "/?site=999999&categorie=abc")
    assert "Aucun produit ne correspond à ces critères." in nothing


def test_a_wrong_slug_or_kind_redirects_permanently_to_the_shareable_url(shop, client_for):
    client = client_for(shop.structure)
    right = f"/activites/{shop.activity.pk}-stage-catamaran/"
    for wrong in (
        f"/activites/{shop.activity.pk}-ancien-nom/",
        f"/activites/{shop.activity.pk}/",
        f"/produits/{shop.activity.pk}-stage-catamaran/",
    ):
        response = client.get(wrong)
        assert response.status_code == 301 and response["Location"] == right
    response = client.get(f"/activites/{shop.activity.pk}/?semaine=2030-01-07")
    assert response["Location"] == right + "?semaine=2030-01-07"
    assert client.get(f"/activites/{shop.shirt.pk}-t-shirt/")["Location"] == (
        f"/produits/{shop.shirt.pk}-t-shirt/"
    )


def test_a_product_of_another_structure_answers_404(shop, structure_b, client_for):
    """MP-1: ids of another structure's products (its own schema) are unknown here."""
    other, _ = structure_b
    with schema_context(other.schema_name):
        for i in range(4):
            theirs = published(Product.Kind.SHOP_ITEM, name=f"Leur produit {i}")
    with schema_context(shop.structure.schema_name):
        assert not Product.objects.filter(pk=theirs.pk).exists()
    page(client_for(shop.structure), f"/produits/{theirs.pk}-leur-produit-3/", status=404)


def test_activity_page_shows_sessions_by_week_with_free_seats_and_booking_forms(shop, client_for):
    """MP-1: upcoming sessions by week, free seats, "Complet", a booking form per session."""
    with schema_context(shop.structure.schema_name):
        monday = next_monday_at(10)
        free = add_session(shop.activity, monday, capacity=8, sold=3)
        full = add_session(shop.activity, monday + dt.timedelta(days=1), capacity=8, sold=8)
        past = add_session(shop.activity, timezone.now() - dt.timedelta(days=1))
    html = page(client_for(shop.structure), activity_url(shop.activity))
    assert "<title>Stage catamaran · Club A</title>" in html
    week = monday.date()
    assert f"Semaine du {week.day} " in html and f"{week.year}</h3>" in html
    assert f'<span data-session-seats="{free.pk}">5 places libres</span>' in html
    assert f'<span data-session-seats="{full.pk}">Complet</span>' in html
    assert f'data-session="{past.pk}"' not in html
    form = html.split(f'data-session="{free.pk}"')[1].split("</form>")[0]
    assert 'action="/panier/ajouter/"' in form and 'name="csrfmiddlewaretoken"' in form
    assert f'<input type="hidden" name="session" value="{free.pk}">' in form
    assert f'<input type="hidden" name="product" value="{shop.activity.pk}">' in form
    assert '<label for="rate-' in form and "Enfant · 150,00 €" in form
    assert 'max="5"' in form and f'data-book-session="{free.pk}"' in form
    assert f'data-book-session="{full.pk}"' not in html
    assert 'src="/static/shop/availability.js"' in html
    starts = timezone.localtime(free.starts_at)
    assert f"{starts:%H}h00 – " in html


def test_booking_windows_are_respected(shop, client_for):
    """MP-1, CA-4: opens N h before, closes N h before, bookable online from a date."""
    with schema_context(shop.structure.schema_name):
        product_update(
            product=shop.activity,
            data=ProductData(
                name="Stage catamaran",
                price=Decimal("180.00"),
                category=shop.voile,
                booking_opens_before_hours=24 * 10,
                booking_closes_before_hours=48,
            ),
        )
        now = timezone.now()
        too_soon = add_session(shop.activity, now + dt.timedelta(hours=30))
        open_now = add_session(shop.activity, now + dt.timedelta(days=5))
        not_yet = add_session(shop.activity, now + dt.timedelta(days=20))
    client = client_for(shop.structure)
    html = page(client, activity_url(shop.activity))
    html += page(client, activity_url(shop.activity) + f"?semaine={not_yet.starts_at:%Y-%m-%d}")
    closed_part = html.split(f'data-session="{too_soon.pk}"')[1].split("</li>")[0]
    assert "Réservations closes" in closed_part and "data-book-session" not in closed_part
    assert f'data-book-session="{open_now.pk}"' in html
    later_part = html.split(f'data-session="{not_yet.pk}"')[1].split("</li>")[0]
    opens = timezone.localtime(not_yet.starts_at - dt.timedelta(days=10))
    assert "Réservable à partir du " in later_part and f"{opens:%Y} à {opens:%H}h" in later_part
    assert "data-book-session" not in later_part


def test_online_from_a_date(shop, client_for):
    """CA-4 "réservable en ligne à partir du": shown, nothing bookable before that day."""
    day = timezone.localdate() + dt.timedelta(days=30)
    with schema_context(shop.structure.schema_name):
        Product.objects.filter(pk__in=[shop.activity.pk, shop.shirt.pk]).update(online_from=day)
        session = add_session(shop.activity, next_monday_at(10))
    client = client_for(shop.structure)
    html = page(client, activity_url(shop.activity))
    assert "Réservable en ligne à partir du" in html
    part = html.split(f'data-session="{session.pk}"')[1].split("</li>")[0]
    assert f"Réservable à partir du {day.day} " in part and "data-book-session" not in part
    item = page(client, f"/produits/{shop.shirt.pk}-t-shirt/")
    assert "Pas encore en vente en ligne." in item and "Ajouter au panier" not in item


def test_sessions_are_paginated_by_four_weeks(shop, client_for):
    with schema_context(shop.structure.schema_name):
        soon = add_session(shop.activity, next_monday_at(10, weeks=1))
        later = add_session(shop.activity, next_monday_at(10, weeks=5))
    client = client_for(shop.structure)
    first = page(client, activity_url(shop.activity))
    assert f'data-session="{soon.pk}"' in first and f'data-session="{later.pk}"' not in first
    assert "Semaines précédentes" not in first
    next_monday = next_monday_at(0, weeks=4).date()
    assert f'href="?semaine={next_monday:%Y-%m-%d}" rel="next">Semaines suivantes' in first
    second = page(client, activity_url(shop.activity) + f"?semaine={next_monday:%Y-%m-%d}")
    assert f'data-session="{later.pk}"' in second and f'data-session="{soon.pk}"' not in second
    assert "Semaines précédentes" in second and "Semaines suivantes" not in second
    # a week in the past shows this week; nonsense is ignored
    assert f'data-session="{soon.pk}"' in page(
        client, activity_url(shop.activity) + "?semaine=2001-01-01"
    )
    for nonsense in ("x", "9999-12-31", "2026-13-45"):
        url = activity_url(shop.activity) + f"?semaine={nonsense}"
        assert f'data-session="{soon.pk}"' in page(client, url)


def test_rates_seasons_promotions_and_associated_products(shop, client_for):
    """MP-1, CA-2, CA-6: season prices with their dates, promotions in force, associated
    products (mandatory ones are added automatically)."""
    today = timezone.localdate()
    with schema_context(shop.structure.schema_name):
        summer = season_add(
            product=shop.activity,
            name="Haute saison",
            starts_on=today + dt.timedelta(days=10),
            ends_on=today + dt.timedelta(days=40),
        )
        rate_add(product=shop.activity, name="Adulte été", amount=Decimal("210.00"), season=summer)
        promotion_add(
            product=shop.activity,
            data=PromotionData(
                name="Tarif résident", kind="percent", value=Decimal("10"), condition="résidents"
            ),
        )
        promotion_add(
            product=shop.activity,
            data=PromotionData(
                name="Promo terminée",
                kind="amount",
                value=Decimal("5"),
                ends_on=today - dt.timedelta(days=1),
            ),
        )
        licence = published(
            Product.Kind.TICKET, name="Licence journée", price=Decimal("15"), associated_only=True
        )
        gourde = published(Product.Kind.SHOP_ITEM, name="Gourde", price=Decimal("12"))
        association_add(product=shop.activity, associated=licence, starts_on=today, mandatory=True)
        association_add(product=shop.activity, associated=gourde, starts_on=today)
        assert ProductAssociation.objects.count() == 2
    html = page(client_for(shop.structure), activity_url(shop.activity))
    assert "Haute saison" in html and "210,00 €" in html
    assert f"du {summer.starts_on.day} " in html
    assert "Toute l'année" in html
    assert "Tarif résident" in html and "-10 %" in html and "pour les résidents" in html
    assert "Promo terminée" not in html
    assert "Licence journée · 15,00 €" in html and "ajouté automatiquement" in html
    assert "Gourde · 12,00 €" in html and "en option" in html


def test_sessions_carry_schema_org_events(shop, client_for):
    """MP-1 (good shop habits): each session is a schema.org Event in JSON-LD, nonced."""
    with schema_context(shop.structure.schema_name):
        free = add_session(shop.activity, next_monday_at(10), capacity=4)
        full = add_session(shop.activity, next_monday_at(14), capacity=4, sold=4)
    response = client_for(shop.structure).get(activity_url(shop.activity))
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    blocks = re.findall(
        r'<script type="application/ld\+json" nonce="([^"]+)">(.*?)</script>', html, re.S
    )
    assert len(blocks) == 2 and {n for n, _ in blocks} == {nonce}
    events = [json.loads(body) for _, body in blocks]
    first, second = events
    assert first["@type"] == "Event" and first["name"] == "Stage catamaran"
    assert first["startDate"] == timezone.localtime(free.starts_at).isoformat()
    assert first["endDate"] == timezone.localtime(free.ends_at).isoformat()
    assert first["location"]["name"] == "Base nautique"
    assert first["location"]["address"]["addressLocality"] == "Brest"
    assert first["offers"]["price"] == "150.00" and first["offers"]["priceCurrency"] == "EUR"
    assert first["offers"]["availability"] == "https://schema.org/InStock"
    assert second["offers"]["availability"] == "https://schema.org/SoldOut"
    assert first["offers"]["url"].endswith(f"/activites/{shop.activity.pk}-stage-catamaran/")
    assert full.pk


def test_a_shop_item_page_has_an_add_to_basket_form(shop, client_for):
    html = page(client_for(shop.structure), f"/produits/{shop.shirt.pk}-t-shirt/")
    assert '<form method="post" action="/panier/ajouter/" class="shop-book">' in html
    form = html.split('class="shop-book">')[1].split("</form>")[0]
    assert f'<input type="hidden" name="product" value="{shop.shirt.pk}">' in form
    assert '<label for="quantity-item">Quantité</label>' in form
    assert 'value="2" min="2" max="5"' in form and "Minimum 2 par panier." in form
    assert "Ajouter au panier" in form
    assert 'property="og:title" content="T-shirt"' in html
    assert "data-session-seats" not in html


def test_a_sold_out_item_shows_epuise(shop, client_for):
    with schema_context(shop.structure.schema_name):
        pool = shop.shirt.stock_pool
        pool.sold = pool.quantity
        pool.save(update_fields=["sold"])
    html = page(client_for(shop.structure), f"/produits/{shop.shirt.pk}-t-shirt/")
    assert "Épuisé" in html and "Ajouter au panier" not in html


def test_a_product_past_its_sale_period_leaves_the_shop(shop, client_for):
    """MP-1: last year's membership (sale period over) is no longer shown nor opened."""
    with schema_context(shop.structure.schema_name):
        Product.objects.filter(pk=shop.membership.pk).update(
            sale_until=timezone.localdate() - dt.timedelta(days=1)
        )
    client = client_for(shop.structure)
    assert "Adhésion annuelle" not in page(client, "/")
    page(client, f"/produits/{shop.membership.pk}-adhesion-annuelle/", status=404)


def test_access_shop_session_refuses_a_session_of_another_product(shop):
    """MP-1: the basket loads a session through its product: another product's session, or an
    unknown id (another structure's session lives in its own schema), is a 404."""
    from django.http import Http404

    from ponton.shop.selectors import access_shop_session

    with schema_context(shop.structure.schema_name):
        other = published(Product.Kind.ACTIVITY, name="Kayak")
        theirs = add_session(other, next_monday_at(10))
        ours = add_session(shop.activity, next_monday_at(11))
        assert access_shop_session(product=shop.activity, session_id=ours.pk) == ours
        for session_id in (theirs.pk, 999_999):
            with pytest.raises(Http404):
                access_shop_session(product=shop.activity, session_id=session_id)

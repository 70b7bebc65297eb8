"""The catalogue through the API (CA-1 products of four kinds, CA-2 prices and rates): the same
services as Club Manager > Offre, the same French refusals, nothing saved on a refusal."""

from __future__ import annotations

from datetime import date as dt_date
from decimal import Decimal

import pytest

from ponton.accounts.models import Role
from ponton.catalogue import services
from ponton.catalogue.models import Category, Product, Rate, Site
from ponton.catalogue.services import ProductData

PRODUCTS = "/api/v1/products/"


def sub(name: str) -> Category:
    return Category.objects.get(name=name, parent__isnull=False)


@pytest.fixture
def offer(club, in_schema):
    """A draft activity with a category and a site, a published shop item, an archived ticket."""
    structure, _owner = club
    with in_schema(structure):
        site = Site.objects.create(name="Base nautique", city="Carnac")
        stage = services.product_create(
            kind=Product.Kind.ACTIVITY,
            data=ProductData(
                name="Stage Optimist", price=Decimal("185.00"), category=sub("Voile"), site=site
            ),
        )
        cap = services.product_create(
            kind=Product.Kind.SHOP_ITEM,
            data=ProductData(name="Casquette", price=Decimal("15.00"), category=sub("Voile")),
        )
        services.product_publish(product=cap)
        ticket = services.product_create(
            kind=Product.Kind.TICKET,
            data=ProductData(name="Entrée musée", price=Decimal("8.00"), category=sub("Musées")),
        )
        services.product_archive(product=ticket)
    return {"site": site, "stage": stage, "cap": cap, "ticket": ticket}


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["name"] for p in response.json()["results"]]


def test_products_list_and_filters(club, offer, api, in_schema):
    """CA-1: the products, filtered like the Offre list (kind, status, category, site, q)."""
    structure, owner = club
    client = api(structure, owner)
    response = client.get(PRODUCTS)
    assert names(response) == ["Casquette", "Entrée musée", "Stage Optimist"]
    assert response.json()["count"] == 3
    assert names(client.get(PRODUCTS, {"kind": "activity"})) == ["Stage Optimist"]
    assert names(client.get(PRODUCTS, {"status": "published"})) == ["Casquette"]
    assert names(client.get(PRODUCTS, {"q": "musée"})) == ["Entrée musée"]
    assert names(client.get(PRODUCTS, {"site": offer["site"].pk})) == ["Stage Optimist"]
    with in_schema(structure):
        culture = Category.objects.get(name="Culture", parent=None)
    assert names(client.get(PRODUCTS, {"category": culture.pk})) == ["Entrée musée"]
    paged = client.get(PRODUCTS, {"limit": 1, "offset": 1}).json()
    assert (paged["count"], [p["name"] for p in paged["results"]]) == (3, ["Entrée musée"])
    assert client.get(PRODUCTS, {"kind": "voiture"}).status_code == 400


def test_product_retrieve(club, offer, api):
    structure, owner = club
    response = api(structure, owner).get(f"{PRODUCTS}{offer['stage'].pk}/")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("name", "kind", "status", "price", "vat_rate", "site")} == {
        "name": "Stage Optimist",
        "kind": "activity",
        "status": "draft",
        "price": "185.00",
        "vat_rate": "20.00",
        "site": offer["site"].pk,
    }
    assert body["category_name"] == "Sport > Voile"
    assert api(structure, owner).get(f"{PRODUCTS}999999/").status_code == 404


def test_create_a_product_of_each_kind(club, api, in_schema):
    """CA-1: a product of each of the four kinds, created as a draft by the service."""
    structure, owner = club
    with in_schema(structure):
        voile = sub("Voile").pk
    client = api(structure, owner)
    response = client.post(
        PRODUCTS,
        {
            "kind": "activity",
            "name": "Stage catamaran",
            "price": "250.00",
            "vat_rate": "5.50",
            "accounting_code": "706100",
            "category": voile,
            "min_participants": 3,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["vat_rate"], body["min_participants"]) == ("draft", "5.50", 3)
    for kind in ("shop_item", "ticket", "membership"):
        assert client.post(PRODUCTS, {"kind": kind, "name": kind, "price": "1.00"}).status_code == (
            201
        )
    with in_schema(structure):
        product = Product.objects.get(pk=body["id"])
        assert (product.name, product.price, product.accounting_code) == (
            "Stage catamaran",
            Decimal("250.00"),
            "706100",
        )
        assert sorted(Product.objects.values_list("kind", flat=True)) == [
            "activity",
            "membership",
            "shop_item",
            "ticket",
        ]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"price": "-1.00"}, "price", "Le prix ne peut pas être négatif."),
        (
            {"vat_rate": "7.00"},
            "vat_rate",
            "Taux de TVA non autorisé : choisissez 20, 10, 5,5, 2,1 ou 0 %.",
        ),
        (
            {"accounting_code": "606000"},
            "accounting_code",
            "Le code comptable doit compter 6 à 8 chiffres et commencer par 7 (ex. 706000).",
        ),
        (
            {"valid_from": "2027-01-01"},
            "valid_from",
            "Ces dates ne concernent que les adhésions.",
        ),
    ],
    ids=["negative-price", "unknown-vat", "bad-accounting-code", "membership-dates"],
)
def test_a_refused_product_is_400_in_french_and_not_saved(
    club, api, in_schema, change, field, message
):
    """CA-2, CA-4: the service's rules and messages; nothing is saved."""
    structure, owner = club
    data = {"kind": "activity", "name": "Stage", "price": "10.00", **change}
    response = api(structure, owner).post(PRODUCTS, data)
    assert response.status_code == 400
    assert message in response.json()[field]
    with in_schema(structure):
        assert not Product.objects.exists()


def test_create_needs_a_name_a_price_and_a_known_kind(club, api, in_schema):
    structure, owner = club
    response = api(structure, owner).post(PRODUCTS, {"kind": "voiture"})
    assert response.status_code == 400
    assert set(response.json()) == {"kind", "name", "price"}
    assert response.json()["name"] == ["Ce champ est obligatoire."]
    with in_schema(structure):
        assert not Product.objects.exists()


def test_patch_changes_only_the_fields_sent(club, offer, api, in_schema):
    """CA-1, CA-2: PATCH keeps the fields left out (site, category...)."""
    structure, owner = club
    url = f"{PRODUCTS}{offer['stage'].pk}/"
    client = api(structure, owner)
    response = client.patch(url, {"price": "199.00", "description": "Cinq demi-journées"})
    assert response.status_code == 200, response.content
    with in_schema(structure):
        product = Product.objects.get(pk=offer["stage"].pk)
        assert (product.price, product.description, product.site_id, product.name) == (
            Decimal("199.00"),
            "Cinq demi-journées",
            offer["site"].pk,
            "Stage Optimist",
        )
    response = client.patch(url, {"price": "-5", "accounting_code": "12"})
    assert response.status_code == 400
    assert response.json()["price"] == ["Le prix ne peut pas être négatif."]
    assert "accounting_code" in response.json()
    with in_schema(structure):
        assert Product.objects.get(pk=offer["stage"].pk).price == Decimal("199.00")


def test_an_archived_product_can_no_longer_be_changed(club, offer, api, in_schema):
    structure, owner = club
    response = api(structure, owner).patch(f"{PRODUCTS}{offer['ticket'].pk}/", {"name": "Autre"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Un produit archivé ne peut plus être modifié."}
    with in_schema(structure):
        assert Product.objects.get(pk=offer["ticket"].pk).name == "Entrée musée"


def test_publish_unpublish_archive(club, offer, api, in_schema):
    """CA-1: statuses draft / published / archived, through the services."""
    structure, owner = club
    client = api(structure, owner)
    url = f"{PRODUCTS}{offer['stage'].pk}/"
    assert client.post(f"{url}publish/").json()["status"] == "published"
    refused = client.post(f"{url}publish/")
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Seul un produit en brouillon peut être publié."}
    assert client.post(f"{url}unpublish/").json()["status"] == "draft"
    assert client.post(f"{url}archive/").json()["status"] == "archived"
    assert client.post(f"{url}archive/").json() == {"detail": "Ce produit est déjà archivé."}
    with in_schema(structure):
        assert Product.objects.get(pk=offer["stage"].pk).status == "archived"


def test_publish_without_category_is_refused(club, api, in_schema):
    structure, owner = club
    with in_schema(structure):
        product = services.product_create(
            kind=Product.Kind.SHOP_ITEM, data=ProductData(name="Gourde", price=Decimal("9.00"))
        )
    response = api(structure, owner).post(f"{PRODUCTS}{product.pk}/publish/")
    assert response.status_code == 400
    assert response.json() == {"detail": "Choisissez une catégorie avant de publier le produit."}
    with in_schema(structure):
        assert Product.objects.get(pk=product.pk).status == "draft"


def test_rates_list_add_remove(club, offer, api, in_schema):
    """CA-2: the product's rates (tarifs) with names and amounts."""
    structure, owner = club
    client = api(structure, owner)
    url = f"{PRODUCTS}{offer['stage'].pk}/rates/"
    adult = client.post(url, {"name": "Adulte", "amount": "185.00"})
    assert adult.status_code == 201, adult.content
    child = client.post(url, {"name": "Enfant", "amount": "150.00"})
    listed = client.get(url).json()["results"]
    assert [(r["name"], r["amount"], r["position"]) for r in listed] == [
        ("Adulte", "185.00", 0),
        ("Enfant", "150.00", 1),
    ]
    refused = client.post(url, {"name": "Réduit", "amount": "-1"})
    assert refused.status_code == 400
    assert refused.json() == {"amount": ["Le montant du tarif ne peut pas être négatif."]}
    no_name = client.post(url, {"name": " ", "amount": "5"})
    assert no_name.json() == {"name": ["Donnez un nom au tarif (ex. Adulte)."]}
    assert client.delete(f"{url}{child.json()['id']}/").status_code == 204
    assert client.delete(f"{url}{child.json()['id']}/").status_code == 404
    with in_schema(structure):
        assert list(Rate.objects.values_list("name", flat=True)) == ["Adulte"]
    # A rate of another product is not reachable through this one.
    other = f"{PRODUCTS}{offer['cap'].pk}/rates/{adult.json()['id']}/"
    assert client.delete(other).status_code == 404


def test_sites_and_categories(club, offer, api):
    """CA-1, CA-7: sites and the sub-domains a product may be filed under."""
    structure, owner = club
    client = api(structure, owner)
    sites = client.get("/api/v1/sites/").json()["results"]
    assert [(s["name"], s["city"]) for s in sites] == [("Base nautique", "Carnac")]
    categories = client.get("/api/v1/categories/", {"limit": 500}).json()["results"]
    labels = [c["label"] for c in categories]
    assert "Sport > Voile" in labels and "Culture > Musées" in labels
    assert all(c["domain"] for c in categories)


def test_a_cashier_reads_but_cannot_write_the_catalogue(club, offer, make_member, api, in_schema):
    """Roles: a cashier (catalogue.view) lists products but gets 403 on create and publish."""
    structure, _owner = club
    cashier = api(structure, make_member(structure, Role.CASHIER))
    assert cashier.get(PRODUCTS).status_code == 200
    assert cashier.post(PRODUCTS, {"kind": "ticket", "name": "X", "price": "1"}).status_code == 403
    assert cashier.post(f"{PRODUCTS}{offer['stage'].pk}/publish/").status_code == 403
    assert cashier.patch(f"{PRODUCTS}{offer['stage'].pk}/", {"name": "Y"}).status_code == 403
    with in_schema(structure):
        assert Product.objects.count() == 3
        assert Product.objects.get(pk=offer["stage"].pk).status == "draft"


def test_an_accountant_cannot_read_the_catalogue(club, make_member, api):
    structure, _owner = club
    accountant = api(structure, make_member(structure, Role.ACCOUNTANT))
    assert accountant.get(PRODUCTS).status_code == 403


def test_seasons_and_their_rates(club, offer, api, in_schema):
    """CA-2: seasons of a product, a rate of a season; overlapping seasons refused."""
    structure, owner = club
    client = api(structure, owner)
    url = f"{PRODUCTS}{offer['stage'].pk}/seasons/"
    high = client.post(
        url, {"name": "Haute saison", "starts_on": "2027-07-01", "ends_on": "2027-08-31"}
    )
    assert high.status_code == 201, high.content
    overlap = client.post(url, {"name": "Été", "starts_on": "2027-08-15", "ends_on": "2027-09-15"})
    assert overlap.status_code == 400
    assert overlap.json() == {"starts_on": ["Cette période chevauche une autre saison du produit."]}
    reversed_ = client.post(
        url, {"name": "Hiver", "starts_on": "2027-12-31", "ends_on": "2027-12-01"}
    )
    assert reversed_.json() == {"ends_on": ["La fin de saison doit suivre son début."]}
    assert [s["name"] for s in client.get(url).json()["results"]] == ["Haute saison"]
    season_id = high.json()["id"]
    rate = client.post(
        f"{PRODUCTS}{offer['stage'].pk}/rates/",
        {"name": "Adulte été", "amount": "210.00", "season": season_id},
    )
    assert (rate.status_code, rate.json()["season"]) == (201, season_id)
    # A season of another product cannot carry this product's rate.
    with in_schema(structure):
        other = services.season_add(
            product=offer["cap"],
            name="Soldes",
            starts_on=dt_date(2027, 1, 1),
            ends_on=dt_date(2027, 1, 31),
        )
    wrong = client.post(
        f"{PRODUCTS}{offer['stage'].pk}/rates/",
        {"name": "X", "amount": "1.00", "season": other.pk},
    )
    assert wrong.json() == {"season": ["Cette saison n'appartient pas à ce produit."]}
    assert client.delete(f"{url}{season_id}/").status_code == 204
    with in_schema(structure):
        assert not Rate.objects.filter(product=offer["stage"]).exists()
        assert list(offer["stage"].seasons.all()) == []


def test_promotions(club, offer, api, in_schema):
    """CA-2: promotions in percent or amount, with who may use them (résidents -10 %)."""
    structure, owner = club
    client = api(structure, owner)
    url = f"{PRODUCTS}{offer['stage'].pk}/promotions/"
    residents = client.post(
        url, {"name": "Tarif résident", "kind": "percent", "value": "10", "condition": "résidents"}
    )
    assert residents.status_code == 201, residents.content
    assert (residents.json()["kind"], residents.json()["value"]) == ("percent", "10.00")
    too_much = client.post(url, {"name": "Remise", "kind": "amount", "value": "500"})
    assert too_much.status_code == 400
    assert too_much.json() == {"value": ["La réduction ne peut pas dépasser le prix affiché."]}
    over_100 = client.post(url, {"name": "Remise", "kind": "percent", "value": "120"})
    assert over_100.json() == {"value": ["Une réduction en pourcentage ne dépasse pas 100 %."]}
    assert [p["name"] for p in client.get(url).json()["results"]] == ["Tarif résident"]
    assert client.delete(f"{url}{residents.json()['id']}/").status_code == 204
    with in_schema(structure):
        assert not offer["stage"].promotions.exists()

"""Club Manager > Offre (CA-1, CA-2, CA-4): list, filters, new product, edit, rates,
Publier / Dépublier / Archiver, preview; roles and structure isolation."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.catalogue import services
from ponton.catalogue.models import Category, Product, Rate, Site
from ponton.catalogue.services import ProductData

OFFER = "/manager/offre/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def make_product(structure, **fields) -> Product:
    kind = fields.pop("kind", Product.Kind.ACTIVITY)
    with schema_context(structure.schema_name):
        return services.product_create(
            kind=kind, data=ProductData(**{"name": "Stage voile", "price": Decimal(100), **fields})
        )


def products_of(structure) -> list[tuple]:
    with schema_context(structure.schema_name):
        return list(Product.objects.order_by("pk").values_list("kind", "name", "price", "status"))


def sub_id(structure, name: str) -> int:
    with schema_context(structure.schema_name):
        return Category.objects.get(name=name, parent__isnull=False).pk


def test_offre_section_links_to_products(structure_a, client_for):
    """CA-1: the Offre section of the Club Manager links to the product list."""
    structure, owner = structure_a
    response = client_for(structure, owner).get("/manager/section/offre/")
    assert response.status_code == 200
    assert 'href="/manager/offre/"' in response.content.decode()


def test_create_product_kind_first_then_form(structure_a, make_member, client_for):
    """CA-1, CA-4: staff picks the kind, fills the form, gets a draft product."""
    structure, _ = structure_a
    staff = make_member(structure, Role.STAFF)
    client = client_for(structure, staff)
    page = text(client.get(OFFER + "nouveau/"))
    assert "Quel type de produit voulez-vous créer ?" in page
    assert "?type=membership" in page
    form_page = client.get(OFFER + "nouveau/?type=activity")
    assert "Seuil minimum de participants" in text(form_page)
    assert "Valable du" not in text(form_page)
    response = client.post(
        OFFER + "nouveau/?type=activity",
        {
            "name": "Stage Optimist",
            "description": "Cinq demi-journées",
            "category": sub_id(structure, "Voile"),
            "price": "185.50",
            "vat_rate": "5.50",
            "accounting_code": "706100",
            "min_quantity": "1",
            "counter_only": "on",
            "min_participants": "4",
            "booking_opens_before_hours": "720",
            "booking_closes_before_hours": "24",
        },
    )
    assert response.status_code == 302
    assert products_of(structure) == [("activity", "Stage Optimist", Decimal("185.50"), "draft")]
    with schema_context(structure.schema_name):
        product = Product.objects.get()
        assert (product.vat_rate, product.accounting_code, product.counter_only) == (
            Decimal("5.50"),
            "706100",
            True,
        )
        assert product.min_participants == 4
    assert response["Location"] == f"{OFFER}{product.pk}/"


def test_create_product_bad_input_shows_french_errors(structure_a, client_for):
    """CA-2, CA-4: a negative price and a bad accounting code are refused next to the fields,
    nothing is saved."""
    structure, owner = structure_a
    response = client_for(structure, owner).post(
        OFFER + "nouveau/?type=shop_item",
        {
            "name": "",
            "price": "-2",
            "vat_rate": "20.00",
            "accounting_code": "606",
            "min_quantity": "1",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["Indiquez le nom du produit."]
    assert products_of(structure) == []
    response = client_for(structure, owner).post(
        OFFER + "nouveau/?type=shop_item",
        {
            "name": "Bob",
            "price": "-2",
            "vat_rate": "20.00",
            "accounting_code": "606000",
            "min_quantity": "1",
        },
    )
    errors = response.context["form"].errors
    assert errors["price"] == ["Le prix ne peut pas être négatif."]
    assert errors["accounting_code"] == [
        "Le code comptable doit compter 6 à 8 chiffres et commencer par 7 (ex. 706000)."
    ]
    assert "Le prix ne peut pas être négatif." in text(response)
    assert products_of(structure) == []


def test_edit_product_and_rates(structure_a, client_for):
    """CA-2: the edit page saves the fields and adds / removes rates."""
    structure, owner = structure_a
    product = make_product(structure)
    client = client_for(structure, owner)
    url = f"{OFFER}{product.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Stage voile adultes",
            "price": "210.00",
            "vat_rate": "20.00",
            "min_quantity": "1",
        },
    )
    assert response.status_code == 302
    assert products_of(structure) == [
        ("activity", "Stage voile adultes", Decimal("210.00"), "draft")
    ]

    assert (
        client.post(
            url + "tarifs/ajouter/", {"rate-name": "Adulte", "rate-amount": "210"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            url + "tarifs/ajouter/", {"rate-name": "Enfant", "rate-amount": "150.5"}
        ).status_code
        == 302
    )
    refused = client.post(url + "tarifs/ajouter/", {"rate-name": "Résident", "rate-amount": "-5"})
    assert refused.status_code == 200
    assert refused.context["rate_form"].errors["amount"] == [
        "Le montant du tarif ne peut pas être négatif."
    ]
    with schema_context(structure.schema_name):
        rates = list(Rate.objects.order_by("position").values_list("name", "amount"))
        child = Rate.objects.get(name="Enfant")
    assert rates == [("Adulte", Decimal("210.00")), ("Enfant", Decimal("150.50"))]
    assert client.post(f"{url}tarifs/{child.pk}/supprimer/").status_code == 302
    with schema_context(structure.schema_name):
        assert list(Rate.objects.values_list("name", flat=True)) == ["Adulte"]


def test_publish_unpublish_archive_buttons(structure_a, client_for):
    """CA-1: Publier, Dépublier (back to Brouillon), Archiver; a refusal shows why."""
    structure, owner = structure_a
    product = make_product(structure)
    client = client_for(structure, owner)
    url = f"{OFFER}{product.pk}/"
    response = client.post(url + "publier/", follow=True)
    assert "Choisissez une catégorie avant de publier le produit." in text(response)
    assert products_of(structure)[0][3] == "draft"
    with schema_context(structure.schema_name):
        Product.objects.filter(pk=product.pk).update(category_id=sub_id(structure, "Voile"))
    client.post(url + "publier/")
    assert products_of(structure)[0][3] == "published"
    client.post(url + "depublier/")
    assert products_of(structure)[0][3] == "draft"
    client.post(url + "archiver/")
    assert products_of(structure)[0][3] == "archived"
    page = text(client.get(url))
    assert "Ce produit est archivé : il ne peut plus être modifié." in page
    assert client.get(url + "publier/").status_code == 405


def test_preview_shows_the_product_as_the_shop(structure_a, make_member, client_for):
    """CA-1: the preview shows name, description, price and rates; cashiers may see it."""
    structure, _ = structure_a
    product = make_product(structure, description="Initiation au dériveur")
    with schema_context(structure.schema_name):
        services.rate_add(product=product, name="Enfant", amount=Decimal("80.00"))
    cashier = make_member(structure, Role.CASHIER)
    page = text(client_for(structure, cashier).get(f"{OFFER}{product.pk}/apercu/"))
    assert "Stage voile" in page
    assert "Initiation au dériveur" in page
    assert "100,00 €" in page or "100.00 €" in page
    assert "Enfant" in page and ("80,00 €" in page or "80.00 €" in page)


def test_list_filters_and_search(structure_a, client_for):
    """CA-1: the list filters by kind, status, category, site and searches by name."""
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        port = Site.objects.create(name="Port")
    with schema_context(structure.schema_name):
        voile = Category.objects.get(name="Voile", parent__isnull=False)
        musees = Category.objects.get(name="Musées", parent__isnull=False)
        services.product_create(
            kind="activity",
            data=ProductData(name="Stage voile", price=Decimal(100), category=voile, site=port),
        )
        services.product_create(
            kind="ticket", data=ProductData(name="Entrée musée", price=Decimal(8), category=musees)
        )
    client = client_for(structure, owner)

    def names(query: str) -> list[str]:
        response = client.get(OFFER + query)
        assert response.status_code == 200
        return [p.name for p in response.context["page"].object_list]

    assert names("") == ["Entrée musée", "Stage voile"]
    assert names("?kind=ticket") == ["Entrée musée"]
    assert names(f"?category={voile.pk}") == ["Stage voile"]
    assert names(f"?site={port.pk}") == ["Stage voile"]
    assert names("?q=musée") == ["Entrée musée"]
    assert names("?status=published") == []


@pytest.mark.parametrize("role", [Role.ACCOUNTANT, Role.CASHIER])
def test_roles_without_catalogue_manage_cannot_change_the_offer(
    structure_a, make_member, client_for, role
):
    """CA-1: accountants and cashiers get 403 on the manage pages; nothing changes."""
    structure, _ = structure_a
    product = make_product(structure)
    client = client_for(structure, make_member(structure, role))
    assert client.get(OFFER + "nouveau/?type=activity").status_code == 403
    assert (
        client.post(OFFER + "nouveau/?type=activity", {"name": "X", "price": "1"}).status_code
        == 403
    )
    assert client.get(f"{OFFER}{product.pk}/").status_code == 403
    assert client.post(f"{OFFER}{product.pk}/publier/").status_code == 403
    assert client.post(f"{OFFER}{product.pk}/archiver/").status_code == 403
    assert products_of(structure) == [("activity", "Stage voile", Decimal("100.00"), "draft")]
    expected = 403 if role == Role.ACCOUNTANT else 200
    assert client.get(OFFER).status_code == expected


def test_other_structures_products_are_not_reachable(structure_a, structure_b, client_for):
    """CA-1: a structure's staff cannot see or change another structure's products."""
    structure_one, owner_one = structure_a
    structure_two, owner_two = structure_b
    make_product(structure_two, name="Produit de B")
    product = make_product(structure_two, name="Autre produit de B")
    make_product(structure_one, name="Produit de A")
    client = client_for(structure_one, owner_one)
    listing = text(client.get(OFFER))
    assert "Produit de A" in listing and "de B" not in listing
    with schema_context(structure_one.schema_name):
        assert not Product.objects.filter(pk=product.pk).exists()
    assert client.get(f"{OFFER}{product.pk}/").status_code == 404
    assert client.get(f"{OFFER}{product.pk}/apercu/").status_code == 404
    assert client.post(f"{OFFER}{product.pk}/archiver/").status_code == 404
    # Owner of A on B's host is not a member there.
    assert client_for(structure_two, owner_one).get(OFFER).status_code == 403
    assert (
        client_for(structure_two, owner_one).post(f"{OFFER}{product.pk}/archiver/").status_code
        == 403
    )
    assert products_of(structure_two) == [
        ("activity", "Produit de B", Decimal("100.00"), "draft"),
        ("activity", "Autre produit de B", Decimal("100.00"), "draft"),
    ]


def test_category_filter_lists_each_domain_before_its_sub_domains(structure_a, client_for):
    """CA-1: the category filter reads Culture, Culture > Arts et culture, ..., Sport, ..."""
    structure, owner = structure_a
    response = client_for(structure, owner).get(OFFER)
    labels = [label for _value, label in response.context["filters"].fields["category"].choices]
    assert labels[:4] == ["Toutes", "Culture", "Culture > Arts et culture", "Culture > Musées"]
    sport = labels.index("Sport")
    assert labels[sport : sport + 3] == ["Sport", "Sport > Voile", "Sport > Nautisme"]


def test_product_creation_lists_categories_in_the_filters_order(structure_a, client_for):
    """CA-1 (issue 11): the category list of a new product reads its sub-domains in the order
    of the Offre filter (domain by domain, in the taxonomy's order), after "— Aucune —"."""
    structure, owner = structure_a
    client = client_for(structure, owner)
    filters = client.get(OFFER).context["filters"].fields["category"].choices
    sub_domains = [label for _value, label in filters if " > " in str(label)]
    form = client.get(OFFER + "nouveau/?type=activity").context["form"]
    labels = [label for _value, label in form.fields["category"].choices]
    assert labels[0] == "— Aucune —"
    assert labels[1:] == sub_domains
    assert labels[1:3] == ["Culture > Arts et culture", "Culture > Musées"]

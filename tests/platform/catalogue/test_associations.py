"""Associated products (CA-6): refusals with the reason, nothing saved; the edit page shows every
candidate, the refused ones disabled with their reason."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from ponton.catalogue import services
from ponton.catalogue.models import Product, ProductAssociation
from ponton.catalogue.services import ProductData

KIND_REFUSAL = "Seuls les produits boutique, billets non datés et adhésions peuvent être associés."
CONSUMER_REFUSAL = (
    "L'option « consommateur requis » doit être cochée sur les deux produits ou sur aucun."
)


def new(kind: str, name: str, consumer_required: bool = False) -> Product:
    return services.product_create(
        kind=kind,
        data=ProductData(name=name, price=Decimal(10), consumer_required=consumer_required),
    )


def test_associate_a_shop_item_with_dates_and_mandatory(make_structure):
    """CA-6: a shop item is attached to an activity with its dates and « obligatoire »."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        stage = new(Product.Kind.ACTIVITY, "Stage voile")
        licence = new(Product.Kind.MEMBERSHIP, "Licence FFV")
        association = services.association_add(
            product=stage,
            associated=licence,
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
            mandatory=True,
        )
        assert list(
            ProductAssociation.objects.values_list(
                "product__name", "associated__name", "starts_on", "ends_on", "mandatory"
            )
        ) == [("Stage voile", "Licence FFV", date(2027, 1, 1), date(2027, 12, 31), True)]
        services.association_remove(association=association)
        assert ProductAssociation.objects.count() == 0


@pytest.mark.parametrize(
    "case, field, message",
    [
        ("activity", "associated", KIND_REFUSAL),
        ("self", "associated", "Un produit ne peut pas être associé à lui-même."),
        ("duplicate", "associated", "Ce produit est déjà associé."),
        ("consumer", "associated", CONSUMER_REFUSAL),
        ("dates", "ends_on", "La fin de l'association doit suivre son début."),
    ],
)
def test_refused_associations_save_nothing(make_structure, case, field, message):
    """CA-6: each refusal names its reason and nothing is saved."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = new(Product.Kind.SHOP_ITEM, "T-shirt")
        mug = new(Product.Kind.SHOP_ITEM, "Mug")
        services.association_add(product=product, associated=mug, starts_on=date(2027, 1, 1))
        associated = {
            "activity": new(Product.Kind.ACTIVITY, "Stage"),
            "self": product,
            "duplicate": mug,
            "consumer": new(Product.Kind.TICKET, "Entrée musée", consumer_required=True),
            "dates": new(Product.Kind.TICKET, "Entrée"),
        }[case]
        before = list(ProductAssociation.objects.values_list("pk", flat=True))
        with pytest.raises(ValidationError) as excinfo:
            services.association_add(
                product=product,
                associated=associated,
                starts_on=date(2027, 6, 1),
                ends_on=date(2027, 5, 1) if case == "dates" else None,
            )
        assert excinfo.value.message_dict == {field: [message]}
        assert list(ProductAssociation.objects.values_list("pk", flat=True)) == before


def test_edit_page_lists_candidates_with_reasons_and_adds(structure_a, client_for):
    """CA-6: the « Produits associés » section shows every candidate of an allowed kind; those
    that cannot be associated are disabled with the reason; adding and removing work."""
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        stage = new(Product.Kind.ACTIVITY, "Stage voile")
        new(Product.Kind.ACTIVITY, "Location kayak")
        licence = new(Product.Kind.MEMBERSHIP, "Licence FFV")
        museum = new(Product.Kind.TICKET, "Entrée musée", consumer_required=True)
    client = client_for(structure, owner)
    url = f"/manager/offre/{stage.pk}/"
    page = html.unescape(client.get(url).content.decode())
    assert "Produits associés" in page
    assert f'<option value="{licence.pk}">Licence FFV (Adhésion)</option>' in page
    assert (
        f'<option value="{museum.pk}" disabled>Entrée musée (Billet non daté) — '
        f"{CONSUMER_REFUSAL}</option>"
    ) in page
    assert "Location kayak" not in page

    refused = client.post(
        f"{url}associes/ajouter/",
        {"assoc-associated": museum.pk, "assoc-starts_on": "2027-01-01"},
    )
    assert refused.status_code == 200
    assert CONSUMER_REFUSAL in html.unescape(refused.content.decode())
    with schema_context(structure.schema_name):
        assert ProductAssociation.objects.count() == 0

    response = client.post(
        f"{url}associes/ajouter/",
        {"assoc-associated": licence.pk, "assoc-starts_on": "2027-01-01", "assoc-mandatory": "on"},
    )
    assert response.status_code == 302
    with schema_context(structure.schema_name):
        association = ProductAssociation.objects.get()
        assert (association.associated_id, association.mandatory) == (licence.pk, True)
    page = html.unescape(client.get(url).content.decode())
    assert 'data-row="association-' in page
    assert f'<option value="{licence.pk}" disabled>Licence FFV (Adhésion) — ' in page

    response = client.post(f"{url}associes/{association.pk}/supprimer/")
    assert response.status_code == 302
    with schema_context(structure.schema_name):
        assert ProductAssociation.objects.count() == 0

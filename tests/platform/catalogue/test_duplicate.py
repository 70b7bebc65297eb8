"""Duplicate a membership for next year (CA-5)."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from ponton.catalogue import services
from ponton.catalogue.models import Product
from ponton.catalogue.services import ProductData


def membership(name: str = "Adhésion 2028") -> Product:
    product = services.product_create(
        kind=Product.Kind.MEMBERSHIP,
        data=ProductData(
            name=name,
            price=Decimal("45.00"),
            description="Adhésion annuelle",
            consumer_required=True,
            accounting_code="706100",
            valid_from=date(2028, 2, 29),
            valid_until=date(2029, 2, 28),
            sale_from=date(2028, 1, 15),
            sale_until=date(2028, 12, 31),
        ),
    )
    services.rate_add(product=product, name="Adulte", amount=Decimal("45.00"))
    services.rate_add(product=product, name="Jeune", amount=Decimal("25.00"))
    return product


def test_duplicate_membership_shifts_dates_and_copies_rates(make_structure):
    """CA-5: the copy is a draft with the same fields and rates, dates one year later."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        old = membership()
        copy = services.product_duplicate_membership(
            product=old, name="Adhésion 2029", description="Saison 2029"
        )
        assert copy.pk != old.pk
        assert (copy.kind, copy.status, copy.name, copy.description) == (
            "membership",
            "draft",
            "Adhésion 2029",
            "Saison 2029",
        )
        assert (copy.price, copy.consumer_required, copy.accounting_code) == (
            Decimal("45.00"),
            True,
            "706100",
        )
        assert (copy.valid_from, copy.valid_until, copy.sale_from, copy.sale_until) == (
            date(2029, 2, 28),
            date(2030, 2, 28),
            date(2029, 1, 15),
            date(2029, 12, 31),
        )
        assert list(copy.rates.values_list("name", "amount")) == [
            ("Adulte", Decimal("45.00")),
            ("Jeune", Decimal("25.00")),
        ]
        old.refresh_from_db()
        assert (old.name, old.valid_from, old.rates.count()) == (
            "Adhésion 2028",
            date(2028, 2, 29),
            2,
        )


def test_next_year_name():
    """CA-5: a name ending with the year is prefilled with the next year."""
    assert services.next_year_name("Adhésion 2026") == "Adhésion 2027"
    assert services.next_year_name("Adhésion annuelle") == "Adhésion annuelle"


def test_only_memberships_and_a_name_are_accepted(make_structure):
    """CA-5: duplicating without a name, or a non-membership, is refused; nothing is created."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        old = membership()
        stage = services.product_create(
            kind=Product.Kind.ACTIVITY, data=ProductData(name="Stage", price=Decimal(10))
        )
        with pytest.raises(ValidationError) as excinfo:
            services.product_duplicate_membership(product=old, name="  ", description="")
        assert excinfo.value.message_dict == {"name": ["Indiquez le nom de la nouvelle adhésion."]}
        with pytest.raises(services.ProductError) as error:
            services.product_duplicate_membership(product=stage, name="Stage 2", description="")
        assert str(error.value) == "Seule une adhésion peut être dupliquée pour l'année suivante."
        assert Product.objects.count() == 2


def test_duplicate_page_prefills_and_opens_the_new_product(structure_a, client_for):
    """CA-5: « Dupliquer » prefills « <name> <year+1> », then opens the new product's edit page,
    where the old one can still be archived."""
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        old = membership()
        stage = services.product_create(
            kind=Product.Kind.SHOP_ITEM, data=ProductData(name="Affiche", price=Decimal(10))
        )
    client = client_for(structure, owner)
    edit = html.unescape(client.get(f"/manager/offre/{old.pk}/").content.decode())
    assert f'href="/manager/offre/{old.pk}/dupliquer/"' in edit
    assert "dupliquer/" not in client.get(f"/manager/offre/{stage.pk}/").content.decode()
    assert client.get(f"/manager/offre/{stage.pk}/dupliquer/").status_code == 404

    page = html.unescape(client.get(f"/manager/offre/{old.pk}/dupliquer/").content.decode())
    assert 'value="Adhésion 2029"' in page
    assert "Adhésion annuelle</textarea>" in page

    response = client.post(
        f"/manager/offre/{old.pk}/dupliquer/",
        {"name": "Adhésion 2029", "description": "Adhésion annuelle"},
    )
    with schema_context(structure.schema_name):
        copy = Product.objects.get(name="Adhésion 2029")
    assert response.status_code == 302
    assert response["Location"] == f"/manager/offre/{copy.pk}/?depuis={old.pk}"

    assert client.post(f"/manager/offre/{old.pk}/archiver/").status_code == 302
    with schema_context(structure.schema_name):
        assert Product.objects.get(pk=old.pk).status == "archived"
        assert Product.objects.get(pk=copy.pk).status == "draft"

"""Seasons with their own rates (CA-2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from ponton.catalogue import selectors, services
from ponton.catalogue.models import Product, Rate, Season
from ponton.catalogue.services import ProductData


def new_product(name: str = "Location kayak") -> Product:
    return services.product_create(
        kind=Product.Kind.ACTIVITY, data=ProductData(name=name, price=Decimal(30))
    )


def test_rates_of_the_day_follow_the_seasons(make_structure):
    """CA-2: a season's rates apply within its dates; rates of no season apply all year."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = new_product()
        high = services.season_add(
            product=product,
            name="Haute saison",
            starts_on=date(2027, 7, 1),
            ends_on=date(2027, 8, 31),
        )
        services.rate_add(product=product, name="Adulte", amount=Decimal("30.00"))
        services.rate_add(product=product, name="Adulte été", amount=Decimal("38.00"), season=high)

        def names(day: date) -> list[str]:
            return [rate.name for rate in selectors.rates_on(product=product, day=day)]

        assert names(date(2027, 6, 30)) == ["Adulte"]
        assert names(date(2027, 7, 1)) == ["Adulte", "Adulte été"]
        assert names(date(2027, 9, 1)) == ["Adulte"]
        services.season_remove(season=high)
        assert list(Rate.objects.values_list("name", flat=True)) == ["Adulte"]


def test_bad_seasons_are_refused(make_structure):
    """CA-2: a season ending before it starts, or overlapping another, is refused."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = new_product()
        services.season_add(
            product=product, name="Été", starts_on=date(2027, 7, 1), ends_on=date(2027, 8, 31)
        )
        with pytest.raises(ValidationError) as excinfo:
            services.season_add(
                product=product, name="Août", starts_on=date(2027, 8, 1), ends_on=date(2027, 9, 15)
            )
        assert excinfo.value.message_dict == {
            "starts_on": ["Cette période chevauche une autre saison du produit."]
        }
        with pytest.raises(ValidationError) as excinfo:
            services.season_add(
                product=product, name=" ", starts_on=date(2027, 10, 2), ends_on=date(2027, 10, 1)
            )
        assert excinfo.value.message_dict == {
            "name": ["Donnez un nom à la saison (ex. Haute saison)."],
            "ends_on": ["La fin de saison doit suivre son début."],
        }
        assert list(Season.objects.values_list("name", flat=True)) == ["Été"]


def test_a_rate_cannot_use_another_products_season(make_structure):
    """CA-2: a rate's season belongs to the same product."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product, other = new_product(), new_product("Paddle")
        season = services.season_add(
            product=other, name="Été", starts_on=date(2027, 7, 1), ends_on=date(2027, 8, 31)
        )
        with pytest.raises(ValidationError) as excinfo:
            services.rate_add(product=product, name="Été", amount=Decimal(10), season=season)
        assert excinfo.value.message_dict == {
            "season": ["Cette saison n'appartient pas à ce produit."]
        }
        assert Rate.objects.count() == 0


def test_seasons_on_the_edit_page(make_structure, client_for):
    """CA-2: staff adds a season and a seasonal rate on the product page."""
    structure, owner = make_structure()
    with schema_context(structure.schema_name):
        product = new_product()
    client = client_for(structure, owner)
    url = f"/manager/offre/{product.pk}/"
    refused = client.post(
        url + "saisons/ajouter/",
        {"season-name": "Été", "season-starts_on": "2027-08-31", "season-ends_on": "2027-07-01"},
    )
    assert refused.context["season_form"].errors["ends_on"] == [
        "La fin de saison doit suivre son début."
    ]
    response = client.post(
        url + "saisons/ajouter/",
        {"season-name": "Été", "season-starts_on": "2027-07-01", "season-ends_on": "2027-08-31"},
    )
    assert response.status_code == 302
    with schema_context(structure.schema_name):
        season = Season.objects.get()
    response = client.post(
        url + "tarifs/ajouter/",
        {"rate-name": "Adulte été", "rate-amount": "38", "rate-season": str(season.pk)},
    )
    assert response.status_code == 302
    with schema_context(structure.schema_name):
        assert list(Rate.objects.values_list("name", "amount", "season_id")) == [
            ("Adulte été", Decimal("38.00"), season.pk)
        ]
    page = client.get(url).content.decode()
    assert "Adulte été" in page and "Été" in page
    assert client.post(f"{url}saisons/{season.pk}/supprimer/").status_code == 302
    with schema_context(structure.schema_name):
        assert (Season.objects.count(), Rate.objects.count()) == (0, 0)

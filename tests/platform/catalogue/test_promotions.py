"""Promotions (CA-2): percent or amount, for whom, with active dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from ponton.catalogue import selectors, services
from ponton.catalogue.models import Product, Promotion
from ponton.catalogue.services import ProductData, PromotionData


def new_product(price: str = "45.00") -> Product:
    return services.product_create(
        kind=Product.Kind.TICKET, data=ProductData(name="Entrée musée", price=Decimal(price))
    )


def test_percent_and_amount_promotions_give_exact_prices(make_structure):
    """CA-2: résidents -10 % and a 5 € reduction, to the cent."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = new_product("45.99")
        residents = services.promotion_add(
            product=product,
            data=PromotionData(
                name="Tarif résident", kind="percent", value=Decimal(10), condition=" résidents "
            ),
        )
        five = services.promotion_add(
            product=product, data=PromotionData(name="Bon 5 €", kind="amount", value=Decimal(5))
        )
        assert residents.condition == "résidents"
        assert selectors.promotion_price(promotion=residents, price=product.price) == Decimal(
            "41.39"
        )
        assert selectors.promotion_price(promotion=five, price=product.price) == Decimal("40.99")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            PromotionData(name="", kind="percent", value=Decimal(10)),
            "name",
            "Donnez un nom à la promotion (ex. Tarif résident).",
        ),
        (
            PromotionData(name="Gratuit+", kind="percent", value=Decimal(101)),
            "value",
            "Une réduction en pourcentage ne dépasse pas 100 %.",
        ),
        (
            PromotionData(name="Zéro", kind="amount", value=Decimal(0)),
            "value",
            "La réduction doit être supérieure à zéro.",
        ),
        (
            PromotionData(name="Trop", kind="amount", value=Decimal("45.01")),
            "value",
            "La réduction ne peut pas dépasser le prix affiché.",
        ),
        (
            PromotionData(
                name="Été",
                kind="percent",
                value=Decimal(10),
                starts_on=date(2027, 8, 1),
                ends_on=date(2027, 7, 1),
            ),
            "ends_on",
            "La fin de la promotion doit suivre son début.",
        ),
    ],
)
def test_bad_promotions_are_refused(make_structure, data, field, message):
    """CA-2: bad promotions are refused with a French message, nothing saved."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = new_product()
        with pytest.raises(ValidationError) as excinfo:
            services.promotion_add(product=product, data=data)
        assert excinfo.value.message_dict == {field: [message]}
        assert Promotion.objects.count() == 0


def test_active_promotions_follow_their_dates(make_structure):
    """CA-2: a promotion applies between its dates only."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = new_product()
        summer = services.promotion_add(
            product=product,
            data=PromotionData(
                name="Été",
                kind="percent",
                value=Decimal(20),
                starts_on=date(2027, 7, 1),
                ends_on=date(2027, 8, 31),
            ),
        )
        always = services.promotion_add(
            product=product, data=PromotionData(name="Toujours", kind="amount", value=Decimal(1))
        )
        active = selectors.promotions_active_on
        assert list(active(product=product, day=date(2027, 6, 30))) == [always]
        assert list(active(product=product, day=date(2027, 7, 1))) == [always, summer]
        assert list(active(product=product, day=date(2027, 8, 31))) == [always, summer]
        assert list(active(product=product, day=date(2027, 9, 1))) == [always]
        services.promotion_remove(promotion=summer)
        assert list(Promotion.objects.all()) == [always]


def test_promotion_on_the_edit_page_and_preview(make_structure, client_for):
    """CA-2: staff adds a promotion on the product page; the preview shows the reduced price;
    a bad one shows a French error next to the field."""
    structure, owner = make_structure()
    with schema_context(structure.schema_name):
        product = new_product("40.00")
    client = client_for(structure, owner)
    url = f"/manager/offre/{product.pk}/"
    refused = client.post(
        url + "promotions/ajouter/",
        {"promo-name": "Résident", "promo-kind": "percent", "promo-value": "150"},
    )
    assert refused.status_code == 200
    assert refused.context["promotion_form"].errors["value"] == [
        "Une réduction en pourcentage ne dépasse pas 100 %."
    ]
    response = client.post(
        url + "promotions/ajouter/",
        {
            "promo-name": "Tarif résident",
            "promo-kind": "percent",
            "promo-value": "10",
            "promo-condition": "résidents",
        },
    )
    assert response.status_code == 302
    preview = client.get(url + "apercu/").content.decode()
    assert "Tarif résident (résidents)" in preview
    assert "36,00 €" in preview or "36.00 €" in preview
    with schema_context(structure.schema_name):
        promotion = Promotion.objects.get()
    assert client.post(f"{url}promotions/{promotion.pk}/supprimer/").status_code == 302
    with schema_context(structure.schema_name):
        assert Promotion.objects.count() == 0

"""CA-3 "Stock: dedicated or shared pool": the « Stock » card of a product (no stock, a dedicated
stock with its quantity, or a shared stock), never below what is already sold."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from ponton.catalogue import services
from ponton.catalogue.models import Product, StockPool
from ponton.catalogue.services import ProductData


@pytest.fixture
def tenant(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        yield structure, owner


def poster() -> Product:
    return services.product_create(
        kind=Product.Kind.SHOP_ITEM, data=ProductData(name="Affiche", price=Decimal("7.00"))
    )


def test_dedicated_then_resized_then_shared_then_none(tenant):
    """CA-3: a dedicated stock is created once and resized; a shared stock is reused; « aucun »
    removes the limit."""
    product = poster()
    services.product_set_stock(product=product, mode="dedicated", quantity=50)
    product.refresh_from_db()
    pool = product.stock_pool
    assert (pool.name, pool.shared, pool.quantity, pool.sold) == ("Affiche", False, 50, 0)

    services.stock_take(pool=pool, quantity=5)
    services.product_set_stock(product=product, mode="dedicated", quantity=30)
    product.refresh_from_db()
    assert product.stock_pool_id == pool.pk
    assert (product.stock_pool.quantity, product.stock_pool.sold) == (30, 5)

    shared = services.stock_pool_create(name="Boutique", quantity=100, shared=True)
    services.product_set_stock(product=product, mode="shared", shared_pool=shared)
    product.refresh_from_db()
    assert product.stock_pool_id == shared.pk

    services.product_set_stock(product=product, mode="none")
    product.refresh_from_db()
    assert product.stock_pool is None


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"mode": "dedicated"}, {"quantity": ["Indiquez la quantité du stock dédié."]}),
        (
            {"mode": "dedicated", "quantity": -1},
            {"quantity": ["La quantité ne peut pas être négative."]},
        ),
        (
            {"mode": "dedicated", "quantity": 2},
            {"quantity": ["Impossible de descendre sous les 3 unités déjà vendues."]},
        ),
        ({"mode": "shared"}, {"shared_pool": ["Choisissez un stock partagé."]}),
        ({"mode": "autre"}, {"mode": ["Choisissez le type de stock."]}),
    ],
)
def test_refusals_change_nothing(tenant, kwargs, errors):
    """CA-3: a missing or negative quantity, a quantity below what is sold, a shared stock not
    chosen: refused on the field, nothing changed."""
    product = poster()
    services.product_set_stock(product=product, mode="dedicated", quantity=10)
    product.refresh_from_db()
    services.stock_take(pool=product.stock_pool, quantity=3)
    with pytest.raises(ValidationError) as excinfo:
        services.product_set_stock(product=product, **kwargs)
    assert excinfo.value.message_dict == errors
    product.refresh_from_db()
    assert (product.stock_pool.quantity, product.stock_pool.sold) == (10, 3)
    assert StockPool.objects.count() == 1


def test_a_dedicated_pool_of_another_product_is_not_offered_as_shared(tenant):
    """CA-3: only shared stocks can be chosen as « Stock partagé »."""
    other = poster()
    services.product_set_stock(product=other, mode="dedicated", quantity=4)
    other.refresh_from_db()
    product = poster()
    with pytest.raises(ValidationError) as excinfo:
        services.product_set_stock(product=product, mode="shared", shared_pool=other.stock_pool)
    assert excinfo.value.message_dict == {"shared_pool": ["Choisissez un stock partagé."]}


def test_archived_product_stock_is_refused(tenant):
    """CA-3: an archived product's stock can no longer be changed."""
    product = poster()
    services.product_archive(product=product)
    with pytest.raises(services.ProductError):
        services.product_set_stock(product=product, mode="dedicated", quantity=3)
    assert StockPool.objects.count() == 0


def test_stock_card_on_the_edit_page(tenant, client_for):
    """CA-3: the « Stock » card saves a dedicated stock and shows the refusal next to the field."""
    structure, owner = tenant
    product = poster()
    client = client_for(structure, owner)
    url = f"/manager/offre/{product.pk}/"
    page = html.unescape(client.get(url).content.decode())
    assert "Aucun stock : la quantité vendue n'est pas limitée." in page
    for label in ("Type de stock", "Quantité en stock", "Stock partagé"):
        assert f">{label}</label>" in page

    refused = client.post(url + "stock/", {"stock-mode": "dedicated"})
    assert refused.status_code == 200
    assert refused.context["stock_form"].errors == {
        "quantity": ["Indiquez la quantité du stock dédié."]
    }
    assert StockPool.objects.count() == 0

    saved = client.post(url + "stock/", {"stock-mode": "dedicated", "stock-quantity": "12"})
    assert saved.status_code == 302
    product.refresh_from_db()
    assert (product.stock_pool.quantity, product.stock_pool.shared) == (12, False)
    page = html.unescape(client.get(url).content.decode())
    assert "Stock dédié — disponible : 12 sur 12, vendu : 0" in page

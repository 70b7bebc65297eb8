"""The offer's services (CA-1, CA-2, CA-4): products, rates, statuses, validation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from ponton.catalogue import selectors, services
from ponton.catalogue.models import Category, Product, Rate
from ponton.catalogue.services import ProductData, ProductError


def sub(name: str) -> Category:
    return Category.objects.get(name=name, parent__isnull=False)


def test_new_structure_has_the_category_taxonomy(make_structure):
    """CA-1: every structure starts with the two-level taxonomy, domain > sub-domain."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        assert str(sub("Musées")) == "Culture > Musées"
        assert str(sub("Voile")) == "Sport > Voile"
        domains = list(Category.objects.filter(parent=None).values_list("name", flat=True))
        assert domains == ["Culture", "Sport", "Loisirs", "Nature", "Boutique", "Adhésions"]
        assert [c.name for c in sub("Voile").parent.children.all()][:3] == [
            "Voile",
            "Nautisme",
            "Randonnée",
        ]


def test_product_create_stores_every_field(make_structure):
    """CA-1, CA-2, CA-4: a product is created as a draft with its options."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = services.product_create(
            kind=Product.Kind.ACTIVITY,
            data=ProductData(
                name="Stage Optimist",
                description="Cinq demi-journées",
                category=sub("Voile"),
                price=Decimal("185.50"),
                vat_rate=Decimal("5.50"),
                accounting_code="706100",
                consumer_required=True,
                counter_only=True,
                min_participants=4,
                online_from=date(2027, 3, 1),
                booking_opens_before_hours=720,
                booking_closes_before_hours=24,
                min_quantity=2,
                include_in_mandate_sale=True,
                operating_number="OP-12",
                barcode="3760000000017",
            ),
        )
        product = Product.objects.get(pk=product.pk)
        assert product.status == Product.Status.DRAFT
        assert product.kind == "activity"
        assert product.price == Decimal("185.50")
        assert product.vat_rate == Decimal("5.50")
        assert product.accounting_code == "706100"
        assert (product.consumer_required, product.counter_only, product.associated_only) == (
            True,
            True,
            False,
        )
        assert product.min_participants == 4
        assert product.online_from == date(2027, 3, 1)
        assert (product.booking_opens_before_hours, product.booking_closes_before_hours) == (
            720,
            24,
        )
        assert product.min_quantity == 2
        assert product.include_in_mandate_sale is True
        assert (product.operating_number, product.barcode) == ("OP-12", "3760000000017")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"price": Decimal("-1.00")}, "price", "Le prix ne peut pas être négatif."),
        (
            {"vat_rate": Decimal("19.60")},
            "vat_rate",
            "Taux de TVA non autorisé : choisissez 20, 10, 5,5, 2,1 ou 0 %.",
        ),
        (
            {"accounting_code": "606000"},
            "accounting_code",
            "Le code comptable doit compter 6 à 8 chiffres et commencer par 7 (ex. 706000).",
        ),
        (
            {"accounting_code": "70600"},
            "accounting_code",
            "Le code comptable doit compter 6 à 8 chiffres et commencer par 7 (ex. 706000).",
        ),
        ({"min_quantity": 0}, "min_quantity", "La quantité minimum est d'au moins 1."),
        (
            {"booking_opens_before_hours": 2, "booking_closes_before_hours": 24},
            "booking_closes_before_hours",
            "Les réservations doivent fermer après leur ouverture.",
        ),
        (
            {"valid_from": date(2027, 1, 1)},
            "valid_from",
            "Ces dates ne concernent que les adhésions.",
        ),
        (
            {"counter_only": True, "associated_only": True},
            "associated_only",
            "Un produit ne peut pas être vendu à la fois uniquement au guichet et uniquement "
            "comme produit associé.",
        ),
    ],
)
def test_product_create_refuses_bad_input(make_structure, fields, field, message):
    """CA-2, CA-4: bad input is refused with a French message on the field, nothing saved."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        data = ProductData(name="Tee-shirt", price=Decimal("15.00"))
        for name, value in fields.items():
            setattr(data, name, value)
        with pytest.raises(ValidationError) as excinfo:
            services.product_create(kind=Product.Kind.SHOP_ITEM, data=data)
        assert excinfo.value.message_dict[field] == [message]
        assert Product.objects.count() == 0


def test_product_create_refuses_a_domain_as_category(make_structure):
    """CA-1: a product goes into a sub-domain, not a domain."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        culture = Category.objects.get(name="Culture", parent=None)
        with pytest.raises(ValidationError) as excinfo:
            services.product_create(
                kind=Product.Kind.TICKET,
                data=ProductData(name="Entrée", price=Decimal("8.00"), category=culture),
            )
        assert excinfo.value.message_dict["category"] == [
            "Choisissez un sous-domaine (ex. Culture > Musées), pas un domaine."
        ]
        assert Product.objects.count() == 0


def test_membership_dates_must_be_in_order(make_structure):
    """CA-1: a membership has validity and sale periods, each in order."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        data = ProductData(
            name="Adhésion 2027",
            price=Decimal("30.00"),
            valid_from=date(2027, 1, 1),
            valid_until=date(2027, 12, 31),
            sale_from=date(2026, 12, 1),
            sale_until=date(2026, 11, 1),
        )
        with pytest.raises(ValidationError) as excinfo:
            services.product_create(kind=Product.Kind.MEMBERSHIP, data=data)
        assert excinfo.value.message_dict == {
            "sale_until": ["La fin de la vente doit suivre le début de la vente."]
        }
        data.sale_until = date(2027, 6, 30)
        product = services.product_create(kind=Product.Kind.MEMBERSHIP, data=data)
        assert (product.valid_from, product.valid_until) == (date(2027, 1, 1), date(2027, 12, 31))


def test_product_update_refused_changes_nothing(make_structure):
    """CA-2: a refused update leaves the product as it was."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = services.product_create(
            kind=Product.Kind.SHOP_ITEM, data=ProductData(name="Casquette", price=Decimal("12.00"))
        )
        with pytest.raises(ValidationError):
            services.product_update(
                product=product, data=ProductData(name="Casquette bleue", price=Decimal("-3"))
            )
        product.refresh_from_db()
        assert (product.name, product.price) == ("Casquette", Decimal("12.00"))
        services.product_update(
            product=product, data=ProductData(name="Casquette bleue", price=Decimal("14.90"))
        )
        product.refresh_from_db()
        assert (product.name, product.price) == ("Casquette bleue", Decimal("14.90"))


def test_publish_unpublish_archive(make_structure):
    """CA-1: draft -> published -> draft -> archived; wrong transitions are refused."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = services.product_create(
            kind=Product.Kind.TICKET, data=ProductData(name="Entrée musée", price=Decimal("8"))
        )
        with pytest.raises(ProductError, match="Choisissez une catégorie avant de publier"):
            services.product_publish(product=product)
        assert Product.objects.get(pk=product.pk).status == "draft"

        product.category = sub("Musées")
        product.save(update_fields=["category"])
        services.product_publish(product=product)
        assert Product.objects.get(pk=product.pk).status == "published"
        with pytest.raises(ProductError, match="Seul un produit en brouillon peut être publié."):
            services.product_publish(product=product)

        services.product_unpublish(product=product)
        assert Product.objects.get(pk=product.pk).status == "draft"
        with pytest.raises(ProductError, match="Seul un produit publié peut être dépublié."):
            services.product_unpublish(product=product)

        services.product_archive(product=product)
        assert Product.objects.get(pk=product.pk).status == "archived"
        with pytest.raises(ProductError, match="Ce produit est déjà archivé."):
            services.product_archive(product=product)
        with pytest.raises(ProductError, match="Seul un produit en brouillon peut être publié."):
            services.product_publish(product=product)
        with pytest.raises(ProductError, match="Un produit archivé ne peut plus être modifié."):
            services.product_update(product=product, data=ProductData(name="X", price=Decimal(1)))
        assert Product.objects.get(pk=product.pk).status == "archived"
        assert Product.objects.get(pk=product.pk).name == "Entrée musée"


def test_rates_add_and_remove(make_structure):
    """CA-2: named rates in order; a negative amount or an empty name is refused."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = services.product_create(
            kind=Product.Kind.ACTIVITY, data=ProductData(name="Balade", price=Decimal("20"))
        )
        adult = services.rate_add(product=product, name="Adulte", amount=Decimal("20.00"))
        services.rate_add(product=product, name=" Enfant ", amount=Decimal("12.50"))
        with pytest.raises(ValidationError) as excinfo:
            services.rate_add(product=product, name="", amount=Decimal("-1"))
        assert excinfo.value.message_dict == {
            "name": ["Donnez un nom au tarif (ex. Adulte)."],
            "amount": ["Le montant du tarif ne peut pas être négatif."],
        }
        assert list(product.rates.values_list("name", "amount", "position")) == [
            ("Adulte", Decimal("20.00"), 0),
            ("Enfant", Decimal("12.50"), 1),
        ]
        services.rate_remove(rate=adult)
        assert list(Rate.objects.values_list("name", flat=True)) == ["Enfant"]


def test_dedicated_stock_serves_one_product_shared_serves_many(make_structure):
    """CA-3: a dedicated pool belongs to one product; a shared pool to several."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        dedicated = services.stock_pool_create(name="Tee-shirts", quantity=10)
        shared = services.stock_pool_create(name="Places bateau", quantity=8, shared=True)
        services.product_create(
            kind=Product.Kind.SHOP_ITEM,
            data=ProductData(name="Tee-shirt", price=Decimal("15"), stock_pool=dedicated),
        )
        with pytest.raises(ValidationError) as excinfo:
            services.product_create(
                kind=Product.Kind.SHOP_ITEM,
                data=ProductData(name="Tee-shirt XL", price=Decimal("15"), stock_pool=dedicated),
            )
        assert excinfo.value.message_dict["stock_pool"] == [
            "Ce stock est dédié à un autre produit : choisissez un stock partagé."
        ]
        for name in ("Balade matin", "Balade soir"):
            services.product_create(
                kind=Product.Kind.ACTIVITY,
                data=ProductData(name=name, price=Decimal("20"), stock_pool=shared),
            )
        assert shared.products.count() == 2
        assert Product.objects.count() == 3


def test_product_list_filters_and_search(make_structure):
    """CA-1: the list filters by kind, status, category (domain or sub-domain), site, name."""
    from ponton.catalogue.models import Site

    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        port = Site.objects.create(name="Port")
        a = services.product_create(
            kind=Product.Kind.ACTIVITY,
            data=ProductData(
                name="Stage voile", price=Decimal(100), category=sub("Voile"), site=port
            ),
        )
        b = services.product_create(
            kind=Product.Kind.TICKET,
            data=ProductData(name="Entrée musée", price=Decimal(8), category=sub("Musées")),
        )
        c = services.product_create(
            kind=Product.Kind.SHOP_ITEM, data=ProductData(name="Carte postale", price=Decimal(1))
        )
        services.product_publish(product=b)
        sport = Category.objects.get(name="Sport", parent=None)
        assert list(selectors.product_list()) == [c, b, a]
        assert list(selectors.product_list(kind="ticket")) == [b]
        assert list(selectors.product_list(status="draft")) == [c, a]
        assert list(selectors.product_list(category_id=sport.pk)) == [a]
        assert list(selectors.product_list(category_id=sub("Musées").pk)) == [b]
        assert list(selectors.product_list(site_id=port.pk)) == [a]
        assert list(selectors.product_list(query="MUSÉE")) == [b]
        assert list(selectors.product_list(query="zzz")) == []

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from ponton.catalogue.models import (
    Category,
    CustomField,
    Product,
    ProductAssociation,
    ProductPhoto,
    Promotion,
    Rate,
    Season,
    Site,
)


def mandatory_associations(*, today: date):
    """Associations that add their product to the basket by themselves on `today` (CA-6)."""
    return ProductAssociation.objects.filter(mandatory=True, starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )


def products_for_basket(ids) -> Mapping[int, Product]:
    """Products of basket lines by id, each knowing whether it has mandatory associated
    products today (`has_mandatory_associations`) and required custom fields
    (`has_required_fields`): the basket's checks read those only for products that have some
    (OR-1, CA-6, CA-7)."""
    return Product.objects.annotate(
        has_mandatory_associations=Exists(
            mandatory_associations(today=timezone.localdate()).filter(product=OuterRef("pk"))
        ),
        has_required_fields=Exists(
            CustomField.objects.filter(required=True, products=OuterRef("pk"))
        ),
    ).in_bulk(ids)


def site_list():
    return Site.objects.all()


def access_site(*, site_id: int) -> Site:
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        raise Http404
    return site


def category_list():
    """Sub-domains with their domain, in the taxonomy's order (CA-1)."""
    return (
        Category.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("parent__position", "parent__name", "position", "name")
    )


def product_list(
    *,
    query: str = "",
    kind: str = "",
    status: str = "",
    category_id: int | None = None,
    site_id: int | None = None,
):
    products = Product.objects.select_related("category__parent", "site")
    if query:
        products = products.filter(name__icontains=query)
    if kind:
        products = products.filter(kind=kind)
    if status:
        products = products.filter(status=status)
    if category_id:
        products = products.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    if site_id:
        products = products.filter(site_id=site_id)
    return products.order_by("name", "pk")


def access_product(*, product_id: int) -> Product:
    product = (
        Product.objects.select_related("category__parent", "site", "stock_pool")
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise Http404
    return product


def access_rate(*, product: Product, rate_id: int) -> Rate:
    rate = Rate.objects.filter(product=product, pk=rate_id).first()
    if rate is None:
        raise Http404
    return rate


def access_photo(*, product: Product, photo_id: int) -> ProductPhoto:
    photo = ProductPhoto.objects.filter(product=product, pk=photo_id).first()
    if photo is None:
        raise Http404
    return photo


def promotion_price(*, promotion: Promotion, price: Decimal) -> Decimal:
    """The price once the promotion applies, to the cent, never below zero (CA-2)."""
    if promotion.kind == Promotion.Kind.PERCENT:
        reduced = price * (Decimal(100) - promotion.value) / Decimal(100)
    else:
        reduced = price - promotion.value
    return max(reduced, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def promotions_active_on(*, product: Product, day: date):
    return product.promotions.filter(
        Q(starts_on__isnull=True) | Q(starts_on__lte=day),
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
    )


def access_promotion(*, product: Product, promotion_id: int) -> Promotion:
    promotion = Promotion.objects.filter(product=product, pk=promotion_id).first()
    if promotion is None:
        raise Http404
    return promotion


def rates_on(*, product: Product, day: date):
    """The rates that apply on that day: those of no season plus those of the day's season."""
    return (
        product.rates.filter(
            Q(season__isnull=True) | Q(season__starts_on__lte=day, season__ends_on__gte=day)
        )
        .select_related("season")
        .order_by("position", "pk")
    )


def access_season(*, product: Product, season_id: int) -> Season:
    season = Season.objects.filter(product=product, pk=season_id).first()
    if season is None:
        raise Http404
    return season


def associations_of(*, product: Product):
    return product.associations.select_related("associated")


def association_candidates(*, product: Product):
    """Every product of a kind that may be associated (CA-6), the product itself excluded."""
    from ponton.catalogue.services import ASSOCIABLE_KINDS

    return (
        Product.objects.filter(kind__in=ASSOCIABLE_KINDS)
        .exclude(pk=product.pk)
        .exclude(status=Product.Status.ARCHIVED)
        .order_by("name", "pk")
    )


def access_association(*, product: Product, association_id: int) -> ProductAssociation:
    association = ProductAssociation.objects.filter(product=product, pk=association_id).first()
    if association is None:
        raise Http404
    return association


def custom_field_list():
    return CustomField.objects.prefetch_related("products")


def access_custom_field(*, field_id: int) -> CustomField:
    field = CustomField.objects.filter(pk=field_id).first()
    if field is None:
        raise Http404
    return field

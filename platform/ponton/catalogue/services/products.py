"""Products of four kinds: their checks, status changes, and the duplication of a membership
(CA-1, CA-2, CA-4, CA-5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import overload

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ponton.catalogue import vat
from ponton.catalogue.models import (
    VAT_RATES,
    Category,
    Product,
    Rate,
    Season,
    Site,
    StockPool,
)


class ProductError(Exception):
    """A refused change of status, with a French message for the user."""


PRODUCT_FIELDS = (
    "name",
    "description",
    "category",
    "price",
    "vat_rate",
    "vat_exemption",
    "accounting_code",
    "consumer_required",
    "counter_only",
    "associated_only",
    "min_participants",
    "online_from",
    "booking_opens_before_hours",
    "booking_closes_before_hours",
    "min_quantity",
    "include_in_mandate_sale",
    "operating_number",
    "barcode",
    "site",
    "stock_pool",
    "valid_from",
    "valid_until",
    "sale_from",
    "sale_until",
)


@dataclass
class ProductData:
    name: str
    price: Decimal
    description: str = ""
    category: Category | None = None
    vat_rate: Decimal = Decimal("20.00")
    vat_exemption: str = ""
    accounting_code: str = ""
    consumer_required: bool = False
    counter_only: bool = False
    associated_only: bool = False
    min_participants: int | None = None
    online_from: date | None = None
    booking_opens_before_hours: int | None = None
    booking_closes_before_hours: int | None = None
    min_quantity: int = 1
    include_in_mandate_sale: bool = False
    operating_number: str = ""
    barcode: str = ""
    site: Site | None = None
    stock_pool: StockPool | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    sale_from: date | None = None
    sale_until: date | None = None

    @classmethod
    def from_form(cls, cleaned: dict, product: Product | None = None) -> ProductData:
        """The form's values; fields the form does not show keep the product's values."""
        values = {name: getattr(product, name) for name in PRODUCT_FIELDS} if product else {}
        values.update({name: cleaned[name] for name in PRODUCT_FIELDS if name in cleaned})
        return cls(**values)


def _check_product(product: Product) -> None:
    """Field checks of the model plus the rules between fields; raise ValidationError."""
    errors: dict[str, list[str]] = {}
    try:
        product.full_clean(exclude=["status", "vat_rate"], validate_constraints=False)
    except ValidationError as e:
        errors.update(e.message_dict)
    if product.price is not None and product.price < 0:
        errors.setdefault("price", []).append(_("Le prix ne peut pas être négatif."))
    if product.vat_rate not in {Decimal(rate) for rate in VAT_RATES}:
        errors.setdefault("vat_rate", []).append(
            _("Taux de TVA non autorisé : choisissez 20, 10, 5,5, 2,1 ou 0 %.")
        )
    if product.vat_exemption and product.vat_rate != 0:
        errors.setdefault("vat_exemption", []).append(str(vat.RATE_REFUSED))
    if product.min_quantity is not None and product.min_quantity < 1:
        errors.setdefault("min_quantity", []).append(_("La quantité minimum est d'au moins 1."))
    if product.valid_from and product.valid_until and product.valid_until < product.valid_from:
        errors.setdefault("valid_until", []).append(
            _("La fin de validité doit suivre le début de validité.")
        )
    if product.sale_from and product.sale_until and product.sale_until < product.sale_from:
        errors.setdefault("sale_until", []).append(
            _("La fin de la vente doit suivre le début de la vente.")
        )
    if product.kind != Product.Kind.MEMBERSHIP:
        for name in ("valid_from", "valid_until", "sale_from", "sale_until"):
            if getattr(product, name):
                errors.setdefault(name, []).append(_("Ces dates ne concernent que les adhésions."))
    opens, closes = product.booking_opens_before_hours, product.booking_closes_before_hours
    if opens is not None and closes is not None and closes > opens:
        errors.setdefault("booking_closes_before_hours", []).append(
            _("Les réservations doivent fermer après leur ouverture.")
        )
    if product.counter_only and product.associated_only:
        errors.setdefault("associated_only", []).append(
            _(
                "Un produit ne peut pas être vendu à la fois uniquement au guichet et uniquement "
                "comme produit associé."
            )
        )
    pool = product.stock_pool
    if pool is not None and not pool.shared:
        others = pool.products.exclude(pk=product.pk)
        if others.exists():
            errors.setdefault("stock_pool", []).append(
                _("Ce stock est dédié à un autre produit : choisissez un stock partagé.")
            )
    category = product.category if product.category_id else None
    if category is not None and category.parent_id is None:
        errors.setdefault("category", []).append(
            _("Choisissez un sous-domaine (ex. Culture > Musées), pas un domaine.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def product_create(*, kind: str, data: ProductData) -> Product:
    if kind not in Product.Kind.values:
        raise ValidationError({"kind": [_("Type de produit inconnu.")]})
    product = Product(kind=kind, status=Product.Status.DRAFT)
    for name in PRODUCT_FIELDS:
        setattr(product, name, getattr(data, name))
    _check_product(product)
    product.save()
    return product


@transaction.atomic
def product_update(*, product: Product, data: ProductData) -> Product:
    locked = Product.objects.select_for_update().get(pk=product.pk)
    if locked.status == Product.Status.ARCHIVED:
        raise ProductError(_("Un produit archivé ne peut plus être modifié."))
    for name in PRODUCT_FIELDS:
        setattr(locked, name, getattr(data, name))
    _check_product(locked)
    locked.save()
    return locked


def _set_status(*, product: Product, status: str, allowed_from: tuple[str, ...], refusal: str):
    locked = Product.objects.select_for_update().get(pk=product.pk)
    if locked.status not in allowed_from:
        raise ProductError(refusal)
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    product.status = status
    return locked


@transaction.atomic
def product_publish(*, product: Product) -> Product:
    locked = Product.objects.select_for_update().get(pk=product.pk)
    if locked.status == Product.Status.DRAFT and locked.category_id is None:
        raise ProductError(_("Choisissez une catégorie avant de publier le produit."))
    return _set_status(
        product=product,
        status=Product.Status.PUBLISHED,
        allowed_from=(Product.Status.DRAFT,),
        refusal=_("Seul un produit en brouillon peut être publié."),
    )


@transaction.atomic
def product_unpublish(*, product: Product) -> Product:
    return _set_status(
        product=product,
        status=Product.Status.DRAFT,
        allowed_from=(Product.Status.PUBLISHED,),
        refusal=_("Seul un produit publié peut être dépublié."),
    )


@transaction.atomic
def product_archive(*, product: Product) -> Product:
    return _set_status(
        product=product,
        status=Product.Status.ARCHIVED,
        allowed_from=(Product.Status.DRAFT, Product.Status.PUBLISHED),
        refusal=_("Ce produit est déjà archivé."),
    )


@overload
def next_year(day: date) -> date: ...
@overload
def next_year(day: None) -> None: ...
def next_year(day: date | None) -> date | None:
    """The same day one year later; 29 February becomes 28 February."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def next_year_name(name: str) -> str:
    """« Adhésion 2026 » → « Adhésion 2027 »; a name not ending with a year is kept."""
    head, _sep, tail = name.rpartition(" ")
    if len(tail) == 4 and tail.isdigit():
        return f"{head} {int(tail) + 1}" if head else str(int(tail) + 1)
    return name


@transaction.atomic
def product_duplicate_membership(*, product: Product, name: str, description: str) -> Product:
    """A new draft membership with the same fields and rates, dates one year later (CA-5)."""
    if product.kind != Product.Kind.MEMBERSHIP:
        raise ProductError(_("Seule une adhésion peut être dupliquée pour l'année suivante."))
    if not name.strip():
        raise ValidationError({"name": [_("Indiquez le nom de la nouvelle adhésion.")]})
    source = Product.objects.select_related("stock_pool").get(pk=product.pk)
    copy = Product(kind=source.kind, status=Product.Status.DRAFT)
    for field in PRODUCT_FIELDS:
        setattr(copy, field, getattr(source, field))
    copy.name = name.strip()
    copy.description = description
    for field in ("valid_from", "valid_until", "sale_from", "sale_until", "online_from"):
        setattr(copy, field, next_year(getattr(source, field)))
    if copy.stock_pool is not None and not copy.stock_pool.shared:
        copy.stock_pool = None
    _check_product(copy)
    copy.save()
    seasons: dict[int | None, Season] = {}
    for season in source.seasons.all():
        seasons[season.pk] = Season.objects.create(
            product=copy,
            name=season.name,
            starts_on=next_year(season.starts_on),
            ends_on=next_year(season.ends_on),
        )
    for rate in source.rates.all():
        Rate.objects.create(
            product=copy,
            name=rate.name,
            amount=rate.amount,
            season=seasons.get(rate.season_id),
            position=rate.position,
        )
    return copy


# --- Custom fields asked at order time (CA-7) -----------------------------------------------

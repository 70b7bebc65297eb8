from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from ponton.catalogue.models import (
    VAT_RATES,
    Category,
    CustomField,
    Product,
    ProductAssociation,
    ProductPhoto,
    Promotion,
    Rate,
    Season,
    Site,
    StockPool,
)
from tenants.validators import validate_image_upload


@transaction.atomic
def site_create(
    *,
    name: str,
    address_line1: str = "",
    address_line2: str = "",
    postal_code: str = "",
    city: str = "",
    latitude=None,
    longitude=None,
    is_production: bool = True,
) -> Site:
    return Site.objects.create(
        name=name,
        address_line1=address_line1,
        address_line2=address_line2,
        postal_code=postal_code,
        city=city,
        latitude=latitude,
        longitude=longitude,
        is_production=is_production,
    )


@transaction.atomic
def site_update(*, site: Site, fields: dict) -> Site:
    for name, value in fields.items():
        setattr(site, name, value)
    site.save(update_fields=list(fields))
    return site


@transaction.atomic
def site_delete(*, site: Site) -> None:
    site.delete()


# --- The offer (CA-1 .. CA-4) ---------------------------------------------------------------


class ProductError(Exception):
    """A refused change of status, with a French message for the user."""


PRODUCT_FIELDS = (
    "name",
    "description",
    "category",
    "price",
    "vat_rate",
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
    if product.category_id and product.category.parent_id is None:
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


@transaction.atomic
def season_add(*, product: Product, name: str, starts_on: date, ends_on: date) -> Season:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Donnez un nom à la saison (ex. Haute saison).")]
    if starts_on is None:
        errors["starts_on"] = [_("Indiquez le début de la saison.")]
    if ends_on is None:
        errors["ends_on"] = [_("Indiquez la fin de la saison.")]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("La fin de saison doit suivre son début.")]
    elif starts_on and ends_on:
        overlapping = product.seasons.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
        if overlapping.exists():
            errors["starts_on"] = [_("Cette période chevauche une autre saison du produit.")]
    if errors:
        raise ValidationError(errors)
    return Season.objects.create(
        product=product, name=name.strip(), starts_on=starts_on, ends_on=ends_on
    )


@transaction.atomic
def season_remove(*, season: Season) -> None:
    """Remove the season and its own rates."""
    season.delete()


@transaction.atomic
def rate_add(*, product: Product, name: str, amount: Decimal, season: Season | None = None) -> Rate:
    errors: dict[str, list[str]] = {}
    if season is not None and season.product_id != product.pk:
        errors["season"] = [_("Cette saison n'appartient pas à ce produit.")]
    if not name.strip():
        errors["name"] = [_("Donnez un nom au tarif (ex. Adulte).")]
    if amount is None or amount < 0:
        errors["amount"] = [_("Le montant du tarif ne peut pas être négatif.")]
    if errors:
        raise ValidationError(errors)
    last = product.rates.order_by("-position").values_list("position", flat=True).first()
    return Rate.objects.create(
        product=product,
        name=name.strip(),
        amount=amount,
        season=season,
        position=0 if last is None else last + 1,
    )


@transaction.atomic
def rate_remove(*, rate: Rate) -> None:
    rate.delete()


@transaction.atomic
def stock_pool_create(*, name: str, quantity: int, shared: bool = False) -> StockPool:
    if quantity < 0:
        raise ValidationError({"quantity": [_("La quantité ne peut pas être négative.")]})
    return StockPool.objects.create(name=name, quantity=quantity, shared=shared)


def stock_take(*, pool: StockPool, quantity: int) -> bool:
    """Take `quantity` units from the pool in one conditional UPDATE (CA-3): never oversells,
    even under concurrent sales. False when not enough is left (nothing taken)."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    taken = StockPool.objects.filter(pk=pool.pk, sold__lte=F("quantity") - quantity).update(
        sold=F("sold") + quantity
    )
    return taken == 1


@transaction.atomic
def product_set_stock(
    *,
    product: Product,
    mode: str,
    quantity: int | None = None,
    shared_pool: StockPool | None = None,
) -> Product:
    """CA-3: no stock ("none"), a stock dedicated to the product ("dedicated": its own pool,
    created or resized, never below what is sold) or a shared pool ("shared")."""
    locked = Product.objects.select_for_update().get(pk=product.pk)
    if locked.status == Product.Status.ARCHIVED:
        raise ProductError(_("Un produit archivé ne peut plus être modifié."))
    current = (
        StockPool.objects.select_for_update().get(pk=locked.stock_pool_id)
        if locked.stock_pool_id
        else None
    )
    if mode == "dedicated":
        if quantity is None:
            raise ValidationError({"quantity": [_("Indiquez la quantité du stock dédié.")]})
        if quantity < 0:
            raise ValidationError({"quantity": [_("La quantité ne peut pas être négative.")]})
        if current is not None and not current.shared:
            if quantity < current.sold:
                raise ValidationError(
                    {
                        "quantity": [
                            _("Impossible de descendre sous les %(sold)s unités déjà vendues.")
                            % {"sold": current.sold}
                        ]
                    }
                )
            current.quantity = quantity
            current.save(update_fields=["quantity"])
            pool = current
        else:
            pool = StockPool.objects.create(name=locked.name, quantity=quantity, shared=False)
    elif mode == "shared":
        if shared_pool is None or not shared_pool.shared:
            raise ValidationError({"shared_pool": [_("Choisissez un stock partagé.")]})
        pool = shared_pool
    elif mode == "none":
        pool = None
    else:
        raise ValidationError({"mode": [_("Choisissez le type de stock.")]})
    locked.stock_pool = pool
    locked.save(update_fields=["stock_pool", "updated_at"])
    product.stock_pool = pool
    return locked


THUMBNAIL_SIZE = (400, 400)


def _thumbnail_of(upload) -> ContentFile:
    upload.seek(0)
    with Image.open(upload) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMBNAIL_SIZE)
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
    upload.seek(0)
    return ContentFile(buffer.getvalue())


@transaction.atomic
def photo_add(*, product: Product, upload) -> ProductPhoto:
    """Check the file by its content, store it and a thumbnail in the structure's storage."""
    try:
        validate_image_upload(upload)
    except ValidationError as e:
        raise ValidationError({"image": e.messages}) from e
    thumbnail = _thumbnail_of(upload)
    last = product.photos.order_by("-position").values_list("position", flat=True).first()
    photo = ProductPhoto(product=product, position=0 if last is None else last + 1)
    stem = f"{product.pk}-{uuid.uuid4().hex[:12]}"
    extension = Path(upload.name or "").suffix.lower()[:5] or ".img"
    photo.image.save(f"{stem}{extension}", upload, save=False)
    photo.thumbnail.save(f"{stem}.jpg", thumbnail, save=False)
    names = [photo.image.name, photo.thumbnail.name]
    try:
        photo.save()
    except Exception:
        for name in names:
            default_storage.delete(name)
        raise
    return photo


@transaction.atomic
def photo_remove(*, photo: ProductPhoto) -> None:
    names = [photo.image.name, photo.thumbnail.name]
    photo.delete()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


@dataclass
class PromotionData:
    name: str
    kind: str
    value: Decimal
    condition: str = ""
    starts_on: date | None = None
    ends_on: date | None = None


@transaction.atomic
def promotion_add(*, product: Product, data: PromotionData) -> Promotion:
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        errors["name"] = [_("Donnez un nom à la promotion (ex. Tarif résident).")]
    if data.kind not in Promotion.Kind.values:
        errors["kind"] = [_("Choisissez un pourcentage ou un montant.")]
    if data.value is None or data.value <= 0:
        errors["value"] = [_("La réduction doit être supérieure à zéro.")]
    elif data.kind == Promotion.Kind.PERCENT and data.value > 100:
        errors["value"] = [_("Une réduction en pourcentage ne dépasse pas 100 %.")]
    elif data.kind == Promotion.Kind.AMOUNT and data.value > product.price:
        errors["value"] = [_("La réduction ne peut pas dépasser le prix affiché.")]
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = [_("La fin de la promotion doit suivre son début.")]
    if errors:
        raise ValidationError(errors)
    return Promotion.objects.create(
        product=product,
        name=data.name.strip(),
        kind=data.kind,
        value=data.value,
        condition=data.condition.strip(),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
    )


@transaction.atomic
def promotion_remove(*, promotion: Promotion) -> None:
    promotion.delete()


# --- Associated products (CA-6) -------------------------------------------------------------

ASSOCIABLE_KINDS = (Product.Kind.SHOP_ITEM, Product.Kind.TICKET, Product.Kind.MEMBERSHIP)


def association_refusal(*, product: Product, associated: Product) -> str | None:
    """Why `associated` cannot be attached to `product`, in French; None when it can (CA-6)."""
    if associated.kind not in ASSOCIABLE_KINDS:
        return _(
            "Seuls les produits boutique, billets non datés et adhésions peuvent être associés."
        )
    if associated.pk == product.pk:
        return _("Un produit ne peut pas être associé à lui-même.")
    if ProductAssociation.objects.filter(product=product, associated=associated).exists():
        return _("Ce produit est déjà associé.")
    if associated.consumer_required != product.consumer_required:
        return _(
            "L'option « consommateur requis » doit être cochée sur les deux produits ou sur aucun."
        )
    return None


@transaction.atomic
def association_add(
    *,
    product: Product,
    associated: Product,
    starts_on: date,
    ends_on: date | None = None,
    mandatory: bool = False,
) -> ProductAssociation:
    locked = Product.objects.select_for_update().get(pk=product.pk)
    errors: dict[str, list[str]] = {}
    refusal = association_refusal(product=locked, associated=associated)
    if refusal:
        errors["associated"] = [refusal]
    if starts_on is None:
        errors["starts_on"] = [_("Indiquez la date de début de l'association.")]
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("La fin de l'association doit suivre son début.")]
    if errors:
        raise ValidationError(errors)
    return ProductAssociation.objects.create(
        product=locked,
        associated=associated,
        starts_on=starts_on,
        ends_on=ends_on,
        mandatory=mandatory,
    )


@transaction.atomic
def association_remove(*, association: ProductAssociation) -> None:
    association.delete()


# --- Duplicate a membership for next year (CA-5) --------------------------------------------


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
    seasons = {}
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


@transaction.atomic
def custom_field_create(
    *,
    label: str,
    kind: str,
    asked_for: str,
    required: bool = False,
    choices: str = "",
    products=(),
) -> CustomField:
    errors: dict[str, list[str]] = {}
    if not label.strip():
        errors["label"] = [_("Indiquez le libellé du champ.")]
    if kind not in CustomField.Kind.values:
        errors["kind"] = [_("Choisissez le type du champ.")]
    if asked_for not in CustomField.AskedFor.values:
        errors["asked_for"] = [_("Choisissez à qui la question est posée.")]
    lines = [line.strip() for line in choices.splitlines() if line.strip()]
    if kind == CustomField.Kind.CHOICE and len(lines) < 2:
        errors["choices"] = [_("Indiquez au moins deux choix, un par ligne.")]
    elif kind != CustomField.Kind.CHOICE and lines:
        errors["choices"] = [_("Les choix ne concernent que les champs à choix multiple.")]
    if errors:
        raise ValidationError(errors)
    field = CustomField.objects.create(
        label=label.strip(),
        kind=kind,
        asked_for=asked_for,
        required=required,
        choices="\n".join(lines),
    )
    field.products.set(products)
    return field


@transaction.atomic
def custom_field_delete(*, field: CustomField) -> None:
    field.delete()

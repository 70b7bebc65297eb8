"""Seasons, rates and promotions of a product (CA-2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ponton.catalogue.models import (
    Product,
    Promotion,
    Rate,
    Season,
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

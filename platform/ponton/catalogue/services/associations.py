"""Associated products and the "consommateur requis" rule (CA-6)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ponton.catalogue.models import (
    Product,
    ProductAssociation,
)

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

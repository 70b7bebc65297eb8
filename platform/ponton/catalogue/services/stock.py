"""Stock pools: dedicated or shared, never oversold (CA-3)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from ponton.catalogue.models import (
    Product,
    StockPool,
)
from ponton.catalogue.services.products import ProductError


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

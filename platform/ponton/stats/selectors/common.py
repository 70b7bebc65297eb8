"""What both statistics pages share: the filters (site, activity or product, category), the
figures' rounding and the labels of the rows with no site, no product, no category."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from ponton.catalogue.models import Category, Product, Site

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Filters:
    """Narrow the figures to one site, one product (an activity for attendance) or one
    category (a domain takes its sub-domains with it)."""

    site_id: int | None = None
    product_id: int | None = None
    category_id: int | None = None

    def category_ids(self) -> list[int]:
        if self.category_id is None:
            return []
        children = Category.objects.filter(parent_id=self.category_id).values_list("pk", flat=True)
        return [self.category_id, *children]

    def product_q(self, prefix: str) -> Q:
        """The product and category filters on a relation to Product named `prefix`."""
        q = Q()
        if self.product_id is not None:
            q &= Q(**{f"{prefix}_id": self.product_id})
        if self.category_id is not None:
            q &= Q(**{f"{prefix}__category_id__in": self.category_ids()})
        return q


def rate_percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole in percent, one decimal, half up; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def site_names(ids) -> dict[int | None, str]:
    names: dict[int | None, str] = dict(
        Site.objects.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", "name")
    )
    names[None] = _("Sans site")
    return names


def product_names(ids, *, none_label: str) -> dict[int | None, str]:
    names: dict[int | None, str] = dict(
        Product.objects.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", "name")
    )
    names[None] = none_label
    return names


def category_labels() -> dict[int | None, str]:
    """Every category as the catalogue shows it ("Domaine > Sous-domaine")."""
    labels: dict[int | None, str] = {
        c.pk: str(c) for c in Category.objects.select_related("parent")
    }
    labels[None] = _("Sans catégorie")
    return labels

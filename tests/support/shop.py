"""An online shop to buy from: the small catalogue of `tests.support.sales`, the structure's
CGV (so it sells online), a mandatory associated product, and helpers to fill the basket and
check out through the shop's pages as a customer's browser would."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product, ProductAssociation
from tests.support.files import pdf_bytes
from tests.support.sales import make_shop, published


def open_shop(structure, *, capacity: int = 10, stock: int = 5):
    """The structure's CGV stored, a catalogue with a mandatory "Licence journée" associated
    to the activity. Returns the Shop (its `licence` added)."""
    with schema_context(structure.schema_name):  # stored as the app does: in its folder
        structure.cgv.save("cgv.pdf", ContentFile(pdf_bytes()), save=False)
        structure.save(update_fields=["cgv"])
        shop = make_shop(capacity=capacity, stock=stock)
        licence = published(
            Product.Kind.TICKET,
            name="Licence journée",
            price=Decimal("12.00"),
            consumer_required=True,
            associated_only=True,
        )
        ProductAssociation.objects.create(
            product=shop.activity,
            associated=licence,
            starts_on=timezone.localdate() - dt.timedelta(days=1),
            mandatory=True,
        )
        shop.licence = licence
        shop.structure = structure
        return shop


def add(client, shop, *, session=None, quantity=1, rate=None, product=None):
    product = product or shop.activity
    data = {"product": product.pk, "quantity": quantity}
    if product.kind == Product.Kind.ACTIVITY:
        data["session"] = (session or shop.session).pk
        data["rate"] = (rate or shop.adult).pk
    return client.post("/panier/ajouter/", data)


def checkout_post(client, basket_lines, *, identity=True, participants=None, email=None, **extra):
    """POST the checkout form: identity, each consumer-required line's participants (new
    persons by default), the CGV accepted."""
    data = {"accept": "on", **extra}
    if identity:
        data.update(
            first_name="Claire",
            last_name="Le Goff",
            email=email or "claire.online@exemple.fr",
            mobile="06 12 34 56 78",
        )
    for line in basket_lines:
        if line.parent_id is not None or not line.product.consumer_required:
            continue
        people = (participants or {}).get(line.pk) or [
            ("new", f"Enfant{i}", "Le Goff") for i in range(line.quantity)
        ]
        for index, (who, first, last) in enumerate(people):
            prefix = f"p{line.pk}-{index}"
            data[f"{prefix}-who"] = who
            data[f"{prefix}-first_name"] = first
            data[f"{prefix}-last_name"] = last
    return client.post("/commande/", data)


def token_of(response) -> str:
    match = re.search(r"/commande/([\w-]+)/paiement/", response["Location"])
    assert match, response["Location"]
    return match.group(1)

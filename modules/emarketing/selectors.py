"""EM-1 reads."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from modules.emarketing.models import Campaign, Consent, Recipient
from ponton.catalogue.models import Category, Product, Site


def access_campaign(*, campaign_id: int) -> Campaign:
    """A campaign of the current structure (its schema), or 404."""
    return get_object_or_404(Campaign, pk=campaign_id)


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.order_by("-created_at", "-pk")


def campaign_failures(*, campaign: Campaign) -> QuerySet[Recipient]:
    return Recipient.objects.filter(campaign=campaign, state=Recipient.State.FAILED).order_by("pk")


def campaign_unsubscribed(*, campaign: Campaign) -> QuerySet[Recipient]:
    return Recipient.objects.filter(campaign=campaign, state=Recipient.State.UNSUBSCRIBED).order_by(
        "pk"
    )


def consent_of(*, customer_id: int) -> Consent | None:
    return Consent.objects.filter(customer_id=customer_id).first()


def rule_choices() -> dict:
    """What the rule builder offers: products, activities, categories, sites."""
    products = Product.objects.exclude(status=Product.Status.ARCHIVED).order_by("name", "pk")
    return {
        "products": [{"id": p.pk, "name": p.name} for p in products],
        "activities": [
            {"id": p.pk, "name": p.name} for p in products if p.kind == Product.Kind.ACTIVITY
        ],
        "categories": [
            {"id": c.pk, "name": c.name} for c in Category.objects.order_by("name", "pk")
        ],
        "sites": [{"id": s.pk, "name": s.name} for s in Site.objects.order_by("name", "pk")],
    }

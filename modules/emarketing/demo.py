"""The e-marketing demo data (`ponton_demo_fill`): the demo customers with an email have
consented (source "import"), and one campaign was sent to the members of this year's club."""

from __future__ import annotations

from django.db.models import Max, Min

from modules.emarketing import delivery, services
from modules.emarketing.models import Campaign, Consent, Recipient
from ponton.customers.models import Customer


def demo_fill(*, structure) -> None:
    if Campaign.objects.exists():
        return
    for customer in Customer.objects.exclude(email="").filter(erased_at__isnull=True):
        services.consent_set(customer=customer, consented=True, source=Consent.Source.IMPORT)
    campaign = services.campaign_save(
        data=services.CampaignData(
            name="Lettre de rentrée",
            sender_name=structure.display_title,
            subject="Les stages de la Toussaint sont ouverts",
            body=(
                "<p>Bonjour,</p><p>Les <strong>stages de la Toussaint</strong> sont ouverts à "
                "la réservation : optimist, catamaran et planche à voile.</p>"
                "<ul><li>du lundi au vendredi</li><li>de 7 à 17 ans</li></ul>"
                "<p>À bientôt sur l'eau !</p>"
            ),
            audience="rules",
            audience_rules={"combine": "and", "rules": [{"type": "has_email"}]},
        )
    )
    services.campaign_start(campaign_id=campaign.pk, allowed=(Campaign.State.DRAFT,))
    bounds = Recipient.objects.filter(campaign=campaign).aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is not None:
        # Sent here, in this process: the demo shows a finished campaign at once (the batch
        # tasks enqueued by campaign_start find nothing left to send).
        delivery.batch_send(
            structure=structure,
            campaign_id=campaign.pk,
            first_id=bounds["first"],
            last_id=bounds["last"],
        )

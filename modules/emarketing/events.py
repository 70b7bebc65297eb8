"""Realtime events of the e-marketing module (documented in docs/events.md)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Q

from realtime.events import publish, register_event

CAMPAIGN_PROGRESS = "emarketing.progress"

register_event(
    CAMPAIGN_PROGRESS,
    {"campaign_id", "state", "total", "sent", "failed", "unsubscribed", "remaining"},
    "Progress of a campaign being sent (sent to the campaign's group).",
)


def campaign_group(structure_id: int, campaign_id: int) -> str:
    return f"t{structure_id}.emcampaign{campaign_id}"


def progress_payload(campaign_id: int) -> dict:
    """Counts of the campaign's recipients by state; also the catch-up endpoint's answer."""
    from modules.emarketing.models import Campaign, Recipient

    state = Campaign.objects.filter(pk=campaign_id).values_list("state", flat=True).first()
    counts = Recipient.objects.filter(campaign_id=campaign_id).aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(state=Recipient.State.SENT)),
        failed=Count("pk", filter=Q(state=Recipient.State.FAILED)),
        unsubscribed=Count("pk", filter=Q(state=Recipient.State.UNSUBSCRIBED)),
    )
    done = counts["sent"] + counts["failed"] + counts["unsubscribed"]
    return {
        "campaign_id": campaign_id,
        "state": state or "",
        "total": counts["total"],
        "sent": counts["sent"],
        "failed": counts["failed"],
        "unsubscribed": counts["unsubscribed"],
        "remaining": counts["total"] - done,
    }


def publish_progress(*, campaign_id: int) -> dict:
    """Send the campaign's progress to its page (after commit)."""
    payload = progress_payload(campaign_id)
    tenant = getattr(connection, "tenant", None)
    structure_id = getattr(tenant, "pk", None)
    if structure_id is not None:
        publish(
            groups=[campaign_group(structure_id, campaign_id)],
            event=CAMPAIGN_PROGRESS,
            payload=payload,
        )
    return payload

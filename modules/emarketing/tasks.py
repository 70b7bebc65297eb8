"""Background work of the e-marketing module (Celery). Every task names its structure and runs
in its `tenant_context`; a structure where the module is off is skipped (its tasks do nothing).

Scheduling (EM-1): a beat-like periodic check, `emarketing.tick`, every 60 s (registered below
with `add_periodic_task`, run by `celery beat`): it starts the scheduled campaigns whose time has
come and resumes the campaigns whose workers died. The campaign list also starts due campaigns
when it is opened (the embedded default has no beat)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django_tenants.utils import schema_context, tenant_context

from modules.emarketing import delivery, services
from ponton.config.celery import app

logger = logging.getLogger(__name__)

TICK_SECONDS = 60.0
LABEL = "emarketing"


def _structure(schema_name: str):
    from tenants.models import Structure
    from tenants.selectors import enabled_module_labels

    with schema_context("public"):
        structure = Structure.objects.filter(schema_name=schema_name).first()
        if structure is None or LABEL not in enabled_module_labels(structure=structure):
            return None
        return structure


@shared_task(
    name="emarketing.send_batch",
    bind=True,
    acks_late=True,
    autoretry_for=(delivery.TemporarySendError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=12,
)
def send_batch_task(
    self,
    *,
    schema_name: str,
    campaign_id: int,
    first_id: int,
    last_id: int,
    stale_seconds: float | None = None,
) -> int:
    """Send one batch of a campaign (retried on temporary SMTP problems)."""
    structure = _structure(schema_name)
    if structure is None:
        return 0
    stale = (
        dt.timedelta(seconds=stale_seconds) if stale_seconds is not None else delivery.STALE_SENDING
    )
    with tenant_context(structure), translation.override(settings.LANGUAGE_CODE):
        return delivery.batch_send(
            structure=structure,
            campaign_id=campaign_id,
            first_id=first_id,
            last_id=last_id,
            stale=stale,
        )


@shared_task(name="emarketing.start")
def start_campaign_task(*, schema_name: str, campaign_id: int) -> None:
    structure = _structure(schema_name)
    if structure is None:
        return
    with tenant_context(structure), translation.override(settings.LANGUAGE_CODE):
        services.campaign_start(campaign_id=campaign_id)


@shared_task(name="emarketing.tick")
def tick_task(*, stale_seconds: float | None = None) -> dict[str, list[int]]:
    """For every structure with the module on: start due campaigns, resume stalled ones."""
    from tenants.models import ModuleSubscription, Structure

    stale = (
        dt.timedelta(seconds=stale_seconds) if stale_seconds is not None else delivery.STALE_SENDING
    )
    report: dict[str, list[int]] = {}
    with schema_context("public"):
        schema_names = list(
            Structure.objects.filter(
                pk__in=ModuleSubscription.objects.filter(module=LABEL, enabled=True).values(
                    "structure_id"
                )
            ).values_list("schema_name", flat=True)
        )
    for schema_name in schema_names:
        structure = _structure(schema_name)
        if structure is None:
            continue
        with tenant_context(structure), translation.override(settings.LANGUAGE_CODE):
            started = services.campaigns_start_due()
            resumed = delivery.campaigns_resume_stalled(stale=stale)
        if started or resumed:
            report[schema_name] = [*started, *resumed]
    return report


@shared_task(name="emarketing.test_send")
def test_send_task(*, schema_name: str, campaign_id: int, to: str) -> None:
    """ "M'envoyer un test": the campaign's email to the staff member, marked [TEST]."""
    structure = _structure(schema_name)
    if structure is None:
        return
    from modules.emarketing.models import Campaign

    with tenant_context(structure), translation.override(settings.LANGUAGE_CODE):
        campaign = Campaign.objects.get(pk=campaign_id)
        composer = delivery.Composer(campaign=campaign, structure=structure)
        message = composer.message(to=to, name="", mid=f"<em.test.{campaign_id}@{composer.domain}>")
        message.subject = f"[TEST] {message.subject}"
        message.connection = delivery.smtp_connection(composer.smtp)
        message.send()


# Beat's schedule gets the tick (pending until the app is configured, then in beat_schedule).
app.add_periodic_task(TICK_SECONDS, tick_task.s(), name="emarketing-tick")

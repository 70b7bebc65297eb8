"""FF-1 background work: one task per licence, after the invoice is committed; a federation
that is down, slow or answers nonsense is retried with an exponential backoff."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django_tenants.utils import schema_context

MAX_RETRIES = 8


def retry_countdown(retries: int) -> int:
    """Seconds before retry number `retries` + 1: base, 2×base, 4×base… at most one hour."""
    base = int(getattr(settings, "FFVOILE_RETRY_BASE_SECONDS", 30) or 30)
    return min(base * 2**retries, 3600)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def licence_request_task(self, *, schema_name: str, licence_id: int) -> str:
    from modules.ffvoile import services
    from tenants.models import Structure
    from tenants.selectors import enabled_module_labels

    structure = Structure.objects.get(schema_name=schema_name)
    if "ffvoile" not in enabled_module_labels(structure=structure):
        return "off"  # a module that is off does nothing; its licences stay as they are
    with schema_context(schema_name):
        outcome = services.licence_call(structure=structure, licence_id=licence_id)
        if not outcome.retry:
            return outcome.state
        if self.request.is_eager:
            # In-process tasks (make run, tests): no second try inside the same request;
            # the line stays "à réessayer" with its reason, and "Réessayer" asks again.
            return outcome.state
        if self.request.retries >= MAX_RETRIES:
            services.licence_gave_up(
                structure=structure, licence_id=licence_id, reason=outcome.reason
            )
            return outcome.state
    raise self.retry(countdown=retry_countdown(self.request.retries))

"""FF-1 background work: one task per licence, after the invoice is committed; a federation
that is down, slow or answers nonsense is retried with an exponential backoff."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django_tenants.utils import schema_context

MAX_RETRIES = 8


def retry_countdown(retries: int) -> int:
    """Seconds before retry number `retries` + 1: base, 2×base, 4×base… at most one hour."""
    base = int(getattr(settings, "FFVOILE_RETRY_BASE_SECONDS", 30) or 30)
    return min(base * 2**retries, 3600)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def licence_request_task(
    self, *, schema_name: str, licence_id: int, by: str = "Ponton", attempt: int | None = None
) -> str:
    """Ask the federation for one licence; `by` is who the log names (the team member who
    pressed "Réessayer", else Ponton). A retry carries `attempt`, the calls made when it was
    scheduled: a second copy of its message (handed out again while it waited) does nothing."""
    from modules.ffvoile import services
    from tenants.models import Structure
    from tenants.selectors import enabled_module_labels

    structure = Structure.objects.get(schema_name=schema_name)
    if "ffvoile" not in enabled_module_labels(structure=structure):
        return "off"  # a module that is off does nothing; its licences stay as they are
    with schema_context(schema_name):
        outcome = services.licence_call(
            structure=structure, licence_id=licence_id, by=by, attempt=attempt
        )
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
        from modules.ffvoile.models import Licence

        made = Licence.objects.filter(pk=licence_id).values_list("attempts", flat=True).get()
    raise self.retry(
        countdown=retry_countdown(self.request.retries),
        kwargs={**self.request.kwargs, "attempt": made},
    )


@shared_task
def licences_due_task() -> int:
    """Beat, every 10 minutes: licences whose task was lost (still "à demander" two minutes
    after the invoice: a broker outage at commit) or whose worker died mid-call ("appel en
    cours" for longer than STALE_CLAIM) are handed to the task again; the claim keeps it to
    one call each."""
    from django.db.models import Q
    from django.utils import timezone

    from modules.ffvoile.models import Licence
    from modules.ffvoile.services import STALE_CLAIM
    from tenants.models import ModuleSubscription, Structure
    from tenants.selectors import enabled_module_labels

    now = timezone.now()
    count = 0
    ids = ModuleSubscription.objects.filter(module="ffvoile", enabled=True).values_list(
        "structure_id", flat=True
    )
    for structure in Structure.objects.filter(pk__in=list(ids)):
        if "ffvoile" not in enabled_module_labels(structure=structure):
            continue
        with schema_context(structure.schema_name):
            due = list(
                Licence.objects.filter(
                    Q(state=Licence.State.PENDING, created_at__lt=now - dt.timedelta(minutes=2))
                    | Q(state=Licence.State.CALLING, claimed_at__lt=now - STALE_CLAIM)
                ).values_list("pk", flat=True)
            )
        for pk in due:
            licence_request_task.delay(schema_name=structure.schema_name, licence_id=pk)
            count += 1
    return count

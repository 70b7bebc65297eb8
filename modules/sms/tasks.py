"""SM-1 background work: one delivery task per message, after commit, retried on outage."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.sms.providers import ProviderUnavailableError
from ponton.config.celery import ONCE_OPTIONS


@shared_task(
    bind=True,
    autoretry_for=(ProviderUnavailableError,),
    retry_backoff=2,
    retry_backoff_max=3600,
    retry_jitter=False,
    max_retries=None,  # never lost: an outage is retried until the provider answers
    **ONCE_OPTIONS,  # a worker killed mid-call: handed again; message_deliver sends once
)
def sms_deliver_task(self, *, schema_name: str, message_id: int) -> str:
    from modules.sms import services
    from tenants.models import Structure
    from tenants.selectors import enabled_module_labels

    structure = Structure.objects.get(schema_name=schema_name)
    if "sms" not in enabled_module_labels(structure=structure):
        return "off"  # a module that is off does nothing; its messages stay "en attente"
    with schema_context(schema_name):
        return services.message_deliver(structure=structure, message_id=message_id).state


@shared_task
def sms_send_due_task() -> int:
    """Beat, every minute: messages "en attente" whose time has come (promotional SMS held
    for the allowed hours, a task lost with a worker) are handed to the delivery task."""
    from modules.sms.models import SmsMessage
    from tenants.models import ModuleSubscription, Structure
    from tenants.selectors import enabled_module_labels

    count = 0
    labels = ModuleSubscription.objects.filter(module="sms").values_list("structure_id", flat=True)
    for structure in Structure.objects.filter(pk__in=list(labels)):
        if "sms" not in enabled_module_labels(structure=structure):
            continue
        with schema_context(structure.schema_name):
            due = list(
                SmsMessage.objects.filter(state=SmsMessage.State.QUEUED)
                .exclude(not_before__gt=timezone.now())
                .values_list("pk", flat=True)
            )
        for pk in due:
            try:
                sms_deliver_task.delay(schema_name=structure.schema_name, message_id=pk)
            except ProviderUnavailableError:
                continue  # in-process tasks: still "en attente", the next minute tries again
            count += 1
    return count

"""Background work of Click & Pay: the SMS leaves through the SMS module's hook, after commit,
in a task that names its structure (emails use `ponton.web.tasks.send_email_task`)."""

from celery import shared_task
from django_tenants.utils import schema_context

from ponton.config.celery import ONCE_OPTIONS


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5, **ONCE_OPTIONS)
def send_sms_task(self, *, schema_name: str, to: str, body: str) -> int:
    """Send one SMS through `ponton_send_sms` of the modules that are on for the structure,
    under the task's id as its key: a run again (a killed worker's task handed back, ADR 0027)
    makes no second SMS. Returns how many modules took it (0 when the module was switched off
    meanwhile)."""
    from ponton.plugins.manager import hooks_for
    from tenants.models import Structure

    structure = Structure.objects.get(schema_name=schema_name)
    with schema_context(schema_name):
        results = hooks_for(structure).ponton_send_sms(
            structure=structure, to=to, body=body, key=self.request.id
        )
    return len([r for r in results if r is not False])

"""Background work of Compta. Every task names its structure (its schema) explicitly and runs
inside `schema_context`, whatever schema the worker's connection had (architecture.md)."""

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django_tenants.utils import schema_context

from ponton.compta import services_exports


@shared_task(name="compta.export_list")
def export_list_task(*, schema_name: str, job_id: int) -> None:
    """CO-2: write the file of an `ExportJob` of that structure, with its progress."""
    with schema_context(schema_name), translation.override(settings.LANGUAGE_CODE):
        services_exports.export_job_run(job_id=job_id)

"""Background work of the planning. Every task names its structure (its schema) explicitly and
runs inside `schema_context`, whatever schema the worker's connection had (architecture.md)."""

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django_tenants.utils import schema_context

from ponton.planning import services_jobs


@shared_task(name="planning.generate_sessions")
def generate_sessions_task(*, schema_name: str, job_id: int) -> None:
    """PL-1: generate the sessions of a `GenerationJob` of that structure, chunk by chunk."""
    with schema_context(schema_name), translation.override(settings.LANGUAGE_CODE):
        services_jobs.recurrence_job_run(job_id=job_id)

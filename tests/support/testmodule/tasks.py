"""A trivial task of the test module, run by a real worker in tests/test_celery_worker.py."""

from celery import shared_task
from django_tenants.utils import schema_context

from tests.support.testmodule.models import Note


@shared_task(name="testmodule.note_add")
def note_add_task(*, schema_name: str, text: str) -> int:
    """Write a note in that structure's schema; returns the worker's process id."""
    import os

    with schema_context(schema_name):
        Note.objects.create(text=text)
    return os.getpid()

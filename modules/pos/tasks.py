"""The till's periodic work: monthly and yearly archives (PO-7). Each structure is handled in
its own schema, and only where the module is on (a task for a structure without the till does
nothing)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django_tenants.utils import schema_context

logger = logging.getLogger("ponton.pos")


def till_archives_everywhere() -> int:
    from modules.pos.archives import till_archives_due
    from modules.pos.models import Till
    from tenants.models import Structure
    from tenants.selectors import enabled_module_labels

    produced = 0
    structures = Structure.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
    for structure in structures:
        if "pos" not in enabled_module_labels(structure=structure):
            continue
        with schema_context(structure.schema_name):
            for till in Till.objects.all():
                produced += len(till_archives_due(till=till))
    if produced:
        logger.info("till archives produced: %s", produced)
    return produced


@shared_task
def till_archives_task() -> int:
    """Beat, daily: the archives of the months and years that ended."""
    return till_archives_everywhere()

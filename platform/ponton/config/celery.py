"""Celery with tenant-schemas-celery: every task carries its structure's schema.

A task whose structure is suspended or no longer exists does nothing and says so (a warning in
the worker's log, and `SKIPPED` as its result): tenant-schemas-celery would otherwise run it on
the public schema (a deleted structure: its lookup fails in a signal handler, whose error Celery
only logs) or in a structure that must not act any more (suspended)."""

import logging
import os

from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp
from tenant_schemas_celery.app import get_schema_name_from_task
from tenant_schemas_celery.task import TenantTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ponton.config.settings.dev")

logger = logging.getLogger("ponton.tasks")
SKIPPED = "ignorée"

# The options of a task whose effect must survive a worker killed mid-task (ADR 0027): its
# message is acknowledged only after it ran (acks_late), and handed back at once when the pool
# process running it dies (reject_on_worker_lost); a whole worker killed leaves it unacknowledged
# and Redis gives it to another worker after TASK_VISIBILITY_TIMEOUT. Such a task runs again:
# its effect must be guarded (a key, a row claimed in the same transaction as the effect).
ONCE_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


def structure_unavailable(schema_name: str) -> str:
    """Why a task of this schema must not run ("" when it may)."""
    from django.conf import settings

    from tenants.models import Structure

    if not schema_name or schema_name == settings.PUBLIC_SCHEMA_NAME:
        return ""
    structure = Structure.objects.filter(schema_name=schema_name).only("state", "name").first()
    if structure is None:
        return f"la structure du schéma {schema_name} n'existe plus"
    if structure.is_suspended:
        return f"la structure « {structure.name} » est suspendue"
    return ""


class StructureTask(TenantTask):
    abstract = True

    def __call__(self, *args, **kwargs):
        reason = structure_unavailable(get_schema_name_from_task(self, kwargs) or "")
        if reason:
            logger.warning("Tâche %s ignorée : %s.", self.name, reason)
            return SKIPPED
        return super().__call__(*args, **kwargs)


class PontonCeleryApp(TenantAwareCeleryApp):
    task_cls = "ponton.config.celery:StructureTask"


app = PontonCeleryApp("ponton")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

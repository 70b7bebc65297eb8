"""Celery with tenant-schemas-celery: every task carries its structure's schema.

A task whose structure is suspended or no longer exists does nothing and says so (a warning in
the worker's log, and `SKIPPED` as its result): tenant-schemas-celery would otherwise run it on
the public schema (a deleted structure: its lookup fails in a signal handler, whose error Celery
only logs) or in a structure that must not act any more (suspended)."""

import logging
import os

from kombu.exceptions import OperationalError as BrokerOperationalError
from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp
from tenant_schemas_celery.app import get_schema_name_from_task
from tenant_schemas_celery.task import TenantTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ponton.config.settings.dev")

logger = logging.getLogger("ponton.tasks")
SKIPPED = "ignorée"
# What sending a task raises when Redis cannot be reached (kombu wraps the client's errors).
BROKER_ERRORS = (BrokerOperationalError, ConnectionError, TimeoutError)

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
    """Ponton's tasks. A task asked for while the broker cannot be reached (Redis down) runs
    in the asking process instead, as in the embedded default, so that its effect is not lost
    and the request that committed its data does not fail after the fact (docs/adr/0026). A
    delayed task (countdown, eta: a retry) is not run early: the broker's error is raised."""

    abstract = True

    def apply_async(
        self,
        args=None,
        kwargs=None,
        task_id=None,
        producer=None,
        link=None,
        link_error=None,
        shadow=None,
        **options,
    ):
        try:
            return super().apply_async(
                args, kwargs, task_id, producer, link, link_error, shadow, **options
            )
        except BROKER_ERRORS as exc:
            if options.get("countdown") or options.get("eta"):
                raise
            logger.error(
                "Courtier des tâches injoignable (%s) : tâche %s exécutée sur place.",
                exc,
                self.name,
            )
            return self.apply(
                args, kwargs, task_id=task_id, link=link, link_error=link_error, **options
            )

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

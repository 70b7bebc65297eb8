"""Celery with tenant-schemas-celery: every task carries its structure's schema."""

import os

from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ponton.config.settings.dev")

app = TenantAwareCeleryApp("ponton")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""System checks of the deployment that need the database: `manage.py check --database default`
runs them (the release's migrate job does, deploy/k8s/migrate-job.yaml, through the same
DATABASE_URL as the web processes)."""

from __future__ import annotations

import psycopg
from django.core import checks
from django.db import connections

from ponton.config.db import sessions_shared


@checks.register(checks.Tags.database)
def pooler_keeps_sessions(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """ponton.E001: the database connection must give each client its own server session —
    PgBouncer in session mode, never transaction mode (docs/adr/0024)."""
    if not databases or "default" not in databases:
        return []
    try:
        shared = sessions_shared(connections["default"].get_connection_params())
    except psycopg.Error:
        return []  # an unreachable database is reported by the command that needs it
    if not shared:
        return []
    return [
        checks.Error(
            "The database connection shares server sessions between clients (a pooler in "
            "transaction or statement mode): a structure's request could run in another "
            "structure's schema.",
            hint="Set pool_mode = session in PgBouncer (docs/adr/0024, deploy/SCALING.md).",
            id="ponton.E001",
        )
    ]

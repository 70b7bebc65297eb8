"""`migrate`: django-tenants' migrate_schemas, then bring the template schema up to date.

New structures are clones of the template schema (`TENANT_BASE_SCHEMA`), so it must be
fully migrated whenever the public schema and the structures are.
"""

from django.conf import settings
from django.db import connection
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from tenants.cloning import _q, schema_exists


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        if options.get("schema_name") or options.get("shared"):
            return
        template = settings.TENANT_BASE_SCHEMA
        if not schema_exists(template):
            with connection.cursor() as cur:
                cur.execute(f"CREATE SCHEMA {_q(template)}")
        super().handle(
            *args, **{**options, "schema_name": template, "tenant": True, "shared": False}
        )
        connection.set_schema_to_public()

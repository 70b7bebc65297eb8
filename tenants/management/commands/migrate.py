"""`migrate`: django-tenants' migrate_schemas, then bring the template schema up to date.

New structures are clones of the template schema (`TENANT_BASE_SCHEMA`), so it must be
fully migrated whenever the public schema and the structures are.

A whole run (no app, no schema, no --fake/--plan/--prune/--check) first reads which
structure schemas miss a migration (`tenants.migrating.schemas_behind`, a few SQL queries)
and runs the migrations in those only: over a thousand up-to-date structures it takes
seconds, not twenty minutes (docs/adr/0022). `--all-schemas` visits every schema as
django-tenants does.
"""

from django.conf import settings
from django.db import connection
from django_tenants.management.commands.migrate_schemas import (
    GET_EXECUTOR_FUNCTION,
    MigrateSchemasCommand,
)
from django_tenants.utils import get_tenant_migration_order

from tenants.cloning import _q, schema_exists
from tenants.migrating import schemas_behind

# Options with which every schema is visited (they act on schemas whatever their state).
_VISIT_ALL = ("app_label", "migration_name", "fake", "fake_initial", "plan", "prune")


class Command(MigrateSchemasCommand):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--all-schemas",
            action="store_true",
            dest="all_schemas",
            help="Run migrate in every structure schema, even those already up to date.",
        )

    def handle(self, *args, **options):
        whole = not options.get("schema_name") and not any(options.get(o) for o in _VISIT_ALL)
        if whole and not options.get("all_schemas") and not options.get("check_unapplied"):
            self._migrate_behind(*args, **options)
        else:
            super().handle(*args, **options)
        if options.get("schema_name") or options.get("shared"):
            return
        template = settings.TENANT_BASE_SCHEMA
        if not schema_exists(template):
            with connection.cursor() as cur:
                cur.execute(f"CREATE SCHEMA {_q(template)}")
        elif not options.get("all_schemas") and whole and not schemas_behind([template]):
            connection.set_schema_to_public()
            return
        super().handle(
            *args, **{**options, "schema_name": template, "tenant": True, "shared": False}
        )
        connection.set_schema_to_public()

    def _migrate_behind(self, *args, **options):
        # SyncCommon.handle: reads the options (shared/tenant, executor) into attributes.
        super(MigrateSchemasCommand, self).handle(*args, **options)
        public = settings.PUBLIC_SCHEMA_NAME
        executor = GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options)
        if self.sync_public:
            executor.run_migrations(tenants=[public])
        if not self.sync_tenant:
            return
        from tenants.models import Structure

        tenants = Structure.objects.exclude(schema_name=public).exclude(
            schema_name=settings.TENANT_BASE_SCHEMA
        )
        order = get_tenant_migration_order()
        if order is not None:
            tenants = tenants.order_by(*order)
        schemas = list(tenants.values_list("schema_name", flat=True))
        behind = schemas_behind(schemas)
        connection.set_schema_to_public()
        if int(options.get("verbosity", 1)) >= 1:
            self.stdout.write(
                f"{len(behind)} structure(s) to migrate, "
                f"{len(schemas) - len(behind)} already up to date."
            )
        if behind:
            executor.run_migrations(tenants=behind)

"""Issued documents, their lines and payments never change (OR-11): the database refuses
UPDATE, DELETE and TRUNCATE with `public.ponton_append_only()` (ledger migration 0002).
The numbering counters stay updatable."""

from django.db import migrations

TABLES = ("billing_document", "billing_documentline", "billing_payment")


def _sql(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION public.ponton_append_only();"
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION public.ponton_append_only();"
    )


def _drop(table: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};"
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_initial"), ("ledger", "0002_append_only")]

    operations = [migrations.RunSQL(_sql(t), _drop(t)) for t in TABLES]

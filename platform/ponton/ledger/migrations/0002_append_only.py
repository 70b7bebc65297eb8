"""The database itself keeps the ledger append-only (OR-11, PO-7).

`public.ponton_append_only()` refuses UPDATE, DELETE and TRUNCATE; it lives in the public
schema (created or replaced by whichever schema migrates first) so that the triggers copied
with the template schema into each new structure call the same function. The head row of
the chain is created here: it is copied with the template too."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION public.ponton_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ponton: % on %.% is refused: issued financial records never change',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
"""

TRIGGERS = """
CREATE TRIGGER ledger_entry_no_change BEFORE UPDATE OR DELETE ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION public.ponton_append_only();
CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION public.ponton_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_entry_no_change ON ledger_ledgerentry;
DROP TRIGGER IF EXISTS ledger_entry_no_truncate ON ledger_ledgerentry;
"""


def create_head(apps, schema_editor):
    apps.get_model("ledger", "LedgerHead").objects.get_or_create(singleton=True)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_journal")]

    operations = [
        migrations.RunSQL(FUNCTION, migrations.RunSQL.noop),
        migrations.RunSQL(TRIGGERS, DROP),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]

"""The database keeps the till's records as they were written (PO-7): tickets, till payments,
cash movements, reprints and closings refuse UPDATE, DELETE and TRUNCATE (the ledger's
`public.ponton_append_only()`), and a session, once closed, never changes again."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION public.ponton_pos_session_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'ponton: % on a closed till session (%.%) is refused',
            TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.opening_float <> OLD.opening_float OR NEW.opened_at <> OLD.opened_at
       OR NEW.till_id <> OLD.till_id OR NEW.number <> OLD.number THEN
        RAISE EXCEPTION 'ponton: an open till session only gets closed'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
"""

TABLES = [
    "pos_ticket",
    "pos_tillpayment",
    "pos_cashmovement",
    "pos_ticketreprint",
    "pos_tillclosing",
]

TRIGGERS = "".join(
    f"""
CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION public.ponton_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION public.ponton_append_only();
"""
    for table in TABLES
) + """
CREATE TRIGGER pos_tillsession_final BEFORE UPDATE OR DELETE ON pos_tillsession
    FOR EACH ROW EXECUTE FUNCTION public.ponton_pos_session_final();
"""

DROP = "".join(
    f"""
DROP TRIGGER IF EXISTS {table}_no_change ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""
    for table in TABLES
) + "DROP TRIGGER IF EXISTS pos_tillsession_final ON pos_tillsession;\n"


class Migration(migrations.Migration):
    dependencies = [("pos", "0001_initial"), ("ledger", "0002_append_only")]

    operations = [
        migrations.RunSQL(FUNCTION, migrations.RunSQL.noop),
        migrations.RunSQL(TRIGGERS, DROP),
    ]

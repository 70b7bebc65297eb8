"""Each ledger entry carries a keyed signature (PO-7, docs/adr/0013): HMAC-SHA256 of its hash
under the structure's key derived from SECRET_KEY (ponton.ledger.keys).

Entries written before this migration are signed here, in each structure's schema: the
append-only trigger of 0002 refuses UPDATE, so it is disabled for the backfill and enabled
again in the same transaction (DDL is transactional in PostgreSQL: if anything fails, the
trigger was never off)."""

from django.db import migrations, models

BATCH = 1_000


def sign_existing(apps, schema_editor):
    from ponton.ledger import keys

    connection = schema_editor.connection
    schema_name = connection.schema_name
    with connection.cursor() as cur:
        cur.execute("SELECT id, hash FROM ledger_ledgerentry WHERE signature = '' ORDER BY position")
        rows = cur.fetchall()
        if not rows:
            return
        cur.execute("ALTER TABLE ledger_ledgerentry DISABLE TRIGGER ledger_entry_no_change")
        for start in range(0, len(rows), BATCH):
            cur.executemany(
                "UPDATE ledger_ledgerentry SET signature = %s WHERE id = %s",
                [
                    (keys.sign(schema_name=schema_name, message=hash_), pk)
                    for pk, hash_ in rows[start : start + BATCH]
                ],
            )
        cur.execute("ALTER TABLE ledger_ledgerentry ENABLE TRIGGER ledger_entry_no_change")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_append_only")]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="signature",
            field=models.CharField(default="", max_length=64, verbose_name="signature"),
            preserve_default=False,
        ),
        migrations.RunPython(sign_existing, migrations.RunPython.noop),
    ]

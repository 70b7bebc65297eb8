from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_company")]
    operations = [
        migrations.RunSQL(
            "ALTER TABLE customers_customer ADD COLUMN bench_fleet_note text",
            "ALTER TABLE customers_customer DROP COLUMN bench_fleet_note",
        )
    ]

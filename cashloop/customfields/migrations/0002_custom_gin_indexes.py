"""GIN indexes (jsonb_path_ops) on the `custom` column of every type with custom fields.

PostgreSQL only (decision 033): equality filters are written as `custom @> {...}`, which
these indexes serve.  SQLite has no GIN indexes; there the filters scan, as any filter
of a small embedded database does.
"""

from django.db import migrations

TABLES = (
    "customers_customer",
    "customers_contact",
    "sales_lead",
    "sales_opportunity",
    "receivables_invoice",
)


def _create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_custom_gin "
            f"ON {table} USING gin (custom jsonb_path_ops)"
        )


def _drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_custom_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("customfields", "0001_initial"),
        ("customers", "0006_custom_fields"),
        ("sales", "0004_custom_fields"),
        ("receivables", "0005_custom_fields"),
    ]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]

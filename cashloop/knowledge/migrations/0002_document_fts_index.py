"""The GIN index behind documents' full-text search on PostgreSQL (decision 035).

Its expression is exactly the one `knowledge.search.search_filter` matches against, so
PostgreSQL uses it; other databases search `search_text` without it.
"""

from django.db import migrations


def _create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS knowledge_document_fts ON knowledge_document"
            " USING GIN (to_tsvector('simple'::regconfig, search_text))"
        )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS knowledge_document_fts")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(_create, _drop)]

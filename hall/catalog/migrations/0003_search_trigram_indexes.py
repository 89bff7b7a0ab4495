"""Trigram GIN indexes for the catalog search (事项检索) on PostgreSQL only.

``icontains`` compiles to ``UPPER(col) LIKE UPPER('%q%')``, so the indexes are on ``UPPER(col)``.
SQLite (``make run``) needs nothing: it scans, which is fine for a demo catalog.
"""

from django.db import migrations

INDEXED_COLUMNS = ("name", "keywords")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in INDEXED_COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS catalog_mv_{column}_trgm ON catalog_matterversion "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS catalog_matter_code_trgm ON catalog_matter USING gin (UPPER(code) gin_trgm_ops)"
    )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in INDEXED_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS catalog_mv_{column}_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS catalog_matter_code_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_catalog_edition")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]

"""Leave room in each page of the application table so the sweep's level updates stay in place.

The sweep changes only unindexed columns (warning_level, warned_level); with free space on the
page PostgreSQL makes these heap-only (HOT) updates and touches none of the table's indexes.
"""

from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE approvals_application SET (fillfactor = 80)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE approvals_application RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("approvals", "0002_sweep_schedules")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]

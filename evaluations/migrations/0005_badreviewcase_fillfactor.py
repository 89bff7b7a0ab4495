"""Leave 20 % free space in each page of the 差评 case table so that the sweep's daily colour
changes (warning_level / warned_level, no indexed column) are HOT updates: without it every one of
the ~50,000 open cases' new row versions went to a new page and into all six indexes."""

from django.db import migrations


def set_fillfactor(apps, schema_editor, value: int = 80) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE evaluations_badreviewcase SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE evaluations_badreviewcase RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0004_open_due_index")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False)]

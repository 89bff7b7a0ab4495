"""A small partial index for the dashboards' live warning count (黄牌/红牌预警数).

Only applications whose clock runs and whose level is yellow or red are in it (a few thousand rows
in a county of millions), so ``count … group by warning_level`` is an index-only scan instead of a
walk over every running application. The sweep's level changes into and out of yellow/red now
touch this index (no HOT update for those rows); the others stay HOT.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("approvals", "0005_prereview_clock_and_sub_item")]

    operations = [
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                condition=models.Q(("clock_state", "running"), ("warning_level__in", ["yellow", "red"])),
                fields=["warning_level", "department"],
                name="application_warning_live_idx",
            ),
        ),
    ]

"""The hall's opening hours (大厅工作时间) become one hall table, 09:00–12:00 and 13:30–17:30 by default.

The 企业开办 clock (formerly ``enterprises.OpeningPeriod``) and the work orders' hour limits (formerly
the setting ``WORKORDER_OPENING_HOURS``) both read it; enterprises' migration 0005 carries its rows over.
"""

import datetime

from django.db import migrations, models

PERIODS = [(datetime.time(9, 0), datetime.time(12, 0)), (datetime.time(13, 30), datetime.time(17, 30))]


def create_defaults(apps, schema_editor):
    OpeningPeriod = apps.get_model("hall", "OpeningPeriod")
    if not OpeningPeriod.objects.exists():
        OpeningPeriod.objects.bulk_create(OpeningPeriod(starts_at=s, ends_at=e) for s, e in PERIODS)


class Migration(migrations.Migration):
    dependencies = [
        ("hall", "0006_auditlog_truncate_and_retention"),
    ]

    operations = [
        migrations.CreateModel(
            name="OpeningPeriod",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("starts_at", models.TimeField(verbose_name="开始时间")),
                ("ends_at", models.TimeField(verbose_name="结束时间")),
            ],
            options={
                "verbose_name": "大厅工作时间段",
                "verbose_name_plural": "大厅工作时间",
                "ordering": ["starts_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("ends_at__gt", models.F("starts_at"))), name="hall_opening_order"
                    )
                ],
            },
        ),
        migrations.RunPython(create_defaults, migrations.RunPython.noop),
    ]

"""Default opening hours of the hall (9:00–12:00, 13:30–17:30) and the daily sweeps' schedules."""

import datetime

from django.db import migrations

DEFAULT_TASKS = [
    # (name shown in the admin, task, minute, hour)
    ("简易注销公示期满注销（每日 00:20）", "enterprises.sweep_deregistrations", "20", "0"),
    ("歇业开始、期满恢复与提醒（每日 00:25）", "enterprises.sweep_dormancies", "25", "0"),
]
PERIODS = [(datetime.time(9, 0), datetime.time(12, 0)), (datetime.time(13, 30), datetime.time(17, 30))]


def create_defaults(apps, schema_editor):
    OpeningPeriod = apps.get_model("enterprises", "OpeningPeriod")
    if not OpeningPeriod.objects.exists():
        OpeningPeriod.objects.bulk_create(OpeningPeriod(starts_at=s, ends_at=e) for s, e in PERIODS)
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in DEFAULT_TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab, "enabled": True})


def remove_defaults(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in DEFAULT_TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]

"""Default schedules of the rollups (日汇总), kept in the database for administrators."""

from django.db import migrations

DEFAULT_TASKS = [
    # (name shown in the admin, task, minute, hour)
    ("统计日汇总重建（每日 01:30，近 7 天）", "reports.rebuild_rollups", "30", "1"),
    ("统计日汇总重建（日终后 18:30，近 7 天）", "reports.rebuild_rollups", "30", "18"),
    ("当日统计刷新（办公时间每 5 分钟）", "reports.refresh_today", "*/5", "7-19"),
]


def create_schedules(apps, schema_editor):
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


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in DEFAULT_TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]

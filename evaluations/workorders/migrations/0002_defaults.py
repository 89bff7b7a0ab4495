"""Default time limits (DOMAIN.md §6) and the sweep's schedule, kept in the database for administrators."""

from django.db import migrations

# kind → working days (一般); every 紧急 order: 24 working hours.
DEFAULT_DAYS = {"consultation": 3, "help": 13, "complaint": 13, "report": 13, "suggestion": 13, "praise": 3}
SCHEDULE = ("诉求工单时限预警（每 15 分钟）", "workorders.sweep_warnings", "*/15", "*")


def create_defaults(apps, schema_editor):
    TimeLimit = apps.get_model("workorders", "TimeLimit")
    for kind, days in DEFAULT_DAYS.items():
        TimeLimit.objects.get_or_create(kind=kind, urgency="normal", defaults={"amount": days, "unit": "days"})
        TimeLimit.objects.get_or_create(kind=kind, urgency="urgent", defaults={"amount": 24, "unit": "hours"})
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    name, task, minute, hour = SCHEDULE
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab, "enabled": True})


def remove_defaults(apps, schema_editor):
    apps.get_model("workorders", "TimeLimit").objects.all().delete()
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]

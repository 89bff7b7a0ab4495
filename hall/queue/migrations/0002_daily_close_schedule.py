"""The midnight daily close (日终清号) in Celery beat, and the default priority categories."""

from django.db import migrations

TASK_NAME = "每日零点作废前一日未叫号的排队号"
PRIORITY_CATEGORIES = [
    # (code, name, description, sort order)
    ("elderly", "老年人", "60 周岁以上老年人", 10),
    ("disabled", "残疾人", "持残疾人证", 20),
    ("green-channel", "重点项目绿色通道", "县重点项目、招商引资项目", 30),
]


def create_defaults(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="0", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME, defaults={"task": "queue.close_day", "crontab": crontab, "enabled": True}
    )
    PriorityCategory = apps.get_model("queue", "PriorityCategory")
    for code, name, description, order in PRIORITY_CATEGORIES:
        PriorityCategory.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "sort_order": order}
        )


def remove_defaults(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("queue", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]

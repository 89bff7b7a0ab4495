"""Default reason tags per level (评价标签) and the schedules of the sweep and nightly rebuild."""

from django.db import migrations

TAGS = {
    "very_satisfied": ["服务热情", "办事高效", "一次办成", "指引清晰", "主动帮办"],
    "satisfied": ["服务规范", "办理较快", "材料说明清楚", "环境整洁"],
    "basically_satisfied": ["等候时间较长", "流程较复杂", "指引不够清楚"],
    "dissatisfied": ["等候时间过长", "办事效率低", "服务态度不好", "多次跑腿", "材料要求不明确", "系统操作不便"],
    "very_dissatisfied": ["态度恶劣", "推诿扯皮", "吃拿卡要", "办不成事", "超时未办结", "乱收费"],
}

DEFAULT_TASKS = [
    ("差评时限预警（每 15 分钟）", "evaluations.sweep_cases", "*/15", "*"),
    ("好差评汇总重算（每日 01:20）", "evaluations.rebuild_recent_rollups", "20", "1"),
]


def create_defaults(apps, schema_editor):
    ReasonTag = apps.get_model("evaluations", "ReasonTag")
    for level, texts in TAGS.items():
        for order, text in enumerate(texts, start=1):
            ReasonTag.objects.get_or_create(level=level, text=text, defaults={"sort_order": order * 10})
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
        ("evaluations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]

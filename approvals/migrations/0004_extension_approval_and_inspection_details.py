"""Extensions become requests a supervisor approves or rejects (延期审批); special procedures get
their own columns (计划日期, 勘验方式, 勘验地点, 勘验人员, 结果) instead of text in the reason."""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# What the intake page used to write in front of the reason: "联合勘验，计划于2026年10月10日进行。…"
MODES = {"标准勘验": "standard", "联合勘验": "joint", "视频勘验": "video"}
PREFIX = re.compile(r"^(?:(标准勘验|联合勘验|视频勘验)，?)?(?:计划于(\d{4})年(\d{2})月(\d{2})日进行)?。(.*)$", re.S)


def extensions_were_approved(apps, schema_editor):
    # Every extension recorded before this migration had been approved when it was written.
    ClockExtension = apps.get_model("approvals", "ClockExtension")
    ClockExtension.objects.update(decided_at=models.F("created_at"))


def inspection_details_from_reason(apps, schema_editor):
    import datetime

    ClockPause = apps.get_model("approvals", "ClockPause")
    for pause in ClockPause.objects.all().iterator():
        match = PREFIX.match(pause.reason)
        if match and (match.group(1) or match.group(2)):
            if match.group(2):
                pause.scheduled_on = datetime.date(int(match.group(2)), int(match.group(3)), int(match.group(4)))
            if match.group(1) and pause.kind == "inspection":
                pause.mode = MODES[match.group(1)]
            pause.reason = match.group(5).strip() or pause.reason
        if pause.kind == "inspection":
            # Older inspections without these details: the start date and the standard mode.
            pause.scheduled_on = pause.scheduled_on or pause.started_on
            pause.mode = pause.mode or "standard"
        pause.save(update_fields=["scheduled_on", "mode", "reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0003_application_fillfactor"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # --- 延期审批 -------------------------------------------------------------------------------
        migrations.RenameField(model_name="clockextension", old_name="approved_by", new_name="decided_by"),
        migrations.AlterField(
            model_name="clockextension",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="审批人",
            ),
        ),
        migrations.AddField(
            model_name="clockextension",
            name="status",
            field=models.CharField(
                choices=[("pending", "待审批"), ("approved", "已批准"), ("rejected", "已驳回")],
                default="approved",
                max_length=16,
                verbose_name="审批状态",
            ),
        ),
        migrations.AlterField(
            model_name="clockextension",
            name="status",
            field=models.CharField(
                choices=[("pending", "待审批"), ("approved", "已批准"), ("rejected", "已驳回")],
                default="pending",
                max_length=16,
                verbose_name="审批状态",
            ),
        ),
        migrations.AddField(
            model_name="clockextension",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="审批时间"),
        ),
        migrations.AddField(
            model_name="clockextension",
            name="decision_note",
            field=models.TextField(blank=True, verbose_name="审批意见"),
        ),
        migrations.AlterField(
            model_name="clockextension",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="申请时间"),
        ),
        migrations.RunPython(extensions_were_approved, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="clockextension",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")),
                fields=("application",),
                name="clockextension_one_pending_per_application",
            ),
        ),
        migrations.AddConstraint(
            model_name="clockextension",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "pending"))
                | models.Q(("decided_at__isnull", False), ("decided_by__isnull", False)),
                name="clockextension_decided_has_decider",
            ),
        ),
        migrations.AddConstraint(
            model_name="clockextension",
            constraint=models.CheckConstraint(
                condition=~models.Q(("status", "rejected")) | ~models.Q(("decision_note", "")),
                name="clockextension_rejected_has_reason",
            ),
        ),
        migrations.AddIndex(
            model_name="clockextension",
            index=models.Index(
                condition=models.Q(("status", "pending")), fields=["created_at"], name="clockextension_pending_idx"
            ),
        ),
        # --- 特别程序 details ---------------------------------------------------------------------------
        migrations.AddField(
            model_name="clockpause",
            name="scheduled_on",
            field=models.DateField(blank=True, null=True, verbose_name="计划日期"),
        ),
        migrations.AddField(
            model_name="clockpause",
            name="mode",
            field=models.CharField(
                blank=True,
                choices=[("standard", "标准勘验"), ("joint", "联合勘验"), ("video", "视频勘验")],
                max_length=16,
                verbose_name="勘验方式",
            ),
        ),
        migrations.AddField(
            model_name="clockpause",
            name="location",
            field=models.CharField(blank=True, max_length=200, verbose_name="勘验地点"),
        ),
        migrations.AddField(
            model_name="clockpause",
            name="inspector",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="inspections",
                to=settings.AUTH_USER_MODEL,
                verbose_name="勘验人员",
            ),
        ),
        migrations.AddField(
            model_name="clockpause",
            name="result",
            field=models.TextField(blank=True, verbose_name="结果"),
        ),
        migrations.AddField(
            model_name="clockpause",
            name="result_recorded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="结果记录时间"),
        ),
        migrations.RunPython(inspection_details_from_reason, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="clockpause",
            constraint=models.CheckConstraint(
                condition=~models.Q(("kind", "inspection"))
                | (models.Q(("scheduled_on__isnull", False)) & ~models.Q(("mode", ""))),
                name="clockpause_inspection_has_schedule",
            ),
        ),
        migrations.AddConstraint(
            model_name="clockpause",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind", "inspection")) | models.Q(("inspector__isnull", True), ("mode", "")),
                name="clockpause_only_inspection_has_mode",
            ),
        ),
        migrations.AddIndex(
            model_name="clockpause",
            index=models.Index(
                condition=models.Q(("ended_on__isnull", True)),
                fields=["inspector", "scheduled_on"],
                name="clockpause_open_inspector_idx",
            ),
        ),
    ]

"""The clock's records: special procedures pausing it (特别程序, art. 45) and extensions (延期, art. 42)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from approvals.models.applications import Application


class ClockPause(models.Model):
    """A special procedure (特别程序) during which the clock does not run (art. 45)."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", "现场勘验"
        EXPERT_REVIEW = "expert_review", "专家评审"
        HEARING = "hearing", "听证"
        TESTING = "testing", "检验检测"
        QUARANTINE = "quarantine", "检疫"
        APPRAISAL = "appraisal", "鉴定"
        TENDER = "tender", "招标"
        AUCTION = "auction", "拍卖"
        OTHER = "other", "其他特别程序"

    class Mode(models.TextChoices):
        """勘验方式 of a site inspection (现场勘验 / 踏勘, seed 004)."""

        STANDARD = "standard", "标准勘验"
        JOINT = "joint", "联合勘验"
        VIDEO = "video", "视频勘验"

    application = models.ForeignKey(Application, verbose_name="办件", on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField("特别程序类型", max_length=16, choices=Kind.choices)
    reason = models.TextField("原因")
    # When it takes place (勘验/评审/听证日期); required for a site inspection.
    scheduled_on = models.DateField("计划日期", null=True, blank=True)
    # Site inspection only: how, where and by whom (an inspector of the application's department).
    mode = models.CharField("勘验方式", max_length=16, choices=Mode.choices, blank=True)
    location = models.CharField("勘验地点", max_length=200, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="勘验人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    result = models.TextField("结果", blank=True)
    result_recorded_at = models.DateTimeField("结果记录时间", null=True, blank=True)
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    working_days = models.PositiveIntegerField("暂停工作日数", null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="结束人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "特别程序"
        verbose_name_plural = "特别程序"
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(ended_on__isnull=True), name="clockpause_one_open_per_application"
            ),
            # An inspection names its date and mode (the inspector is required by the service: rows
            # from before these columns existed have none).
            models.CheckConstraint(
                condition=~Q(kind="inspection") | (Q(scheduled_on__isnull=False) & ~Q(mode="")),
                name="clockpause_inspection_has_schedule",
            ),
            models.CheckConstraint(
                condition=Q(kind="inspection") | Q(mode="", inspector__isnull=True),
                name="clockpause_only_inspection_has_mode",
            ),
        ]
        indexes = [
            # 勘验任务: an inspector's open inspections.
            models.Index(
                fields=["inspector", "scheduled_on"],
                condition=Q(ended_on__isnull=True),
                name="clockpause_open_inspector_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.started_on}）"


class ClockExtension(models.Model):
    """An extension (延期) of the time limit (art. 42): requested by the handler with a written
    reason, then approved or rejected by a supervisor (负责人批准). Only an approved one counts."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"

    application = models.ForeignKey(
        Application, verbose_name="办件", on_delete=models.CASCADE, related_name="extensions"
    )
    working_days = models.PositiveIntegerField("延长工作日数")
    reason = models.TextField("延期理由")
    status = models.CharField("审批状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "延期"
        verbose_name_plural = "延期"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(working_days__gt=0), name="clockextension_positive"),
            models.UniqueConstraint(
                fields=["application"], condition=Q(status="pending"), name="clockextension_one_pending_per_application"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="clockextension_decided_has_decider",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_note=""), name="clockextension_rejected_has_reason"
            ),
        ]
        indexes = [
            # 延期审批: the supervisors' list of pending requests.
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="clockextension_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"延期 {self.working_days} 个工作日（{self.get_status_display()}）"

"""The application (办件) and the bundle of a theme service's intake (一件事)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from approvals.models.choices import (
    FINAL_STATUSES,
    ApplicantType,
    Channel,
    ClockState,
    Decision,
    DeliveryMethod,
    IdType,
    Status,
    WarningLevel,
)


class ApplicationBundle(models.Model):
    """One intake of a theme service (一件事一次办) creating a linked application per matter."""

    number = models.CharField("一件事编号", max_length=24, unique=True)
    theme_service = models.ForeignKey(
        "catalog.ThemeService", verbose_name="主题服务", on_delete=models.PROTECT, related_name="bundles"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "一件事办件"
        verbose_name_plural = "一件事办件"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number


class Application(models.Model):
    """An application (办件) for one exact matter version, from intake to delivery."""

    number = models.CharField("办件编号", max_length=24, unique=True)
    matter_version = models.ForeignKey(
        "catalog.MatterVersion", verbose_name="事项版本", on_delete=models.PROTECT, related_name="applications"
    )
    bundle = models.ForeignKey(
        ApplicationBundle,
        verbose_name="一件事",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )

    # Applicant (申请人) and agent (代理人)
    applicant_type = models.CharField("申请人类型", max_length=16, choices=ApplicantType.choices)
    applicant_name = models.CharField("申请人名称", max_length=200)
    applicant_id_type = models.CharField(
        "证件类型", max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID, blank=True
    )
    applicant_id_number = models.CharField("证件号码", max_length=30, blank=True)
    applicant_credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    applicant_phone = models.CharField("联系电话", max_length=11)
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    agent_name = models.CharField("代理人姓名", max_length=50, blank=True)
    agent_id_type = models.CharField("代理人证件类型", max_length=20, choices=IdType.choices, blank=True)
    agent_id_number = models.CharField("代理人证件号码", max_length=30, blank=True)
    agent_phone = models.CharField("代理人电话", max_length=11, blank=True)

    # Where, who
    channel = models.CharField("申请渠道", max_length=16, choices=Channel.choices)
    site = models.ForeignKey(
        "hall.Site", verbose_name="受理场所", on_delete=models.PROTECT, related_name="applications"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接件人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_applications",
    )
    department = models.ForeignKey(
        "hall.Department", verbose_name="承办部门", on_delete=models.PROTECT, related_name="applications"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_applications",
    )
    is_assisted = models.BooleanField("帮办代办", default=False)
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="帮办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assisted_applications",
    )

    status = models.CharField("办理状态", max_length=24, choices=Status.choices, db_index=True)
    received_at = models.DateTimeField("接件时间")
    received_on = models.DateField("接件日期")
    # The business handling item (业务办理项: 新办/变更/延续/注销) chosen, when the matter has them.
    sub_item = models.ForeignKey(
        "catalog.SubItem",
        verbose_name="业务办理项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )

    # Art. 32: supplement request (补正), deemed acceptance (视为受理)
    supplement_items = models.JSONField("补正材料清单", default=list, blank=True)
    supplement_note = models.TextField("补正说明", blank=True)
    supplement_requested_at = models.DateTimeField("补正告知时间", null=True, blank=True)
    supplemented_at = models.DateTimeField("补正完成时间", null=True, blank=True)
    # The pre-review clock (预审答复期限): the last working day to accept, refuse or send the one
    # supplement notice — 5 working days after the materials arrived (receipt or supplement).
    answer_deadline = models.DateField("预审答复期限", null=True, blank=True)
    deemed_accepted = models.BooleanField("逾期未告知视为受理", default=False)
    refusal_reason = models.TextField("不予受理理由", blank=True)

    # The legal clock (法定时限), in working days
    promised_limit_days = models.PositiveIntegerField("承诺办结时限（工作日）")
    legal_limit_days = models.PositiveIntegerField("法定办结时限（工作日）")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    promised_deadline = models.DateField("承诺办结期限", null=True, blank=True)
    legal_deadline = models.DateField("法定办结期限", null=True, blank=True)
    clock_state = models.CharField(
        "计时状态", max_length=16, choices=ClockState.choices, default=ClockState.NOT_STARTED
    )
    paused_since = models.DateField("暂停计时起始日", null=True, blank=True)
    paused_working_days = models.PositiveIntegerField("暂停工作日数", default=0)
    extended_working_days = models.PositiveIntegerField("延期工作日数", default=0)
    warning_level = models.CharField("预警级别", max_length=8, choices=WarningLevel.choices, default=WarningLevel.NONE)
    # The highest level already notified, so each level is announced once.
    warned_level = models.CharField(
        "已通知预警级别", max_length=8, choices=WarningLevel.choices, default=WarningLevel.NONE, editable=False
    )
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    completed_on = models.DateField("办结日期", null=True, blank=True)
    elapsed_working_days = models.PositiveIntegerField("实际用时（工作日）", null=True, blank=True)
    on_time = models.BooleanField("按时办结", null=True, blank=True)

    # Decision (决定) and delivery (送达)
    decision = models.CharField("审批结果", max_length=16, choices=Decision.choices, default=Decision.NONE, blank=True)
    decision_document_number = models.CharField("决定书文号", max_length=60, blank=True)
    decision_reasons = models.TextField("决定理由", blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    e_certificate_number = models.CharField("电子证照编号", max_length=60, blank=True)
    delivery_method = models.CharField("送达方式", max_length=16, choices=DeliveryMethod.choices, blank=True)
    tracking_number = models.CharField("邮寄单号", max_length=40, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    closing_reason = models.TextField("撤回/撤销理由", blank=True)
    is_load_data = models.BooleanField("压测数据", default=False, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(applicant_type="natural") | ~Q(applicant_credit_code=""),
                name="application_legal_person_has_credit_code",
            ),
            models.CheckConstraint(
                condition=Q(accepted_on__isnull=True) | Q(promised_deadline__isnull=False),
                name="application_accepted_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(clock_state="paused") | Q(paused_since__isnull=False),
                name="application_paused_has_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="decided") | ~Q(decision=""),
                name="application_decided_has_decision",
            ),
        ]
        indexes = [
            # The warning sweep reads only applications whose clock runs.
            models.Index(
                fields=["promised_deadline"],
                condition=Q(clock_state="running"),
                name="application_running_idx",
            ),
            # The sweep reads the pre-review clocks (art. 32) of applications not yet answered.
            models.Index(
                fields=["answer_deadline"],
                condition=Q(status__in=["received", "submitted", "prereview", "supplemented"]),
                name="application_answer_due_idx",
            ),
            # The live yellow/red warning count (预警数) of the dashboards: a few thousand rows at most.
            models.Index(
                fields=["warning_level", "department"],
                condition=Q(clock_state="running", warning_level__in=["yellow", "red"]),
                name="application_warning_live_idx",
            ),
            models.Index(fields=["department", "status"], name="application_dept_status_idx"),
            models.Index(fields=["site", "status"], name="application_site_status_idx"),
            models.Index(fields=["applicant_user", "status"], name="application_applicant_idx"),
            # The rollup refresh of today (every few minutes) and the lists' date filters read one
            # day's received, accepted or completed rows, not the years behind them.
            models.Index(fields=["received_on"], name="application_received_on_idx"),
            models.Index(fields=["accepted_on"], name="application_accepted_on_idx"),
            models.Index(fields=["completed_on"], name="application_completed_on_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATUSES and self.status != Status.COMPLETED

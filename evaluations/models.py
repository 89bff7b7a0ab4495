"""Evaluations (好差评): the append-only ratings, their reason tags, evaluator devices, the 差评
rectification cases (差评整改) with their history and evidence, and the daily rollups the rates read.

No workflow lives here: every write goes through ``evaluations.services`` and the case's status
changes are checked against ``evaluations.transitions``. Fields and database constraints only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Level(models.TextChoices):
    """评价等级, stored by name (GB/T 39734 and 国办发〔2019〕51号 number them in opposite directions)."""

    VERY_SATISFIED = "very_satisfied", "非常满意"
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"
    VERY_DISSATISFIED = "very_dissatisfied", "非常不满意"


GOOD_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED)
# 差评 = 不满意 + 非常不满意.
BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class Channel(models.TextChoices):
    """评价渠道."""

    EVALUATOR = "evaluator", "窗口评价器"
    QR = "qr", "扫码评价"
    PC = "pc", "电脑端"
    MOBILE = "mobile", "移动端"
    SMS = "sms", "短信评价"
    PHONE = "phone", "电话回访"
    TERMINAL = "terminal", "大厅其他终端"
    PLATFORM = "platform", "省好差评平台"


# Channels on which the citizen rates of their own accord (主动评价), i.e. not a staff callback.
ACTIVE_CHANNELS = tuple(c for c in Channel.values if c != Channel.PHONE)


class Subject(models.TextChoices):
    """What is rated: a window service (一次一评) or an application (一事一评)."""

    SERVICE = "service", "窗口服务"
    APPLICATION = "application", "办件"


class EvaluatorType(models.TextChoices):
    NATURAL = "natural", "自然人"
    LEGAL = "legal", "法人"
    ANONYMOUS = "anonymous", "匿名"


class Indicator(models.TextChoices):
    """评价指标: on site (线下) and online (线上) sets, scored 1–5."""

    EFFICIENCY = "service_efficiency", "服务效率"
    SKILL = "service_level", "服务水平"
    ATTITUDE = "service_attitude", "服务态度"
    ONLINE_EFFICIENCY = "online_efficiency", "办事效率"
    GUIDE_ACCURACY = "guide_accuracy", "办事指南精确度"
    CONVENIENCE = "convenience", "办事便捷度"
    OPERABILITY = "operability", "平台操作性"


ONSITE_INDICATORS = (Indicator.EFFICIENCY, Indicator.SKILL, Indicator.ATTITUDE)
ONLINE_INDICATORS = (
    Indicator.ONLINE_EFFICIENCY,
    Indicator.GUIDE_ACCURACY,
    Indicator.CONVENIENCE,
    Indicator.OPERABILITY,
)


class ReasonTag(models.Model):
    """A reason (评价标签) offered for one level, maintained by administrators."""

    level = models.CharField("评价等级", max_length=24, choices=Level.choices)
    text = models.CharField("标签", max_length=30)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        verbose_name = "评价标签"
        verbose_name_plural = "评价标签"
        ordering = ["level", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["level", "text"], name="reasontag_unique_per_level")]

    def __str__(self) -> str:
        return f"{self.get_level_display()}·{self.text}"


class EvaluatorDevice(models.Model):
    """A window evaluator tablet (评价器) bound to one window by a registered token (stored hashed)."""

    name = models.CharField("设备名称", max_length=60)
    window = models.ForeignKey("hall.Window", verbose_name="窗口", on_delete=models.PROTECT, related_name="evaluators")
    token_hash = models.CharField("令牌摘要", max_length=64, unique=True, editable=False)
    registered_at = models.DateTimeField("登记时间", auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="停用人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "评价器"
        verbose_name_plural = "评价器"
        ordering = ["window__site", "window__number", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.window}）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Evaluation(models.Model):
    """One evaluation (评价记录). Append-only: a correction is a new row that ``supersedes`` it."""

    TEXT_MAX = 500

    subject = models.CharField("评价对象", max_length=16, choices=Subject.choices)
    service_record = models.ForeignKey(
        "queue.ServiceRecord",
        verbose_name="窗口服务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    application = models.ForeignKey(
        "approvals.Application",
        verbose_name="办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    # What the rating reaches, copied at rating time (the rollups group by these).
    site = models.ForeignKey("hall.Site", verbose_name="服务场所", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "hall.Department", verbose_name="部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        "hall.Window", verbose_name="窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="工作人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    matter = models.ForeignKey(
        "catalog.Matter", verbose_name="事项", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    matter_name = models.CharField("事项名称", max_length=200, blank=True)

    channel = models.CharField("评价渠道", max_length=16, choices=Channel.choices)
    device = models.ForeignKey(
        EvaluatorDevice, verbose_name="评价器", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evaluator_type = models.CharField("评价人类型", max_length=16, choices=EvaluatorType.choices)
    evaluator_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评价人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    evaluator_name = models.CharField("评价人", max_length=100, blank=True)
    evaluator_phone = models.CharField("评价人手机", max_length=11, blank=True)

    level = models.CharField("评价等级", max_length=24, choices=Level.choices)
    scores = models.JSONField("指标评分", default=dict, blank=True)
    tags = models.ManyToManyField(ReasonTag, verbose_name="评价标签", blank=True, related_name="+")
    text = models.CharField("评价内容", max_length=TEXT_MAX, blank=True)
    is_public = models.BooleanField("公开", default=True)

    is_follow_up = models.BooleanField("追评", default=False)
    follows = models.ForeignKey(
        "self", verbose_name="追评对象", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    supersedes = models.OneToOneField(
        "self", verbose_name="更正对象", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    external_id = models.CharField("外部编号", max_length=64, blank=True)

    rated_at = models.DateTimeField("评价时间")
    rated_on = models.DateField("评价日期")
    is_load_data = models.BooleanField("压测数据", default=False, editable=False)

    class Meta:
        verbose_name = "评价"
        verbose_name_plural = "评价记录"
        ordering = ["-rated_at", "-id"]
        constraints = [
            # 一次一评: one first evaluation per window service.
            models.UniqueConstraint(
                fields=["service_record"],
                condition=Q(subject="service", is_follow_up=False, supersedes__isnull=True),
                name="evaluation_one_per_service",
            ),
            # 一事一评: one first evaluation per application.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(subject="application", is_follow_up=False, supersedes__isnull=True),
                name="evaluation_one_per_application",
            ),
            # At most one 追评 per evaluation.
            models.UniqueConstraint(
                fields=["follows"], condition=Q(is_follow_up=True), name="evaluation_one_follow_up"
            ),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="evaluation_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(subject="service", service_record__isnull=False)
                | Q(subject="application", application__isnull=False),
                name="evaluation_subject_present",
            ),
            models.CheckConstraint(
                condition=Q(is_follow_up=False, follows__isnull=True) | Q(is_follow_up=True, follows__isnull=False),
                name="evaluation_follow_up_has_target",
            ),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="evaluation_level_known"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="evaluation_channel_known"),
        ]
        indexes = [
            models.Index(fields=["rated_on"], name="evaluation_rated_on_idx"),
            models.Index(fields=["evaluator_user", "-rated_at"], name="evaluation_evaluator_idx"),
        ]

    def __str__(self) -> str:
        return f"评价#{self.pk} {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS

    @property
    def is_real_name(self) -> bool:
        """实名: a logged-in evaluator or one who left a phone for the callback (回访)."""
        return self.evaluator_type != EvaluatorType.ANONYMOUS or bool(self.evaluator_phone)


class CaseStatus(models.TextChoices):
    """差评整改 status."""

    SUBMITTED = "submitted", "待核实"
    VERIFYING = "verifying", "核实中"
    CONFIRMED = "confirmed", "核实属实"
    RECTIFYING = "rectifying", "整改中"
    RECTIFIED = "rectified", "已整改"
    CLOSED = "closed", "已办结"
    APPEAL_REVIEW = "appeal_review", "申诉复核中"
    INVALIDATED = "invalidated", "认定不实"


# Statuses whose step has a deadline the sweep watches.
CASE_OPEN_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.VERIFYING,
    CaseStatus.CONFIRMED,
    CaseStatus.RECTIFYING,
    CaseStatus.APPEAL_REVIEW,
)
# A 差评 handled: its evaluator may add one 追评.
CASE_HANDLED_STATUSES = (CaseStatus.CLOSED, CaseStatus.INVALIDATED)


class Verification(models.TextChoices):
    NONE = "", "未核实"
    TRUE = "true", "属实"
    MISTAKEN = "mistaken", "误评"
    MALICIOUS = "malicious", "恶意差评"


class CaseWarning(models.TextChoices):
    NONE = "none", "正常"
    YELLOW = "yellow", "即将到期"
    RED = "red", "已超期"


class BadReviewCase(models.Model):
    """The handling of one 差评 (差评整改): verify, call back, rectify, close — or appeal review."""

    evaluation = models.OneToOneField(Evaluation, verbose_name="差评", on_delete=models.PROTECT, related_name="case")
    department = models.ForeignKey(
        "hall.Department", verbose_name="责任部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey("hall.Site", verbose_name="服务场所", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=16, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED)
    # The deadline of the current step (核实 1 个工作日 / 整改 15 个工作日 / 复核), in working days.
    due_on = models.DateField("本环节期限", null=True, blank=True)
    warning_level = models.CharField("预警", max_length=8, choices=CaseWarning.choices, default=CaseWarning.NONE)
    warned_level = models.CharField(
        "已通知预警", max_length=8, choices=CaseWarning.choices, default=CaseWarning.NONE, editable=False
    )
    verification = models.CharField(
        "核实结论", max_length=16, choices=Verification.choices, default=Verification.NONE, blank=True
    )
    verification_note = models.TextField("核实情况", blank=True)
    called_back_at = models.DateTimeField("回访时间", null=True, blank=True)
    callback_note = models.TextField("回访情况", blank=True)
    rectification_note = models.TextField("整改情况", blank=True)
    rectified_at = models.DateTimeField("整改完成时间", null=True, blank=True)
    appeal_note = models.TextField("复核意见", blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["confirmed", "rectifying", "rectified", "closed"]) | Q(verification="true"),
                name="badreviewcase_confirmed_is_true",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["rectified", "closed"]) | Q(rectified_at__isnull=False),
                name="badreviewcase_rectified_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["closed", "invalidated", "rectified"]) | Q(due_on__isnull=False),
                name="badreviewcase_open_has_due",
            ),
        ]
        indexes = [
            # The sweep and the inboxes read open cases by deadline.
            models.Index(
                fields=["due_on", "id"],
                condition=Q(status__in=["submitted", "verifying", "confirmed", "rectifying", "appeal_review"]),
                name="badreviewcase_open_due_idx",
            ),
            models.Index(fields=["department", "status"], name="badreviewcase_dept_status_idx"),
        ]

    def __str__(self) -> str:
        return f"差评整改#{self.pk}"


class BadReviewEvent(models.Model):
    """Append-only history (处理过程) of a 差评 case."""

    case = models.ForeignKey(BadReviewCase, verbose_name="差评整改", on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=32)
    from_status = models.CharField("原状态", max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=CaseStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_repr = models.CharField("操作人名称", max_length=100)
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "差评处理记录"
        verbose_name_plural = "差评处理记录"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


def evidence_upload_path(instance: BadReviewEvidence, filename: str) -> str:
    return f"evaluations/{instance.uploaded_at:%Y/%m}/{instance.token}.{instance.extension}"


class BadReviewEvidence(models.Model):
    """A file proving a rectification (整改佐证材料): PDF/JPG/PNG, private under MEDIA_ROOT."""

    MAX_BYTES = 10 * 1024 * 1024

    case = models.ForeignKey(BadReviewCase, verbose_name="差评整改", on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("文件", upload_to=evidence_upload_path, max_length=200)
    token = models.CharField("存储名", max_length=32, unique=True, editable=False)
    extension = models.CharField("扩展名", max_length=8, editable=False)
    original_name = models.CharField("原文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "整改佐证材料"
        verbose_name_plural = "整改佐证材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class EvaluationRollup(models.Model):
    """Daily counts (好差评日汇总) per date × site × department × window × staff × matter × channel.

    Ids are plain integers, 0 meaning "none", so that the key is one unique constraint and a
    rebuild is one INSERT … SELECT. Level counts are of first evaluations (追评 and superseded
    rows excluded); case counts are of the 差评 rated that day.
    """

    day = models.DateField("日期")
    site_id = models.IntegerField("服务场所")
    department_id = models.IntegerField("部门")
    window_id = models.IntegerField("窗口")
    staff_id = models.IntegerField("工作人员")
    matter_id = models.IntegerField("事项")
    channel = models.CharField("渠道", max_length=16)
    total = models.IntegerField("评价数")
    very_satisfied = models.IntegerField("非常满意")
    satisfied = models.IntegerField("满意")
    basically_satisfied = models.IntegerField("基本满意")
    dissatisfied = models.IntegerField("不满意")
    very_dissatisfied = models.IntegerField("非常不满意")
    bad = models.IntegerField("差评")
    bad_real_name = models.IntegerField("实名差评")
    confirmed = models.IntegerField("核实属实")
    rectified = models.IntegerField("已整改")
    called_back = models.IntegerField("已回访实名差评")
    applications_evaluated = models.IntegerField("主动评价办件")
    follow_ups = models.IntegerField("追评")

    class Meta:
        verbose_name = "好差评日汇总"
        verbose_name_plural = "好差评日汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "site_id", "department_id", "window_id", "staff_id", "matter_id", "channel"],
                name="evaluationrollup_unique_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.total}"


class EvaluationMonthlyRollup(models.Model):
    """The daily rollup summed per month × site × department × window × staff × matter (no channel):
    periods of whole months (a year's supervisor page) read a few thousand rows instead of the days."""

    month = models.DateField("月份（首日）")
    site_id = models.IntegerField("服务场所")
    department_id = models.IntegerField("部门")
    window_id = models.IntegerField("窗口")
    staff_id = models.IntegerField("工作人员")
    matter_id = models.IntegerField("事项")
    total = models.IntegerField("评价数")
    very_satisfied = models.IntegerField("非常满意")
    satisfied = models.IntegerField("满意")
    basically_satisfied = models.IntegerField("基本满意")
    dissatisfied = models.IntegerField("不满意")
    very_dissatisfied = models.IntegerField("非常不满意")
    bad = models.IntegerField("差评")
    bad_real_name = models.IntegerField("实名差评")
    confirmed = models.IntegerField("核实属实")
    rectified = models.IntegerField("已整改")
    called_back = models.IntegerField("已回访实名差评")
    applications_evaluated = models.IntegerField("主动评价办件")
    follow_ups = models.IntegerField("追评")

    class Meta:
        verbose_name = "好差评月汇总"
        verbose_name_plural = "好差评月汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "site_id", "department_id", "window_id", "staff_id", "matter_id"],
                name="evaluationmonthlyrollup_unique_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.total}"


class CompletionRollup(models.Model):
    """Applications completed (办结) per date × site × department × matter: 主动评价率's denominator."""

    day = models.DateField("日期")
    site_id = models.IntegerField("服务场所")
    department_id = models.IntegerField("部门")
    matter_id = models.IntegerField("事项")
    completed = models.IntegerField("办结数")

    class Meta:
        verbose_name = "办结日汇总"
        verbose_name_plural = "办结日汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "site_id", "department_id", "matter_id"], name="completionrollup_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.completed}"

"""Applications (办件), their materials, history, clock pauses and extensions, bundles and SMS outbox.

No workflow lives here: every state change goes through ``approvals.services`` and is checked
against the table in ``approvals.transitions``. Fields and database constraints only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Status(models.TextChoices):
    """办理状态 of an application."""

    RECEIVED = "received", "已接件"
    SUBMITTED = "submitted", "网上已提交"
    PREREVIEW = "prereview", "网上预审中"
    SUPPLEMENT_REQUESTED = "supplement_requested", "补正中"
    SUPPLEMENTED = "supplemented", "已补正"
    ACCEPTED = "accepted", "已受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    UNDER_REVIEW = "under_review", "审查中"
    SPECIAL_PROCEDURE = "special_procedure", "特别程序中"
    DECIDED = "decided", "已决定"
    COMPLETED = "completed", "已办结"
    DELIVERED = "delivered", "已送达"
    WITHDRAWN = "withdrawn", "已撤回"
    REVOKED = "revoked", "已撤销"


# Statuses before acceptance: the bureau still owes the applicant an answer (art. 32).
PRE_ACCEPTANCE_STATUSES = (Status.RECEIVED, Status.SUBMITTED, Status.PREREVIEW, Status.SUPPLEMENTED)
# Statuses in which the legal clock is started and not yet stopped (the sweep's rows).
CLOCK_OPEN_STATUSES = (Status.ACCEPTED, Status.UNDER_REVIEW, Status.SPECIAL_PROCEDURE, Status.DECIDED)
FINAL_STATUSES = (Status.NOT_ACCEPTED, Status.DELIVERED, Status.WITHDRAWN, Status.REVOKED)


class Channel(models.TextChoices):
    """申请渠道."""

    WINDOW = "window", "窗口"
    ONLINE_PC = "online_pc", "网上办理（电脑端）"
    MOBILE = "mobile", "移动端"
    TOWN_SITE = "town_site", "乡镇（街道）便民服务中心"
    POST = "post", "邮寄"


ONLINE_CHANNELS = (Channel.ONLINE_PC, Channel.MOBILE)


class ApplicantType(models.TextChoices):
    NATURAL_PERSON = "natural", "自然人"
    LEGAL_PERSON = "legal", "法人或其他组织"


class IdType(models.TextChoices):
    """证件类型."""

    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAO_PERMIT = "hk_macao", "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "taiwan", "台湾居民来往大陆通行证"
    FOREIGN_RESIDENCE = "foreign_residence", "外国人永久居留身份证"


class ClockState(models.TextChoices):
    """法定时限计时状态."""

    NOT_STARTED = "not_started", "未开始"
    RUNNING = "running", "计时中"
    PAUSED = "paused", "暂停计时"
    STOPPED = "stopped", "已停止"


class WarningLevel(models.TextChoices):
    """预警级别: 黄牌 when few working days remain, 红牌 when overdue."""

    NONE = "none", "正常"
    YELLOW = "yellow", "黄牌"
    RED = "red", "红牌"


class Decision(models.TextChoices):
    NONE = "", "未决定"
    APPROVED = "approved", "准予许可"
    DENIED = "denied", "不予许可"


class DeliveryMethod(models.TextChoices):
    """送达方式."""

    PICKUP = "pickup", "窗口领取"
    POST = "post", "邮寄送达"
    ELECTRONIC = "electronic", "电子送达"


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
            models.Index(fields=["department", "status"], name="application_dept_status_idx"),
            models.Index(fields=["site", "status"], name="application_site_status_idx"),
            models.Index(fields=["applicant_user", "status"], name="application_applicant_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATUSES and self.status != Status.COMPLETED


class ApplicationMaterial(models.Model):
    """One material of an application and its state at intake (提供 / 容缺 / 不适用)."""

    class State(models.TextChoices):
        PROVIDED = "provided", "已提交"
        MISSING_PROMISED = "promised", "容缺（承诺补交）"
        MISSING = "missing", "缺少（待补正）"
        NOT_APPLICABLE = "not_applicable", "不适用"

    application = models.ForeignKey(
        Application, verbose_name="办件", on_delete=models.CASCADE, related_name="materials"
    )
    material = models.ForeignKey(
        "catalog.Material", verbose_name="清单材料", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("材料名称", max_length=200)
    is_required = models.BooleanField("必要材料", default=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.MISSING)
    promise_due_on = models.DateField("承诺补交日期", null=True, blank=True)
    promise_note = models.CharField("容缺承诺说明", max_length=300, blank=True)
    reminded_at = models.DateTimeField("到期提醒时间", null=True, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        verbose_name = "办件材料"
        verbose_name_plural = "办件材料"
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="promised") | Q(promise_due_on__isnull=False),
                name="applicationmaterial_promise_has_due_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["promise_due_on"],
                condition=Q(state="promised", reminded_at__isnull=True),
                name="material_promise_due_idx",
            )
        ]

    def __str__(self) -> str:
        return self.name


def material_upload_path(instance: MaterialFile, filename: str) -> str:
    # A random name: the original is kept in the row, never trusted as a path.
    return f"materials/{instance.uploaded_at:%Y/%m}/{instance.token}.{instance.extension}"


class MaterialFile(models.Model):
    """An uploaded file of a material (PDF/JPG/PNG), private under MEDIA_ROOT."""

    MAX_BYTES = 20 * 1024 * 1024

    material = models.ForeignKey(
        ApplicationMaterial, verbose_name="材料", on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField("文件", upload_to=material_upload_path, max_length=200)
    token = models.CharField("存储名", max_length=32, unique=True, editable=False)
    extension = models.CharField("扩展名", max_length=8, editable=False)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "材料文件"
        verbose_name_plural = "材料文件"
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__lte=20 * 1024 * 1024), name="materialfile_at_most_20mb"),
        ]

    def __str__(self) -> str:
        return self.original_name


class ApplicationEvent(models.Model):
    """Append-only history (办理过程) of an application: nothing updates or deletes it."""

    application = models.ForeignKey(Application, verbose_name="办件", on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=32)
    from_status = models.CharField("原状态", max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=24, choices=Status.choices)
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
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"


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


class NumberSequence(models.Model):
    """The last number issued per year and division (办件编号流水号)."""

    year = models.PositiveSmallIntegerField("年份")
    division_code = models.CharField("区划代码", max_length=6)
    last_value = models.PositiveIntegerField("当前流水号", default=0)

    class Meta:
        verbose_name = "编号流水"
        verbose_name_plural = "编号流水"
        constraints = [
            models.UniqueConstraint(fields=["year", "division_code"], name="numbersequence_unique_per_year_division")
        ]

    def __str__(self) -> str:
        return f"{self.year}{self.division_code}:{self.last_value}"


class DepartmentHead(models.Model):
    """Who heads a department (部门负责人) and receives its deadline warnings.

    Kept as a small table an administrator maintains, rather than a role: the head of a
    department is usually an approver of that department with one more duty.
    """

    department = models.ForeignKey(
        "hall.Department", verbose_name="部门", on_delete=models.CASCADE, related_name="heads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="负责人", on_delete=models.CASCADE, related_name="headed_departments"
    )

    class Meta:
        verbose_name = "部门负责人"
        verbose_name_plural = "部门负责人"
        constraints = [models.UniqueConstraint(fields=["department", "user"], name="departmenthead_unique")]

    def __str__(self) -> str:
        return f"{self.department} · {self.user}"


class SmsMessage(models.Model):
    """The SMS outbox (短信): written in the service's transaction, delivered after commit."""

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    phone = models.CharField("手机号码", max_length=11)
    body = models.TextField("内容")
    application = models.ForeignKey(
        Application, verbose_name="办件", null=True, blank=True, on_delete=models.SET_NULL, related_name="sms"
    )
    dedupe_key = models.CharField("去重键", max_length=120, blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.PENDING)
    backend = models.CharField("发送通道", max_length=100, blank=True)
    error = models.CharField("错误信息", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信"
        verbose_name_plural = "短信记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="smsmessage_dedupe_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}"

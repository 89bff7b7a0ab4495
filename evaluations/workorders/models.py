"""Work orders (诉求工单), their history, time-limit table, attachments, front-desk records, imports.

No workflow lives here: every state change goes through ``evaluations.workorders.services`` and is
checked against ``evaluations.workorders.transitions``. Fields and database constraints only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Source(models.TextChoices):
    """工单来源."""

    HOTLINE = "hotline", "12345热线"
    UNRESOLVED_WINDOW = "unresolved_window", "办不成事反映窗口"
    ONLINE = "online", "网上投诉"
    LETTER = "letter", "来信"
    BAD_REVIEW = "bad_review", "差评转办"


class Kind(models.TextChoices):
    """诉求类型."""

    CONSULTATION = "consultation", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    SUGGESTION = "suggestion", "建议"
    PRAISE = "praise", "表扬"


class Urgency(models.TextChoices):
    """紧急程度."""

    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"


class Status(models.TextChoices):
    """工单状态."""

    RECEIVED = "received", "待派单"
    DISPATCHED = "dispatched", "已派单待签收"
    RETURNED = "returned", "已退回"
    IN_HANDLING = "in_handling", "办理中"
    REPLIED = "replied", "已答复待回访"
    CALLED_BACK = "called_back", "已回访"
    CLOSED = "closed", "已办结"


# Statuses in which the department's time limit runs (the sweep's rows).
OPEN_STATUSES = (Status.RECEIVED, Status.DISPATCHED, Status.RETURNED, Status.IN_HANDLING)
# Everything not closed: the rows of the dispatch board.
ACTIVE_STATUSES = (*OPEN_STATUSES, Status.REPLIED, Status.CALLED_BACK)


class CallbackResult(models.TextChoices):
    """回访结果."""

    NONE = "", "未回访"
    SATISFIED = "satisfied", "满意"
    DISSATISFIED = "dissatisfied", "不满意"
    NOT_REACHED = "not_reached", "未接通"


class WarningLevel(models.TextChoices):
    """预警级别: 黄牌 when little time is left, 红牌 when overdue."""

    NONE = "none", "正常"
    YELLOW = "yellow", "黄牌"
    RED = "red", "红牌"


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "days", "工作日"
    WORKING_HOURS = "hours", "工作小时"


class TimeLimit(models.Model):
    """办理时限表 [local]: one row per kind and urgency, editable by an administrator.

    Defaults (data migration, DOMAIN.md §6): 咨询 3 working days, 投诉 and the other kinds 13
    working days, any 紧急 order 24 working hours (hours count only the hall's opening hours of
    working days, the admin table 大厅工作时间 ``hall.models.OpeningPeriod``).
    """

    kind = models.CharField("诉求类型", max_length=16, choices=Kind.choices)
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices)
    amount = models.PositiveIntegerField("时限")
    unit = models.CharField("单位", max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS)

    class Meta:
        verbose_name = "工单办理时限"
        verbose_name_plural = "工单办理时限"
        ordering = ["kind", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "urgency"], name="workorder_timelimit_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="workorder_timelimit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}·{self.get_urgency_display()}：{self.amount} {self.get_unit_display()}"


class WorkOrder(models.Model):
    """A request or complaint (诉求工单) from the 12345 hotline, the 办不成事 window, online, a letter
    or a routed 差评, from receipt to close."""

    number = models.CharField("工单编号", max_length=20, unique=True)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    kind = models.CharField("诉求类型", max_length=16, choices=Kind.choices)
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField("状态", max_length=16, choices=Status.choices)
    hotline_number = models.CharField("热线工单号", max_length=40, blank=True)
    # 差评转办: the 差评 this order was opened for (one order per evaluation at most).
    evaluation = models.OneToOneField(
        "evaluations.Evaluation",
        verbose_name="来源差评",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    title = models.CharField("诉求标题", max_length=200)
    content = models.TextField("诉求内容")
    requester_name = models.CharField("诉求人", max_length=50, blank=True)
    requester_phone = models.CharField("联系电话", max_length=20, blank=True)
    is_market_entity = models.BooleanField("市场主体诉求", default=False)
    entity_name = models.CharField("市场主体名称", max_length=200, blank=True)
    entity_credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)

    matter = models.ForeignKey(
        "catalog.Matter", verbose_name="涉及事项", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applications = models.ManyToManyField(
        "approvals.Application", verbose_name="涉及办件", blank=True, related_name="work_orders"
    )
    department = models.ForeignKey(
        "hall.Department",
        verbose_name="承办部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    site = models.ForeignKey(
        "hall.Site", verbose_name="受理场所", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        "hall.Window", verbose_name="受理窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField("受理时间")
    received_on = models.DateField("受理日期")

    # The time limit, copied from the table at receipt (a later edit of the table does not move it);
    # the clock starts at receipt, and again at a reopening (重办).
    clock_started_at = models.DateTimeField("计时起点")
    limit_amount = models.PositiveIntegerField("办理时限")
    limit_unit = models.CharField("时限单位", max_length=8, choices=LimitUnit.choices)
    deadline_at = models.DateTimeField("办理期限")
    extended_amount = models.PositiveIntegerField("已延期", default=0)
    pending_extension = models.PositiveIntegerField("待批延期", null=True, blank=True)
    pending_extension_reason = models.TextField("延期理由", blank=True)
    pending_extension_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="延期申请人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    warning_level = models.CharField("预警级别", max_length=8, choices=WarningLevel.choices, default=WarningLevel.NONE)
    warned_level = models.CharField(
        "已通知预警级别", max_length=8, choices=WarningLevel.choices, default=WarningLevel.NONE, editable=False
    )
    is_supervised = models.BooleanField("督办", default=False)

    dispatched_at = models.DateTimeField("首次派单时间", null=True, blank=True)
    dispatched_on = models.DateField("首次派单日期", null=True, blank=True)
    return_count = models.PositiveIntegerField("退回次数", default=0)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    reply_text = models.TextField("答复内容", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    callback_due_on = models.DateField("应回访日期", null=True, blank=True)
    callback_result = models.CharField(
        "回访结果", max_length=16, choices=CallbackResult.choices, default=CallbackResult.NONE, blank=True
    )
    callback_note = models.TextField("回访记录", blank=True)
    callback_at = models.DateTimeField("回访时间", null=True, blank=True)
    reopen_count = models.PositiveIntegerField("重办次数", default=0)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    on_time = models.BooleanField("按期办结", null=True, blank=True)
    handling_working_days = models.PositiveIntegerField("办理用时（工作日）", null=True, blank=True)

    is_load_data = models.BooleanField("压测数据", default=False, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "诉求工单"
        verbose_name_plural = "诉求工单"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hotline_number"], condition=~Q(hotline_number=""), name="workorder_hotline_number_unique"
            ),
            models.CheckConstraint(
                condition=~Q(source="hotline") | ~Q(hotline_number=""), name="workorder_hotline_has_number"
            ),
            models.CheckConstraint(
                condition=Q(is_market_entity=False) | ~Q(entity_credit_code=""),
                name="workorder_market_entity_has_credit_code",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["dispatched", "in_handling"]) | Q(department__isnull=False),
                name="workorder_dispatched_has_department",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_on__isnull=False, on_time__isnull=False),
                name="workorder_closed_has_outcome",
            ),
        ]
        indexes = [
            # The dispatch board and the sweep read only active orders, by status or card, most urgent first.
            models.Index(
                fields=["status", "deadline_at"], condition=Q(status__in=ACTIVE_STATUSES), name="workorder_active_idx"
            ),
            models.Index(
                fields=["warning_level", "deadline_at"],
                include=["status"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="workorder_active_level_idx",
            ),
            models.Index(fields=["department", "status"], name="workorder_dept_status_idx"),
            # Figures: receipts, first dispatches and closes per day.
            # Covering (INCLUDE) so that the figures are index-only scans of the period's range.
            models.Index(
                fields=["received_on", "kind"],
                include=["id", "source", "status", "site", "department"],
                name="workorder_received_idx",
            ),
            models.Index(
                fields=["dispatched_on"],
                include=["id", "status", "site", "department"],
                name="workorder_dispatched_idx",
            ),
            models.Index(
                fields=["closed_on"],
                include=[
                    "id",
                    "status",
                    "on_time",
                    "is_market_entity",
                    "callback_result",
                    "handling_working_days",
                    "site",
                    "department",
                ],
                name="workorder_closed_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class WorkOrderEvent(models.Model):
    """Append-only history (处理过程) of a work order: who did what, when; nothing edits it."""

    order = models.ForeignKey(WorkOrder, verbose_name="工单", on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=32)
    from_status = models.CharField("原状态", max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=Status.choices)
    # The department concerned by the step (the one dispatched to, or the one returning it).
    department = models.ForeignKey(
        "hall.Department", verbose_name="部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
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
    created_at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "工单处理记录"
        verbose_name_plural = "工单处理记录"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["action", "created_at"], name="workorderevent_action_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


def attachment_upload_path(instance: WorkOrderAttachment, filename: str) -> str:
    # A random name: the original is kept in the row, never trusted as a path.
    return f"workorders/{instance.uploaded_at:%Y/%m}/{instance.token}.{instance.extension}"


class WorkOrderAttachment(models.Model):
    """A file of the request or of the reply (PDF/JPG/PNG, at most 20 MB), private under MEDIA_ROOT."""

    MAX_BYTES = 20 * 1024 * 1024

    class Purpose(models.TextChoices):
        CONTENT = "content", "诉求附件"
        REPLY = "reply", "答复附件"

    order = models.ForeignKey(WorkOrder, verbose_name="工单", on_delete=models.CASCADE, related_name="attachments")
    purpose = models.CharField("用途", max_length=8, choices=Purpose.choices)
    file = models.FileField("文件", upload_to=attachment_upload_path, max_length=200)
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
        verbose_name = "工单附件"
        verbose_name_plural = "工单附件"
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__lte=20 * 1024 * 1024), name="workorderattachment_at_most_20mb"),
        ]

    def __str__(self) -> str:
        return self.original_name


class NumberSequence(models.Model):
    """The last work-order number issued per year (工单编号流水号)."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    last_value = models.PositiveIntegerField("当前流水号", default=0)

    class Meta:
        verbose_name = "工单编号流水"
        verbose_name_plural = "工单编号流水"

    def __str__(self) -> str:
        return f"{self.year}:{self.last_value}"


class FrontDeskRecord(models.Model):
    """A front-desk record (前台登记): a consultation at the guidance desk, guided or assisted
    handling not tied to an application, praise, or a visit to the enterprise-service window."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", "咨询登记"
        GUIDANCE = "guidance", "导办"
        ASSISTED = "assisted", "帮办"
        PROXY = "proxy", "代办"
        PRAISE_BANNER = "banner", "锦旗"
        PRAISE_THANKS = "thanks", "当面致谢"
        ENTERPRISE_VISIT = "ent_visit", "企业服务窗口来访"
        ENTERPRISE_CONSULTATION = "ent_consult", "企业服务窗口咨询"
        ENTERPRISE_FILING = "ent_filing", "企业服务窗口帮办申报"

    class Outcome(models.TextChoices):
        NONE = "", "—"
        ANSWERED = "answered", "当场解答"
        REFERRED = "referred", "转交办理"

    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    topic = models.CharField("事由", max_length=200)
    outcome = models.CharField("处理结果", max_length=16, choices=Outcome.choices, default=Outcome.NONE, blank=True)
    matter = models.ForeignKey(
        "catalog.Matter", verbose_name="涉及事项", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey("hall.Site", verbose_name="服务场所", on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(
        "hall.Window", verbose_name="窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Praise names the window or the staff member praised.
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受表扬人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")
    recorded_on = models.DateField("登记日期")
    is_load_data = models.BooleanField("压测数据", default=False, editable=False)

    class Meta:
        verbose_name = "前台登记"
        verbose_name_plural = "前台登记"
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="consultation") | ~Q(outcome=""), name="frontdeskrecord_consultation_has_outcome"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["banner", "thanks"]) | Q(window__isnull=False) | Q(staff__isnull=False),
                name="frontdeskrecord_praise_names_whom",
            ),
        ]
        indexes = [
            models.Index(
                fields=["recorded_on", "kind"], include=["id", "site", "window"], name="frontdeskrecord_day_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.topic}"


class HotlineImport(models.Model):
    """One upload of the 12345 platform's export (热线工单导入): all rows or none."""

    class State(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "未导入（有错误）"

    original_name = models.CharField("文件名", max_length=200)
    path = models.CharField("存储路径", max_length=300)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    skipped_count = models.PositiveIntegerField("已存在跳过", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "热线工单导入"
        verbose_name_plural = "热线工单导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class HotlineReply(models.Model):
    """The outbox of replies pushed back to the 12345 platform (答复回传), delivered after commit."""

    class State(models.TextChoices):
        PENDING = "pending", "待回传"
        SENT = "sent", "已回传"
        FAILED = "failed", "回传失败"

    order = models.ForeignKey(WorkOrder, verbose_name="工单", on_delete=models.CASCADE, related_name="hotline_replies")
    hotline_number = models.CharField("热线工单号", max_length=40)
    payload = models.JSONField("内容")
    dedupe_key = models.CharField("去重键", max_length=80, unique=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.PENDING)
    backend = models.CharField("回传通道", max_length=100, blank=True)
    error = models.CharField("错误信息", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("回传时间", null=True, blank=True)

    class Meta:
        verbose_name = "热线答复回传"
        verbose_name_plural = "热线答复回传"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.hotline_number} {self.get_state_display()}"


class _RollupKey(models.Model):
    """The keys shared by the daily rollups: the day and the site and department concerned."""

    day = models.DateField("日期")
    # Plain references (no database constraint): a rollup row is derived data, rebuilt at will.
    site = models.ForeignKey(
        "hall.Site", verbose_name="场所", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    department = models.ForeignKey(
        "hall.Department",
        verbose_name="部门",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.site_id or '—'}/{self.department_id or '—'}"


class WorkOrderDayRollup(_RollupKey):
    """Daily rollup of work orders (工单日汇总) by day × site × department × kind: what the figures
    read instead of the orders themselves.

    Each count belongs to its own date column: ``received*`` and ``unresolved_*`` (source 办不成事)
    to the day of receipt, ``dispatched*`` to the first dispatch, ``completed`` … ``handling_days_*``
    and ``entity_*`` (market entities' requests) to the close (closed orders only), ``returns`` to
    the day of each return (keyed by the returning department). The source and the market-entity
    flag are counted in columns, not keys, so a year is at most days × sites × departments × kinds
    rows whatever the number of orders. Derived data only: ``evaluations.workorders.rollups``
    recomputes the touched days after each commit, and ``rebuild_workorder_rollups`` rebuilds any
    period exactly.
    """

    kind = models.CharField("诉求类型", max_length=16, choices=Kind.choices)
    received = models.PositiveIntegerField("受理", default=0)
    received_closed = models.PositiveIntegerField("受理且已办结", default=0)
    unresolved_received = models.PositiveIntegerField("办不成事受理", default=0)
    unresolved_closed = models.PositiveIntegerField("办不成事受理且已办结", default=0)
    dispatched = models.PositiveIntegerField("首次派单", default=0)
    dispatched_closed = models.PositiveIntegerField("派单且已办结", default=0)
    completed = models.PositiveIntegerField("办结", default=0)
    on_time = models.PositiveIntegerField("按期办结", default=0)
    entity_completed = models.PositiveIntegerField("市场主体诉求办结", default=0)
    entity_on_time = models.PositiveIntegerField("市场主体诉求按期办结", default=0)
    reached = models.PositiveIntegerField("回访接通", default=0)
    satisfied = models.PositiveIntegerField("回访满意", default=0)
    handling_days_sum = models.PositiveBigIntegerField("办理工作日合计", default=0)
    handling_days_n = models.PositiveIntegerField("有办理用时的办结数", default=0)
    returns = models.PositiveIntegerField("退回次数", default=0)

    class Meta:
        verbose_name = "工单日汇总"
        verbose_name_plural = "工单日汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "site", "department", "kind"],
                nulls_distinct=False,
                name="workorderdayrollup_day_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["day", "department"], name="workorderdayrollup_day_idx")]


class FrontDeskDayRollup(_RollupKey):
    """Daily rollup of front-desk records (前台登记日汇总) by day × site × department (of the
    window, if any) × kind."""

    kind = models.CharField("类别", max_length=16, choices=FrontDeskRecord.Kind.choices)
    records = models.PositiveIntegerField("登记数", default=0)

    class Meta:
        verbose_name = "前台登记日汇总"
        verbose_name_plural = "前台登记日汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "site", "department", "kind"],
                nulls_distinct=False,
                name="frontdeskdayrollup_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["day", "department"], name="frontdeskdayrollup_day_idx")]

"""Queue models (取号叫号): lines, daily counters, tickets, appointments, calls, pauses, service records."""

from __future__ import annotations

import uuid
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q


class QueueLine(models.Model):
    """Queue line (排队队列) of a zone: a letter prefix, the matters it serves, a daily maximum, hours."""

    site = models.ForeignKey("hall.Site", verbose_name="服务场所", on_delete=models.PROTECT, related_name="queue_lines")
    zone = models.ForeignKey("hall.Zone", verbose_name="专区", on_delete=models.PROTECT, related_name="queue_lines")
    prefix = models.CharField(
        "号码字母",
        max_length=1,
        validators=[RegexValidator(r"^[A-Z]$", "号码字母须为一个大写英文字母。")],
    )
    name = models.CharField("队列名称", max_length=60)
    description = models.CharField("说明", max_length=200, blank=True)
    matters = models.ManyToManyField("catalog.Matter", verbose_name="办理事项", blank=True, related_name="queue_lines")
    daily_limit = models.PositiveIntegerField("每日取号上限", default=300, validators=[MinValueValidator(1)])
    opens_at = models.TimeField("开始取号时间", default=time(8, 30))
    closes_at = models.TimeField("停止取号时间", default=time(17, 30))
    priority_interleave = models.PositiveSmallIntegerField(
        "优先号间隔",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="有优先号等候时，每叫 N 个普通号后叫 1 个优先号（N:1）。",
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        verbose_name = "排队队列"
        verbose_name_plural = "排队队列"
        ordering = ["site", "sort_order", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["site", "prefix"], name="queue_line_prefix_unique_per_site"),
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")), name="queue_line_opens_before_close"
            ),
            models.CheckConstraint(condition=Q(priority_interleave__gte=1), name="queue_line_interleave_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


class WindowLine(models.Model):
    """Which lines a window serves (窗口服务队列)."""

    window = models.ForeignKey("hall.Window", verbose_name="窗口", on_delete=models.CASCADE, related_name="queue_links")
    line = models.ForeignKey(QueueLine, verbose_name="队列", on_delete=models.CASCADE, related_name="window_links")

    class Meta:
        verbose_name = "窗口服务队列"
        verbose_name_plural = "窗口服务队列"
        constraints = [models.UniqueConstraint(fields=["window", "line"], name="queue_window_line_unique")]

    def __str__(self) -> str:
        return f"{self.window} → {self.line}"


class PriorityCategory(models.Model):
    """Priority category (优先类别): elderly, disabled, green channel for key projects (重点项目绿色通道)."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30)
    description = models.CharField("说明", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        verbose_name = "优先类别"
        verbose_name_plural = "优先类别"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class LineDay(models.Model):
    """One line on one day (队列日状态): the ticket counter and the interleave counter.

    Both counters change only under ``select_for_update`` of this row: issuing a number and
    calling the next ticket of a line are serialised per line and day.
    """

    line = models.ForeignKey(QueueLine, verbose_name="队列", on_delete=models.CASCADE, related_name="days")
    service_date = models.DateField("日期")
    last_sequence = models.PositiveIntegerField("已发号数", default=0)
    normal_streak = models.PositiveIntegerField(
        "连续普通号数", default=0, help_text="上次叫优先号以来连续叫的普通号数量。"
    )

    class Meta:
        verbose_name = "队列日状态"
        verbose_name_plural = "队列日状态"
        constraints = [models.UniqueConstraint(fields=["line", "service_date"], name="queue_line_day_unique")]

    def __str__(self) -> str:
        return f"{self.line} {self.service_date}"


class AppointmentSlot(models.Model):
    """Appointment slot (预约时段) of a line on a day, with a capacity."""

    line = models.ForeignKey(QueueLine, verbose_name="队列", on_delete=models.CASCADE, related_name="slots")
    service_date = models.DateField("日期")
    starts_at = models.TimeField("开始时间")
    ends_at = models.TimeField("结束时间")
    capacity = models.PositiveIntegerField("可预约人数", default=5)
    booked_count = models.PositiveIntegerField("已预约人数", default=0)

    class Meta:
        verbose_name = "预约时段"
        verbose_name_plural = "预约时段"
        ordering = ["service_date", "starts_at", "line"]
        constraints = [
            models.UniqueConstraint(fields=["line", "service_date", "starts_at"], name="queue_slot_unique"),
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="queue_slot_starts_before_end"),
            models.CheckConstraint(
                condition=Q(booked_count__lte=models.F("capacity")), name="queue_slot_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} {self.service_date} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked_count)


class OpeningRule(models.Model):
    """Weekly opening rule (预约开放规则) of a line: on these weekdays, one time band and its capacity.

    Appointment slots are generated from the rules for the coming days (``appointment_slots_generate``,
    hourly in beat), skipping non-working days by the calendar (法定节假日不开放); an official
    make-up working day (调休上班) opens with the rules marked for it. So slots never run out.
    """

    line = models.ForeignKey(QueueLine, verbose_name="队列", on_delete=models.CASCADE, related_name="opening_rules")
    weekdays = models.CharField(
        "适用星期", max_length=7, default="12345", help_text="星期一至星期日记为 1—7，如 12345 表示周一至周五"
    )
    starts_at = models.TimeField("开始时间")
    ends_at = models.TimeField("结束时间")
    capacity = models.PositiveIntegerField("每时段可预约人数", default=6)
    on_makeup_days = models.BooleanField("调休上班日开放", default=True)
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_to = models.DateField("失效日期", null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "预约开放规则"
        verbose_name_plural = "预约开放规则"
        ordering = ["line", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["line", "weekdays", "starts_at"], name="queue_opening_rule_unique"),
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="queue_opening_rule_starts_before_end"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="queue_opening_rule_capacity_positive"),
            models.CheckConstraint(condition=Q(weekdays__regex=r"^[1-7]{1,7}$"), name="queue_opening_rule_weekdays"),
        ]

    def __str__(self) -> str:
        return f"{self.line} 周{self.weekdays} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    def clean(self):
        errors = {}
        if (
            not self.weekdays
            or any(c not in "1234567" for c in self.weekdays)
            or len(set(self.weekdays)) != len(self.weekdays)
        ):
            errors["weekdays"] = "请用 1—7 表示星期一至星期日，每天只写一次，如 12345。"
        if self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            errors["ends_at"] = "结束时间须晚于开始时间。"
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = "失效日期不能早于生效日期。"
        if errors:
            raise ValidationError(errors)

    def applies_on(self, day, *, makeup: bool) -> bool:
        """Whether the rule opens slots on working day ``day`` (``makeup``: a weekend working day)."""
        if not self.is_active or (self.valid_from and day < self.valid_from) or (self.valid_to and day > self.valid_to):
            return False
        return str(day.isoweekday()) in self.weekdays or (makeup and self.on_makeup_days)


class Appointment(models.Model):
    """Appointment (预约) of a citizen for a slot; checked in at the kiosk or online, it becomes a ticket."""

    class Status(models.TextChoices):
        BOOKED = "booked", "已预约"
        CHECKED_IN = "checked_in", "已签到"
        CANCELLED = "cancelled", "已取消"

    slot = models.ForeignKey(
        AppointmentSlot, verbose_name="预约时段", on_delete=models.PROTECT, related_name="appointments"
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="预约人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="queue_appointments",
    )
    name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号码", max_length=11)
    id_number = models.CharField("身份证号码", max_length=18, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.BOOKED)
    booked_at = models.DateTimeField("预约时间", auto_now_add=True)

    class Meta:
        verbose_name = "预约"
        verbose_name_plural = "预约"
        ordering = ["-booked_at"]
        constraints = [
            # One live booking per phone per slot: pressing the button twice does not book twice.
            models.UniqueConstraint(
                fields=["slot", "phone"], condition=~Q(status="cancelled"), name="queue_appointment_once_per_slot"
            ),
        ]
        indexes = [models.Index(fields=["phone", "status"], name="queue_appt_phone_status")]

    def __str__(self) -> str:
        return f"{self.slot} {self.phone[-4:]}"


class Ticket(models.Model):
    """Queue ticket (排队号): numbered per line per day (A001…), called at a window, then served."""

    class Status(models.TextChoices):
        WAITING = "waiting", "等候中"
        CALLED = "called", "已叫号"
        SERVING = "serving", "办理中"
        DONE = "done", "已办结"
        NO_SHOW = "no_show", "已过号"
        EXPIRED = "expired", "已作废"

    class Source(models.TextChoices):
        KIOSK = "kiosk", "现场取号"
        ONLINE = "online", "网上取号"
        APPOINTMENT = "appointment", "预约签到"

    ACTIVE_STATUSES = (Status.CALLED, Status.SERVING)
    # A no-show (过号) may be recorded only after the ticket was called at least this many times.
    CALLS_BEFORE_NO_SHOW = 2
    # A checked-in appointment is due this many minutes before its slot starts.
    APPOINTMENT_EARLY_MINUTES = 10

    token = models.UUIDField("查询码", default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey("hall.Site", verbose_name="服务场所", on_delete=models.PROTECT, related_name="+")
    issued_line = models.ForeignKey(QueueLine, verbose_name="取号队列", on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(QueueLine, verbose_name="当前队列", on_delete=models.PROTECT, related_name="tickets")
    service_date = models.DateField("日期")
    sequence = models.PositiveIntegerField("序号")
    number = models.CharField("号码", max_length=8)
    source = models.CharField("取号方式", max_length=16, choices=Source.choices, default=Source.KIOSK)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.WAITING)
    priority = models.ForeignKey(
        PriorityCategory, verbose_name="优先类别", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_priority = models.BooleanField("优先号", default=False)
    appointment = models.OneToOneField(
        Appointment, verbose_name="预约", null=True, blank=True, on_delete=models.PROTECT, related_name="ticket"
    )
    appointment_due_at = models.DateTimeField("预约叫号时间", null=True, blank=True)
    target_window = models.ForeignKey(
        "hall.Window",
        verbose_name="指定窗口",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="转移到指定窗口时，只有该窗口可以叫此号。",
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="取号人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="queue_tickets",
    )
    phone = models.CharField("手机号码", max_length=11, blank=True)
    issued_at = models.DateTimeField("取号时间")
    queued_at = models.DateTimeField("排队时间", help_text="排序依据：取号时间；过号恢复后为恢复时间。")
    called_at = models.DateTimeField("首次叫号时间", null=True, blank=True)
    last_called_at = models.DateTimeField("最近叫号时间", null=True, blank=True)
    call_count = models.PositiveSmallIntegerField("叫号次数", default=0)
    service_started_at = models.DateTimeField("开始办理时间", null=True, blank=True)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)
    window = models.ForeignKey(
        "hall.Window", verbose_name="窗口", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="窗口人员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    wait_seconds = models.PositiveIntegerField("等候时长（秒）", null=True, blank=True)
    service_seconds = models.PositiveIntegerField("办理时长（秒）", null=True, blank=True)

    class Meta:
        verbose_name = "排队号"
        verbose_name_plural = "排队号"
        ordering = ["service_date", "queued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issued_line", "service_date", "sequence"], name="queue_ticket_number_unique_per_day"
            ),
            models.CheckConstraint(
                condition=Q(is_priority=False) | Q(priority__isnull=False), name="queue_ticket_priority_has_category"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["called", "serving"]) | Q(window__isnull=False),
                name="queue_ticket_active_has_window",
            ),
        ]
        indexes = [
            # call-next and the waiting counts read only waiting tickets of today.
            models.Index(
                fields=["line", "service_date", "is_priority", "queued_at"],
                condition=Q(status="waiting"),
                name="queue_ticket_waiting",
            ),
            models.Index(
                fields=["line", "service_date", "appointment_due_at"],
                condition=Q(status="waiting", appointment_due_at__isnull=False),
                name="queue_ticket_waiting_appt",
            ),
            models.Index(fields=["window", "status"], name="queue_ticket_window_status"),
            models.Index(fields=["site", "service_date"], name="queue_ticket_site_day"),
            # The rollup refresh of today reads one day's tickets of every site.
            models.Index(fields=["service_date"], name="queue_ticket_day"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def call_class(self) -> str:
        if self.appointment_id:
            return CallLog.CallClass.APPOINTMENT
        return CallLog.CallClass.PRIORITY if self.is_priority else CallLog.CallClass.NORMAL


class CallLog(models.Model):
    """Every call and recall (叫号记录): what the display board announces and 叫号量 counts."""

    class Action(models.TextChoices):
        CALL = "call", "叫号"
        RECALL = "recall", "重呼"

    class CallClass(models.TextChoices):
        APPOINTMENT = "appointment", "预约号"
        PRIORITY = "priority", "优先号"
        NORMAL = "normal", "普通号"

    site = models.ForeignKey("hall.Site", verbose_name="服务场所", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, verbose_name="排队号", on_delete=models.CASCADE, related_name="calls")
    line = models.ForeignKey(QueueLine, verbose_name="队列", on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey("hall.Window", verbose_name="窗口", on_delete=models.PROTECT, related_name="+")
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="叫号人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField("动作", max_length=16, choices=Action.choices, default=Action.CALL)
    call_class = models.CharField("号码类别", max_length=16, choices=CallClass.choices)
    number = models.CharField("号码", max_length=8)
    window_number = models.PositiveIntegerField("窗口号")
    called_at = models.DateTimeField("叫号时间")

    class Meta:
        verbose_name = "叫号记录"
        verbose_name_plural = "叫号记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["site", "-id"], name="queue_call_site_recent")]

    def __str__(self) -> str:
        return f"{self.number} → {self.window_number}号窗口"


class WindowPause(models.Model):
    """A clerk's pause (暂停服务) with its reason; open while ``ended_at`` is empty."""

    window = models.ForeignKey("hall.Window", verbose_name="窗口", on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField("暂停原因", max_length=100)
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "窗口暂停记录"
        verbose_name_plural = "窗口暂停记录"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["window"], condition=Q(ended_at__isnull=True), name="queue_one_open_pause_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.window} {self.reason}"


class ServiceRecord(models.Model):
    """What the window's evaluation tablet (评价器) will need once a service finishes (窗口服务记录)."""

    class EvaluationStatus(models.TextChoices):
        PENDING = "pending", "待评价"
        EVALUATED = "evaluated", "已评价"
        SKIPPED = "skipped", "未评价"

    ticket = models.OneToOneField(
        Ticket, verbose_name="排队号", on_delete=models.CASCADE, related_name="service_record"
    )
    window = models.ForeignKey("hall.Window", verbose_name="窗口", on_delete=models.PROTECT, related_name="+")
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="窗口人员", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    called_at = models.DateTimeField("叫号时间", null=True)
    service_started_at = models.DateTimeField("开始办理时间", null=True)
    finished_at = models.DateTimeField("办结时间")
    evaluation_status = models.CharField(
        "评价状态", max_length=16, choices=EvaluationStatus.choices, default=EvaluationStatus.PENDING
    )

    class Meta:
        verbose_name = "窗口服务记录"
        verbose_name_plural = "窗口服务记录"
        ordering = ["-finished_at"]
        indexes = [
            models.Index(
                fields=["window", "-finished_at"],
                condition=Q(evaluation_status="pending"),
                name="queue_service_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket} @ {self.window}"


class TicketApplicationLink(models.Model):
    """An application (办件) handled during a ticket's service, by its number (办件编号)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name="排队号", on_delete=models.CASCADE, related_name="application_links"
    )
    application_number = models.CharField("办件编号", max_length=40)
    linked_at = models.DateTimeField("关联时间", auto_now_add=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="关联人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "排队号关联办件"
        verbose_name_plural = "排队号关联办件"
        constraints = [
            models.UniqueConstraint(fields=["ticket", "application_number"], name="queue_ticket_application_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ticket} ↔ {self.application_number}"


# The ticket life cycle (排队号状态流转): (from-state, action) → to-state. Services check it in
# one place (``services._transition``) and the clerk console derives its buttons from it.
TICKET_TRANSITIONS: dict[tuple[str, str], str] = {
    (Ticket.Status.WAITING, "call"): Ticket.Status.CALLED,
    (Ticket.Status.CALLED, "recall"): Ticket.Status.CALLED,
    (Ticket.Status.CALLED, "start"): Ticket.Status.SERVING,
    (Ticket.Status.CALLED, "finish"): Ticket.Status.DONE,
    (Ticket.Status.SERVING, "finish"): Ticket.Status.DONE,
    (Ticket.Status.CALLED, "no_show"): Ticket.Status.NO_SHOW,
    (Ticket.Status.NO_SHOW, "reactivate"): Ticket.Status.WAITING,
    (Ticket.Status.WAITING, "transfer"): Ticket.Status.WAITING,
    (Ticket.Status.CALLED, "transfer"): Ticket.Status.WAITING,
    (Ticket.Status.SERVING, "transfer"): Ticket.Status.WAITING,
    (Ticket.Status.WAITING, "expire"): Ticket.Status.EXPIRED,
}

ACTION_LABELS = {
    "call": "叫号",
    "recall": "重呼",
    "start": "开始办理",
    "finish": "办结",
    "no_show": "过号",
    "reactivate": "恢复",
    "transfer": "转移",
    "expire": "作废",
}


def allowed_actions(status: str) -> list[str]:
    """The actions the transitions table allows from ``status``."""
    return [action for (state, action) in TICKET_TRANSITIONS if state == status]

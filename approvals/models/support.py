"""Support tables: number sequences (办件编号), department heads (部门负责人), the SMS outbox (短信)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from approvals.models.applications import Application


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

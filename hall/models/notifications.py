"""In-app notifications (站内消息) to staff: calendar warnings now, deadline warnings later."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """A message to one user. ``dedupe_key`` makes senders idempotent: the same key is never
    delivered twice to the same person, so a sweep that runs twice notifies nobody twice."""

    class Level(models.TextChoices):
        INFO = "info", "通知"
        WARNING = "warning", "提醒"
        DANGER = "danger", "警告"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    level = models.CharField("级别", max_length=16, choices=Level.choices, default=Level.INFO)
    title = models.CharField("标题", max_length=120)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    dedupe_key = models.CharField("去重键", max_length=120)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notification_once_per_recipient")
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            )
        ]

    def __str__(self) -> str:
        return self.title

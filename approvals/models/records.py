"""What an application carries: its materials (申请材料), their files, and its append-only history (办理过程)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from approvals.models.applications import Application
from approvals.models.choices import (
    Status,
)


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

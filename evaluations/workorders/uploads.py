"""Attachments of work orders (工单附件): the same upload rules as application materials —
PDF/JPG/PNG decided by the content, at most 20 MB, stored privately under a random name."""

from __future__ import annotations

import hashlib
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from approvals.uploads import sniff_type
from evaluations.workorders.models import WorkOrder, WorkOrderAttachment
from evaluations.workorders.permissions import can_act_on, can_see
from hall.services.audit import audit_record


def check_file(file) -> tuple[str, str, str, int]:
    """(extension, content type, sha256, size) of an acceptable upload, else ``ValidationError``."""
    size = getattr(file, "size", None) or 0
    if size == 0:
        raise ValidationError({"attachment": "文件为空，请重新选择。"})
    if size > WorkOrderAttachment.MAX_BYTES:
        raise ValidationError({"attachment": f"文件大小不能超过 20 MB（当前 {size / 1024 / 1024:.1f} MB）。"})
    file.seek(0)
    kind = sniff_type(file.read(16))
    if kind is None:
        raise ValidationError({"attachment": "仅支持 PDF、JPG、PNG 格式的文件（按文件内容识别，修改扩展名无效）。"})
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    return kind[0], kind[1], digest.hexdigest(), size


def attachment_upload(*, order: WorkOrder, file, purpose: str, by, ip: str | None = None) -> WorkOrderAttachment:
    """Attach a file to the request or to the reply; audited, in the caller's transaction if any."""
    if purpose not in WorkOrderAttachment.Purpose.values:
        raise ValidationError({"purpose": "附件用途不正确。"})
    extension, content_type, sha256, size = check_file(file)
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update().get(pk=order.pk)
        if not can_act_on(by, order):
            raise PermissionDenied("该工单不在您的办理范围内，不能上传附件。")
        row = WorkOrderAttachment(
            order=order,
            purpose=purpose,
            token=uuid.uuid4().hex,
            extension=extension,
            original_name=(getattr(file, "name", "") or f"upload.{extension}")[-200:],
            content_type=content_type,
            size=size,
            sha256=sha256,
            uploaded_by=by,
            uploaded_at=timezone.now(),
        )
        row.file.save(f"{row.token}.{extension}", file, save=False)
        try:
            row.save()
            audit_record(
                actor=by,
                action="workorder.attachment_upload",
                obj=order,
                after={"file": row.pk, "purpose": purpose, "sha256": sha256, "size": size},
                ip=ip,
            )
        except Exception:
            row.file.delete(save=False)
            raise
    return row


def attachment_open_for(*, user, attachment: WorkOrderAttachment, ip: str | None = None):
    """Open a stored file for a user allowed to see the order; the read is audited."""
    if not can_see(user, attachment.order):
        raise PermissionDenied("无权查看该附件。")
    audit_record(
        actor=user,
        action="workorder.attachment_download",
        obj=attachment.order,
        after={"file": attachment.pk, "name": attachment.original_name},
        ip=ip,
    )
    return attachment.file.open("rb")

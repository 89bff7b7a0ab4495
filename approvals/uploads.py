"""Uploaded material files (材料上传): type sniffed from the content, size limited, stored privately."""

from __future__ import annotations

import hashlib
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from approvals.models import (
    CLOCK_OPEN_STATUSES,
    FINAL_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    MaterialFile,
    Status,
)
from approvals.permissions import can_act_on
from approvals.transitions import TransitionNotAllowed
from hall.models import User
from hall.services.audit import audit_record

# (magic bytes, extension, content type): the type is decided by the content, never the name.
SIGNATURES = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)
# When a citizen may upload: while submitting, answering a supplement request, or supplying a
# 容缺 material after acceptance.
APPLICANT_UPLOAD_STATUSES = (Status.SUBMITTED, Status.PREREVIEW, Status.SUPPLEMENT_REQUESTED, *CLOCK_OPEN_STATUSES)


def sniff_type(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) from the first bytes of a file, or None if not PDF/JPG/PNG."""
    for magic, extension, content_type in SIGNATURES:
        if head.startswith(magic):
            return extension, content_type
    return None


def _check_may_upload(app: Application, material: ApplicationMaterial, by: User) -> None:
    if not can_act_on(by, app):
        raise PermissionDenied("该办件不在您的办理范围内，不能上传材料。")
    if app.status in FINAL_STATUSES or app.status == Status.COMPLETED:
        raise TransitionNotAllowed(
            f"办件 {app.number} 当前状态为“{app.get_status_display()}”，不能上传材料。", status=app.status
        )
    if by.role == User.Role.PUBLIC:
        if app.status not in APPLICANT_UPLOAD_STATUSES:
            raise TransitionNotAllowed(
                f"办件 {app.number} 当前状态为“{app.get_status_display()}”，不能上传材料。", status=app.status
            )
        if app.status in CLOCK_OPEN_STATUSES and material.state != ApplicationMaterial.State.MISSING_PROMISED:
            raise TransitionNotAllowed("受理后只能补交容缺承诺的材料。", status=app.status)


def material_upload(
    *, application_material: ApplicationMaterial, file, by: User, ip: str | None = None
) -> MaterialFile:
    """Upload a file of a material (PDF, JPG, PNG, at most 20 MB); the material becomes provided."""
    size = getattr(file, "size", None) or 0
    if size == 0:
        raise ValidationError({"file": "文件为空，请重新选择。"})
    if size > MaterialFile.MAX_BYTES:
        raise ValidationError({"file": f"文件大小不能超过 20 MB（当前 {size / 1024 / 1024:.1f} MB）。"})
    file.seek(0)
    kind = sniff_type(file.read(16))
    if kind is None:
        raise ValidationError({"file": "仅支持 PDF、JPG、PNG 格式的文件（按文件内容识别，修改扩展名无效）。"})
    extension, content_type = kind
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application_material.application_id)
        material = ApplicationMaterial.objects.get(pk=application_material.pk)
        _check_may_upload(app, material, by)
        upload = MaterialFile(
            material=material,
            token=uuid.uuid4().hex,
            extension=extension,
            original_name=(getattr(file, "name", "") or f"upload.{extension}")[-200:],
            content_type=content_type,
            size=size,
            sha256=digest.hexdigest(),
            uploaded_by=by,
            uploaded_at=timezone.now(),
        )
        upload.file.save(f"{upload.token}.{extension}", file, save=False)
        try:
            upload.save()
            was = material.state
            if was != ApplicationMaterial.State.PROVIDED:
                material.state = ApplicationMaterial.State.PROVIDED
                material.save(update_fields=["state"])
            ApplicationEvent.objects.create(
                application=app,
                action="material_upload",
                from_status=app.status,
                to_status=app.status,
                actor=by,
                actor_repr=str(by),
                note=f"上传材料“{material.name}”" + ("（补交容缺材料）" if was == "promised" else ""),
            )
            audit_record(
                actor=by,
                action="application.material_upload",
                obj=app,
                after={"material": material.pk, "file": upload.pk, "sha256": upload.sha256, "size": size},
                ip=ip,
            )
        except Exception:
            upload.file.delete(save=False)  # no orphan file when the transaction fails
            raise
    return upload


def material_file_open_for(*, user: User, material_file: MaterialFile, ip: str | None = None):
    """Open a stored file for a user allowed to see its application; the read is audited (敏感查看)."""
    from approvals.permissions import can_see

    app = material_file.material.application
    if not can_see(user, app):
        raise PermissionDenied("无权查看该材料。")
    audit_record(
        actor=user,
        action="application.material_download",
        obj=app,
        after={"file": material_file.pk, "name": material_file.original_name},
        ip=ip,
    )
    return material_file.file.open("rb")

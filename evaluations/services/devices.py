"""Window evaluator tablets (评价器): registered with a token bound to one window, revocable."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evaluations.models import EvaluatorDevice
from hall.models import User, Window
from hall.services.audit import audit_record


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_register(*, window: Window, name: str, by: User, ip: str | None = None) -> tuple[EvaluatorDevice, str]:
    """Register a tablet for ``window``; returns the device and its token, shown once (only its
    SHA-256 is stored)."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationError({"name": "请填写设备名称（不超过 60 字）。"})
    if window is None:
        raise ValidationError({"window": "请选择窗口。"})
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        device = EvaluatorDevice.objects.create(name=name, window=window, token_hash=_digest(token), registered_by=by)
        audit_record(actor=by, action="evaluator_device.register", obj=device, after={"window": window.pk}, ip=ip)
    return device, token


def device_revoke(*, device: EvaluatorDevice, by: User, ip: str | None = None) -> EvaluatorDevice:
    """Revoke a tablet: its token stops working at once. Idempotent."""
    with transaction.atomic():
        device = EvaluatorDevice.objects.select_for_update().get(pk=device.pk)
        if device.revoked_at is None:
            device.revoked_at = timezone.now()
            device.revoked_by = by
            device.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(actor=by, action="evaluator_device.revoke", obj=device, ip=ip)
    return device


def device_for_token(token: str) -> EvaluatorDevice:
    """The active device of ``token``; ``PermissionDenied`` (403) when unknown or revoked."""
    if not token or len(token) > 100:
        raise PermissionDenied("评价器未登记，请联系大厅管理员。")
    device = (
        EvaluatorDevice.objects.select_related("window__site", "window__department", "window__zone")
        .filter(token_hash=_digest(token))
        .first()
    )
    if device is None:
        raise PermissionDenied("评价器未登记，请联系大厅管理员。")
    if device.revoked_at is not None:
        raise PermissionDenied("该评价器已停用，请联系大厅管理员。")
    return device

"""Front-desk records (前台登记): consultations, guided/assisted handling, praise and the
enterprise-service window's visits — one service, quick to call from the workbench."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evaluations.workorders.models import FrontDeskRecord
from hall.models import User, Window
from hall.services.audit import audit_record

K = FrontDeskRecord.Kind
PRAISE_KINDS = (K.PRAISE_BANNER, K.PRAISE_THANKS)
RECORDING_ROLES = (User.Role.CLERK, User.Role.SUPERVISOR)


def front_desk_record(
    *,
    kind: str,
    topic: str,
    by: User,
    outcome: str = "",
    matter=None,
    window: Window | None = None,
    staff: User | None = None,
    ip: str | None = None,
) -> FrontDeskRecord:
    """Record one consultation, guidance, assistance, praise or enterprise-window visit (前台登记)."""
    if getattr(by, "role", None) not in RECORDING_ROLES:
        raise PermissionDenied("只有窗口人员和大厅管理人员可以登记。")
    errors = {}
    if kind not in K.values:
        errors["kind"] = "请选择登记类别。"
    topic = (topic or "").strip()
    if not topic:
        errors["topic"] = "请填写事由。"
    elif len(topic) > 200:
        errors["topic"] = "事由不能超过 200 字。"
    if kind == K.CONSULTATION and outcome not in (FrontDeskRecord.Outcome.ANSWERED, FrontDeskRecord.Outcome.REFERRED):
        errors["outcome"] = "咨询登记须选择：当场解答或转交办理。"
    if outcome and outcome not in FrontDeskRecord.Outcome.values:
        errors["outcome"] = "处理结果不正确。"
    if kind in PRAISE_KINDS:
        if window is None and staff is None:
            errors["window"] = "表扬须选择受表扬的窗口或工作人员。"
        if staff is not None and not staff.is_bureau_staff:
            errors["staff"] = "受表扬人员须为大厅工作人员。"
    site = (window.site if window is not None else None) or by.site
    if site is None:
        errors["window"] = errors.get("window") or "您尚未分配工作场所，请选择窗口。"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        record = FrontDeskRecord.objects.create(
            kind=kind,
            topic=topic,
            outcome=outcome if kind in (K.CONSULTATION, K.ENTERPRISE_CONSULTATION) else "",
            matter=matter,
            site=site,
            window=window or by.window,
            staff=staff if kind in PRAISE_KINDS else None,
            recorded_by=by,
            recorded_at=now,
            recorded_on=timezone.localdate(now),
        )
        audit_record(actor=by, action="frontdesk.record", obj=record, after={"kind": kind, "topic": topic}, ip=ip)
    return record

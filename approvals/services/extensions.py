"""The clock's extensions (延期, art. 42): requested by the handler, decided by a supervisor."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from approvals import clock
from approvals.models import Application, ClockExtension, ClockState
from approvals.services.common import _Change, _locked, _record, _snapshot, _today
from approvals.transitions import Action, check_transition
from hall.models import Notification, User
from hall.services.notifications import notification_send
from hall.workdays import current_calendar


def _check_extension_room(app: Application, days: int) -> None:
    """The total extension cannot exceed :func:`approvals.clock.max_extension_days` of the legal limit."""
    allowed = clock.max_extension_days(app.legal_limit_days)
    if app.extended_working_days + days > allowed:
        raise ValidationError(
            {
                "days": f"延期不得超过法律允许的 {allowed} 个工作日"
                f"（法定时限 {app.legal_limit_days} 个工作日，已延期 {app.extended_working_days} 个工作日）。"
            }
        )


def extension_approvers(app: Application) -> list[User]:
    """Who is told of a request (延期待审批): the active supervisors of the application's department
    (or its sections); all active supervisors when the department has none of its own."""
    from hall.models import Department

    ids = [app.department_id, *Department.objects.filter(parent_id=app.department_id).values_list("pk", flat=True)]
    supervisors = User.objects.filter(role=User.Role.SUPERVISOR, is_active=True)
    own = list(supervisors.filter(department_id__in=ids))
    return own or list(supervisors)


def application_request_extension(
    *, application: Application, days: int, reason: str, by: User, ip: str | None = None
) -> Application:
    """Ask for an extension (申请延期) of ``days`` working days with a written reason.

    Nothing moves yet: the clock extends only when a supervisor approves. One pending request at
    a time (the table's guard, and a partial unique constraint behind it).
    """
    errors: dict[str, str] = {}
    if days is None or days <= 0:
        errors["days"] = "延期天数应为正整数（工作日）。"
    if not reason.strip():
        errors["reason"] = "延期须书面说明理由。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        app = _locked(application)
        check_transition(app, Action.REQUEST_EXTENSION, by)
        _check_extension_room(app, days)
        before = _snapshot(app)
        extension = ClockExtension.objects.create(
            application=app, working_days=days, reason=reason.strip(), requested_by=by
        )
        change = _Change(
            note=f"申请延期 {days} 个工作日：{extension.reason}", extra={"extension_id": extension.pk, "days": days}
        )
        _record(
            app, action=Action.REQUEST_EXTENSION, from_status=app.status, by=by, before=before, change=change, ip=ip
        )
        notification_send(
            recipients=[u for u in extension_approvers(app) if u.pk != by.pk],
            title=f"延期待审批：办件 {app.number}",
            body=f"{by.full_name} 申请延期 {days} 个工作日：{extension.reason}",
            level=Notification.Level.WARNING,
            link=reverse("application_extensions"),
            dedupe_key=f"extension-request-{extension.pk}",
        )
    return app


def _pending_locked(app: Application) -> ClockExtension:
    return ClockExtension.objects.select_for_update().get(application=app, status=ClockExtension.Status.PENDING)


def application_approve_extension(
    *, application: Application, by: User, note: str = "", today: date | None = None, ip: str | None = None
) -> Application:
    """A supervisor approves the pending extension (批准延期): only now the deadlines move back.

    The legal maximum is checked again: the request was checked when made, but is decided later.
    """
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.APPROVE_EXTENSION, by)
        extension = _pending_locked(app)
        _check_extension_room(app, extension.working_days)
        calendar = current_calendar()
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.extended_working_days += extension.working_days
        app.promised_deadline, app.legal_deadline = clock.deadlines_for(app, calendar=calendar)
        if app.clock_state == ClockState.RUNNING:
            app.warning_level = clock.warning_level_on(
                _today(today), app.promised_deadline, app.promised_limit_days, calendar=calendar
            )
        app.save()
        extension.status = ClockExtension.Status.APPROVED
        extension.decided_by, extension.decided_at = by, timezone.now()
        extension.decision_note = note.strip()
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        days = extension.working_days
        change = _Change(
            note=f"批准延期 {days} 个工作日（{extension.requested_by.full_name} 申请：{extension.reason}）"
            + (f"。审批意见：{extension.decision_note}" if extension.decision_note else ""),
            sms=f"您的办件 {app.number} 经批准延期 {days} 个工作日，"
            f"办结期限调整为 {app.promised_deadline:%Y年%m月%d日}。延期理由：{extension.reason}",
            extra={"extension_id": extension.pk},
        )
        _record(
            app, action=Action.APPROVE_EXTENSION, from_status=from_status, by=by, before=before, change=change, ip=ip
        )
        _tell_requester(extension, app, f"延期申请已批准：办件 {app.number}")
    return app


def application_reject_extension(
    *, application: Application, by: User, reason: str, ip: str | None = None
) -> Application:
    """A supervisor rejects the pending extension (驳回延期) with a reason; the deadlines stay."""
    if not reason.strip():
        raise ValidationError({"reason": "驳回延期申请须说明理由。"})
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.REJECT_EXTENSION, by)
        extension = _pending_locked(app)
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.save()
        extension.status = ClockExtension.Status.REJECTED
        extension.decided_by, extension.decided_at = by, timezone.now()
        extension.decision_note = reason.strip()
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        change = _Change(
            note=f"驳回延期 {extension.working_days} 个工作日的申请：{extension.decision_note}",
            extra={"extension_id": extension.pk},
        )
        _record(
            app, action=Action.REJECT_EXTENSION, from_status=from_status, by=by, before=before, change=change, ip=ip
        )
        _tell_requester(extension, app, f"延期申请被驳回：办件 {app.number}")
    return app


def _tell_requester(extension: ClockExtension, app: Application, title: str) -> None:
    notification_send(
        recipients=[extension.requested_by],
        title=title,
        body=extension.decision_note,
        link=reverse("application_detail", args=[app.number]),
        dedupe_key=f"extension-decided-{extension.pk}",
    )

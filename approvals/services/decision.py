"""Decision and delivery (决定、办结与送达), and closing before the end (撤回、撤销)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from approvals import clock
from approvals.models import Application, ClockState, Decision, DeliveryMethod
from approvals.services.common import _Change, _locked, _record, _snapshot, _stop_clock, _today
from approvals.transitions import Action, check_transition
from hall.models import User
from hall.workdays import current_calendar


def application_decide(
    *,
    application: Application,
    approved: bool,
    document_number: str,
    by: User,
    reasons: str = "",
    e_certificate_number: str = "",
    ip: str | None = None,
) -> Application:
    """Decide (作出决定): 准予许可 or 不予许可 (with reasons), with the decision document number."""
    errors = {}
    if not document_number.strip():
        errors["document_number"] = "请填写决定书文号。"
    if not approved and not reasons.strip():
        errors["reasons"] = "不予许可须说明理由。"
    if not approved and e_certificate_number:
        errors["e_certificate_number"] = "不予许可的办件没有电子证照。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.DECIDE, by)
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.decision = Decision.APPROVED if approved else Decision.DENIED
        app.decision_document_number = document_number.strip()
        app.decision_reasons = reasons.strip()
        app.e_certificate_number = e_certificate_number.strip()
        app.decided_at = timezone.now()
        app.save()
        label = app.get_decision_display()
        sms = f"您的办件 {app.number} 已作出{label}决定（{app.decision_document_number}）。"
        if not approved:
            sms += f"理由：{app.decision_reasons}"
        change = _Change(note=f"{label}：{app.decision_reasons}" if app.decision_reasons else label, sms=sms)
        _record(app, action=Action.DECIDE, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def application_complete(
    *, application: Application, by: User, today: date | None = None, ip: str | None = None
) -> Application:
    """Complete (办结): stop the clock, record the working days used and whether it was on time."""
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.COMPLETE, by)
        on = _today(today)
        calendar = current_calendar()
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.completed_at = timezone.now()
        app.completed_on = on
        app.clock_state = ClockState.STOPPED
        app.elapsed_working_days = clock.elapsed_working_days(
            app.accepted_on, on, paused=app.paused_working_days, calendar=calendar
        )
        app.on_time = on <= app.promised_deadline
        app.save()
        result = "按时办结" if app.on_time else "超期办结"
        change = _Change(
            note=f"{result}，用时 {app.elapsed_working_days} 个工作日",
            sms=f"您的办件 {app.number} 已办结，请按约定方式领取办理结果。",
        )
        _record(app, action=Action.COMPLETE, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def application_deliver(
    *, application: Application, method: str, by: User, tracking_number: str = "", ip: str | None = None
) -> Application:
    """Deliver the result (送达 / 已领取): pickup at the window, post (with tracking number) or electronic."""
    errors = {}
    if method not in DeliveryMethod.values:
        errors["method"] = "请选择送达方式。"
    elif method == DeliveryMethod.POST and not tracking_number.strip():
        errors["tracking_number"] = "邮寄送达须填写邮寄单号。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.DELIVER, by)
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.delivery_method = method
        app.tracking_number = tracking_number.strip() if method == DeliveryMethod.POST else ""
        app.delivered_at = timezone.now()
        app.save()
        if method == DeliveryMethod.POST:
            sms = f"您的办件 {app.number} 办理结果已邮寄，单号 {app.tracking_number}。"
        elif method == DeliveryMethod.PICKUP:
            sms = f"您的办件 {app.number} 办理结果已领取。"
        else:
            sms = f"您的办件 {app.number} 办理结果已电子送达。"
        change = _Change(note=app.get_delivery_method_display(), sms=sms)
        _record(app, action=Action.DELIVER, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


# --- Closing before the end ------------------------------------------------------------------------


def application_withdraw(
    *, application: Application, by: User, reason: str = "", today: date | None = None, ip: str | None = None
) -> Application:
    """Withdraw (撤回) at the applicant's request, before the decision."""
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.WITHDRAW, by)
        before, from_status = _snapshot(app), app.status
        _stop_clock(app, on=_today(today), calendar=current_calendar())
        app.status = to_status
        app.closing_reason = reason.strip()
        app.save()
        change = _Change(note=app.closing_reason, sms=f"您的办件 {app.number} 已撤回。")
        _record(app, action=Action.WITHDRAW, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def application_revoke(
    *, application: Application, by: User, reason: str, today: date | None = None, ip: str | None = None
) -> Application:
    """Revoke (撤销) an application, by a supervisor, with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": "撤销须说明理由。"})
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.REVOKE, by)
        before, from_status = _snapshot(app), app.status
        _stop_clock(app, on=_today(today), calendar=current_calendar())
        app.status = to_status
        app.closing_reason = reason.strip()
        app.save()
        change = _Change(note=app.closing_reason, sms=f"您的办件 {app.number} 已被撤销，理由：{app.closing_reason}")
        _record(app, action=Action.REVOKE, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app

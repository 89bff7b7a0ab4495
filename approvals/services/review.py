"""Review and special procedures (审查与特别程序): assigning the handler, review, pausing the clock."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from approvals import clock
from approvals.models import Application, ClockPause, ClockState
from approvals.services.common import _Change, _locked, _matter_name, _record, _snapshot, _today
from approvals.transitions import Action, check_transition
from hall.models import User
from hall.services.notifications import notification_send
from hall.workdays import current_calendar


def application_assign(*, application: Application, handler: User, by: User, ip: str | None = None) -> Application:
    """Assign the person handling it (承办人): an approver of the application's department."""
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.ASSIGN, by)
        from approvals.permissions import can_act_on

        if handler.role != User.Role.APPROVER or not handler.is_active or not can_act_on(handler, app):
            raise ValidationError({"handler": "承办人须为该办件承办部门的审批人员。"})
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.handler = handler
        app.save()
        change = _Change(note=f"承办人：{handler.full_name}")
        _record(app, action=Action.ASSIGN, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def application_start_review(*, application: Application, by: User, ip: str | None = None) -> Application:
    """Start the review (承办/审核); the approver taking it becomes the handler if none was assigned."""
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.START_REVIEW, by)
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        if app.handler_id is None and by.role == User.Role.APPROVER:
            app.handler = by
        app.save()
        change = _Change(sms=f"您的办件 {app.number} 已进入审查环节。")
        _record(app, action=Action.START_REVIEW, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def _check_inspector(inspector: User | None, app: Application) -> None:
    from approvals.permissions import can_see

    if (
        inspector is None
        or inspector.role != User.Role.INSPECTOR
        or not inspector.is_active
        or not can_see(inspector, app)
    ):
        raise ValidationError({"inspector": "勘验人员须为该办件承办部门的勘验人员。"})


def application_pause(
    *,
    application: Application,
    kind: str,
    reason: str,
    by: User,
    scheduled_on: date | None = None,
    mode: str = "",
    location: str = "",
    inspector: User | None = None,
    today: date | None = None,
    ip: str | None = None,
) -> Application:
    """Start a special procedure (特别程序: 现场勘验, 专家评审, 听证, 检验检测 …): the clock pauses (art. 45).

    A site inspection (现场勘验) names its date, mode (标准/联合/视频勘验) and the inspector of the
    department who carries it out; the other kinds need their kind and reason (a date is optional).
    """
    errors: dict[str, str] = {}
    if kind not in ClockPause.Kind.values:
        errors["kind"] = "请选择特别程序类型。"
    if not reason.strip():
        errors["reason"] = "请说明启动特别程序的原因（将书面告知申请人）。"
    if kind == ClockPause.Kind.INSPECTION:
        if scheduled_on is None:
            errors["scheduled_on"] = "现场勘验须填写计划勘验日期。"
        if mode not in ClockPause.Mode.values:
            errors["mode"] = "请选择勘验方式（标准勘验、联合勘验或视频勘验）。"
        if inspector is None:
            errors["inspector"] = "请指派勘验人员。"
    elif mode or inspector is not None or location.strip():
        errors["mode"] = "只有现场勘验需要填写勘验方式、地点和勘验人员。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.PAUSE, by)
        if kind == ClockPause.Kind.INSPECTION:
            _check_inspector(inspector, app)
        on = _today(today)
        if scheduled_on is not None and scheduled_on < on:
            raise ValidationError({"scheduled_on": "计划日期不能早于今天。"})
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.clock_state = ClockState.PAUSED
        app.paused_since = on
        app.save()
        pause = ClockPause.objects.create(
            application=app,
            kind=kind,
            reason=reason.strip(),
            scheduled_on=scheduled_on,
            mode=mode if kind == ClockPause.Kind.INSPECTION else "",
            location=location.strip(),
            inspector=inspector if kind == ClockPause.Kind.INSPECTION else None,
            started_on=on,
            started_by=by,
        )
        label = pause.get_kind_display()
        arrangement = []
        if pause.mode:
            arrangement.append(pause.get_mode_display())
        if pause.scheduled_on:
            arrangement.append(f"计划于{pause.scheduled_on:%Y年%m月%d日}进行")
        if pause.inspector_id:
            arrangement.append(f"勘验人员：{inspector.full_name}")
        detail = f"（{'，'.join(arrangement)}）" if arrangement else ""
        change = _Change(
            note=f"{label}{detail}：{pause.reason}",
            sms=f"您的办件 {app.number} 需进行{label}"
            + (f"，计划于{pause.scheduled_on:%Y年%m月%d日}进行" if pause.scheduled_on else "")
            + "，所需时间不计入办理时限，详见《特别程序告知书》。",
            extra={"pause_id": pause.pk},
        )
        _record(app, action=Action.PAUSE, from_status=from_status, by=by, before=before, change=change, ip=ip)
        if pause.inspector_id:
            notification_send(
                recipients=[inspector],
                title=f"新的勘验任务：办件 {app.number}",
                body=f"{_matter_name(app)}，{pause.get_mode_display()}，计划 {pause.scheduled_on:%Y-%m-%d}。",
                link=reverse("inspections"),
                dedupe_key=f"inspection-{pause.pk}",
            )
    return app


def application_resume(
    *, application: Application, by: User, result: str = "", today: date | None = None, ip: str | None = None
) -> Application:
    """End the special procedure and record its result: the paused working days (start, resume]
    push the deadline back. A site inspection needs its result (勘验结论); an inspector ends only
    the inspections assigned to them (the table's actor rule)."""
    result = result.strip()
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.RESUME, by)
        pause = ClockPause.objects.select_for_update().filter(application=app, ended_on__isnull=True).first()
        if pause is not None and pause.kind == ClockPause.Kind.INSPECTION and not result:
            raise ValidationError({"result": "请记录现场勘验的结果。"})
        on = _today(today)
        if app.paused_since and on < app.paused_since:
            raise ValidationError({"today": "结束日期不能早于特别程序开始日期。"})
        calendar = current_calendar()
        before, from_status = _snapshot(app), app.status
        days = clock.paused_working_days(app.paused_since, on, calendar=calendar)
        if pause is not None:
            pause.ended_on, pause.working_days, pause.ended_by = on, days, by
            pause.result = result
            pause.result_recorded_at = timezone.now() if result else None
            pause.save(update_fields=["ended_on", "working_days", "ended_by", "result", "result_recorded_at"])
        app.status = to_status
        app.paused_working_days += days
        app.paused_since = None
        app.clock_state = ClockState.RUNNING
        app.promised_deadline, app.legal_deadline = clock.deadlines_for(app, calendar=calendar)
        app.warning_level = clock.warning_level_on(
            on, app.promised_deadline, app.promised_limit_days, calendar=calendar
        )
        app.save()
        note = f"特别程序结束，暂停 {days} 个工作日"
        change = _Change(
            note=f"{note}。结果：{result}" if result else note,
            sms=f"您的办件 {app.number} 特别程序已结束，恢复计时，"
            f"办结期限调整为 {app.promised_deadline:%Y年%m月%d日}。",
        )
        _record(app, action=Action.RESUME, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app

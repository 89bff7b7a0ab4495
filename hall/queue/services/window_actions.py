"""What a clerk does with a called ticket and the window (窗口操作): recall, no-show, transfer, serve, pause."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from hall.models import User, Window
from hall.queue.models import (
    CallLog,
    QueueLine,
    ServiceRecord,
    Ticket,
    TicketApplicationLink,
    WindowLine,
    WindowPause,
)
from hall.queue.services._common import (
    _line_day_locked,
    _lock_ticket,
    _now,
    _require_at_window,
    _ticket_snapshot,
    _transition,
)
from hall.services.audit import audit_record


def ticket_recall(*, ticket: Ticket, window: Window, by: User | None, ip: str | None = None, now=None) -> Ticket:
    """Recall (重呼) the ticket at the window: the board announces it again."""
    now = _now(now)
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        ticket.status = _transition(ticket, "recall")
        _require_at_window(ticket, window)
        ticket.call_count += 1
        ticket.last_called_at = now
        ticket.save(update_fields=["call_count", "last_called_at"])
        CallLog.objects.create(
            site_id=ticket.site_id,
            ticket=ticket,
            line_id=ticket.line_id,
            window=window,
            clerk=by,
            action=CallLog.Action.RECALL,
            call_class=ticket.call_class,
            number=ticket.number,
            window_number=window.number,
            called_at=now,
        )
        audit_record(actor=by, action="ticket.recall", obj=ticket, after={"call_count": ticket.call_count}, ip=ip)
    return ticket


def ticket_mark_no_show(*, ticket: Ticket, window: Window, by: User | None, ip: str | None = None) -> Ticket:
    """No-show (过号): allowed after the ticket was recalled; it can be reactivated the same day."""
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        target = _transition(ticket, "no_show")
        _require_at_window(ticket, window)
        if ticket.call_count < Ticket.CALLS_BEFORE_NO_SHOW:
            raise ValidationError(f"请至少重呼 {Ticket.CALLS_BEFORE_NO_SHOW - 1} 次，办事人仍未到再过号。")
        before = _ticket_snapshot(ticket)
        ticket.status = target
        ticket.save(update_fields=["status"])
        audit_record(
            actor=by, action="ticket.no_show", obj=ticket, before=before, after=_ticket_snapshot(ticket), ip=ip
        )
    return ticket


def ticket_reactivate(*, ticket: Ticket, by: User | None, ip: str | None = None, now=None) -> Ticket:
    """Reactivate (过号恢复) a no-show of today: it queues again at the end of its line."""
    now = _now(now)
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        target = _transition(ticket, "reactivate")
        if ticket.service_date != timezone.localdate(now):
            raise ValidationError("只能恢复当天的过号号码。")
        before = _ticket_snapshot(ticket)
        ticket.status = target
        ticket.queued_at = now
        ticket.target_window = None
        ticket.save(update_fields=["status", "queued_at", "target_window"])
        audit_record(
            actor=by, action="ticket.reactivate", obj=ticket, before=before, after=_ticket_snapshot(ticket), ip=ip
        )
    return ticket


def ticket_transfer(
    *,
    ticket: Ticket,
    by: User | None,
    window: Window | None = None,
    to_line: QueueLine | None = None,
    to_window: Window | None = None,
    ip: str | None = None,
    now=None,
) -> Ticket:
    """Transfer (转移) to another line and/or window, keeping the number and the place in the queue.

    ``window`` is the acting window: when given, the ticket must be at it (a waiting ticket may
    be moved by a supervisor without one).
    """
    now = _now(now)
    if to_line is None and to_window is None:
        raise ValidationError({"to_line": "请选择要转往的队列或窗口。"})
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        target = _transition(ticket, "transfer")
        if window is not None and ticket.status != Ticket.Status.WAITING:
            _require_at_window(ticket, window)
        served = (
            set(WindowLine.objects.filter(window=to_window).values_list("line_id", flat=True)) if to_window else set()
        )
        if to_window is not None:
            if to_window.site_id != ticket.site_id:
                raise ValidationError({"to_window": "只能转到本大厅的窗口。"})
            if window is not None and to_window.pk == window.pk and to_line is None:
                raise ValidationError({"to_window": "不能转到本窗口。"})
            if to_line is None:
                to_line = ticket.line if ticket.line_id in served else QueueLine.objects.filter(pk__in=served).first()
                if to_line is None:
                    raise ValidationError({"to_window": f"{to_window.number} 号窗口未配置服务队列。"})
            elif to_line.pk not in served:
                raise ValidationError({"to_window": f"{to_window.number} 号窗口不办理「{to_line.name}」。"})
        if to_line.site_id != ticket.site_id:
            raise ValidationError({"to_line": "只能转到本大厅的队列。"})
        if not to_line.is_active:
            raise ValidationError({"to_line": f"「{to_line.name}」已停用。"})
        _line_day_locked(to_line, ticket.service_date)
        before = _ticket_snapshot(ticket)
        ticket.status = target
        ticket.line = to_line
        ticket.target_window = to_window
        ticket.save(update_fields=["status", "line", "target_window"])
        audit_record(
            actor=by,
            action="ticket.transfer",
            obj=ticket,
            before=before,
            after={**_ticket_snapshot(ticket), "to_window_id": to_window.pk if to_window else None},
            ip=ip,
        )
    return ticket


def ticket_start_service(*, ticket: Ticket, window: Window, by: User | None, ip: str | None = None, now=None) -> Ticket:
    """Start service (开始办理): the citizen has arrived at the window."""
    now = _now(now)
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        target = _transition(ticket, "start")
        _require_at_window(ticket, window)
        before = _ticket_snapshot(ticket)
        ticket.status = target
        ticket.service_started_at = now
        ticket.clerk = by if by is not None and by.pk else ticket.clerk
        ticket.save(update_fields=["status", "service_started_at", "clerk"])
        audit_record(actor=by, action="ticket.start", obj=ticket, before=before, after=_ticket_snapshot(ticket), ip=ip)
    return ticket


def ticket_finish(*, ticket: Ticket, window: Window, by: User | None, ip: str | None = None, now=None) -> Ticket:
    """Finish service (办结) and record what the window's evaluation tablet needs (ServiceRecord)."""
    now = _now(now)
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        target = _transition(ticket, "finish")
        _require_at_window(ticket, window)
        before = _ticket_snapshot(ticket)
        ticket.status = target
        ticket.service_started_at = ticket.service_started_at or ticket.last_called_at or now
        ticket.finished_at = now
        ticket.service_seconds = max(0, int((now - ticket.service_started_at).total_seconds()))
        ticket.save(update_fields=["status", "service_started_at", "finished_at", "service_seconds"])
        ServiceRecord.objects.create(
            ticket=ticket,
            window=window,
            clerk=ticket.clerk,
            called_at=ticket.called_at,
            service_started_at=ticket.service_started_at,
            finished_at=now,
        )
        audit_record(actor=by, action="ticket.finish", obj=ticket, before=before, after=_ticket_snapshot(ticket), ip=ip)
    return ticket


def ticket_link_application(
    *, ticket: Ticket, application_number: str, by: User | None, ip: str | None = None
) -> TicketApplicationLink:
    """Link an application (办件) handled during this ticket's service, by its number. Idempotent.

    The applications part calls this when it registers an application at a window that has a
    called or serving ticket (see ``selectors.window_current_ticket``).
    """
    application_number = (application_number or "").strip()
    if not application_number:
        raise ValidationError({"application_number": "请提供办件编号。"})
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        if ticket.status not in (Ticket.Status.CALLED, Ticket.Status.SERVING, Ticket.Status.DONE):
            raise ValidationError(f"号码 {ticket.number} 尚未叫号，不能关联办件。")
        link, created = TicketApplicationLink.objects.get_or_create(
            ticket=ticket, application_number=application_number, defaults={"linked_by": by}
        )
        if created:
            audit_record(
                actor=by, action="ticket.link_application", obj=ticket, after={"application": application_number}, ip=ip
            )
    return link


# --- Windows ---------------------------------------------------------------------------------------


def window_pause(*, window: Window, reason: str, by: User | None, ip: str | None = None, now=None) -> Window:
    """Pause the window (暂停服务) with a reason; no ticket is called until it resumes."""
    now = _now(now)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写暂停原因。"})
    if len(reason) > 100:
        raise ValidationError({"reason": "暂停原因不超过 100 个字。"})
    with transaction.atomic():
        window = Window.objects.select_for_update().get(pk=window.pk)
        if window.status != Window.Status.OPEN:
            raise ValidationError(f"{window.number} 号窗口当前为「{window.get_status_display()}」，不能暂停。")
        Window.objects.filter(pk=window.pk).update(status=Window.Status.PAUSED)
        window.status = Window.Status.PAUSED
        WindowPause.objects.create(window=window, reason=reason, started_at=now, started_by=by)
        audit_record(
            actor=by,
            action="window.pause",
            obj=window,
            before={"status": "open"},
            after={"status": "paused"},
            note=reason,
            ip=ip,
        )
    return window


def window_resume(*, window: Window, by: User | None, ip: str | None = None, now=None) -> Window:
    """Resume service (恢复服务) after a pause."""
    now = _now(now)
    with transaction.atomic():
        window = Window.objects.select_for_update().get(pk=window.pk)
        if window.status != Window.Status.PAUSED:
            raise ValidationError(f"{window.number} 号窗口未暂停，无需恢复。")
        Window.objects.filter(pk=window.pk).update(status=Window.Status.OPEN)
        window.status = Window.Status.OPEN
        WindowPause.objects.filter(window=window, ended_at__isnull=True).update(ended_at=now)
        audit_record(
            actor=by, action="window.resume", obj=window, before={"status": "paused"}, after={"status": "open"}, ip=ip
        )
    return window

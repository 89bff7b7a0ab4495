"""Every write of the queue (取号叫号): issuing, booking, calling, serving, pausing, closing the day.

Concurrency: calling the next ticket locks the window's row and the day rows (``LineDay``) of the
lines it serves, in id order, then picks the ticket with ``SELECT … FOR UPDATE SKIP LOCKED``.
The day-row lock serialises the choice and the interleave counter per line, so two windows can
never take the same ticket and the N:1 interleave holds exactly; SKIP LOCKED keeps a call from
waiting behind a ticket that a transfer or reactivation is changing. On SQLite (writes already
serialised by the IMMEDIATE transaction) the same code runs without row locks.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from hall.models import Site, User, Window
from hall.queue.models import (
    ACTION_LABELS,
    TICKET_TRANSITIONS,
    Appointment,
    AppointmentSlot,
    CallLog,
    LineDay,
    PriorityCategory,
    QueueLine,
    ServiceRecord,
    Ticket,
    TicketApplicationLink,
    WindowLine,
    WindowPause,
)
from hall.services.audit import audit_record
from hall.validators import validate_mobile_phone

STATUS_LABELS = dict(Ticket.Status.choices)


class LineUnavailable(ValidationError):
    """The line is closed or full (队列未开放/已满): the API answers 409, pages show the message."""


# --- Helpers ----------------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _transition(ticket: Ticket, action: str) -> str:
    """The state ``action`` leads to from the ticket's state, or a ValidationError in Chinese."""
    target = TICKET_TRANSITIONS.get((ticket.status, action))
    if target is None:
        label = ACTION_LABELS.get(action, action)
        raise ValidationError(f"号码 {ticket.number} 当前状态为「{STATUS_LABELS[ticket.status]}」，不能{label}。")
    return target


def _lock_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("line").get(pk=ticket.pk)


def _require_at_window(ticket: Ticket, window: Window) -> None:
    if ticket.window_id != window.pk:
        raise ValidationError(f"号码 {ticket.number} 不在 {window.number} 号窗口。")


def _line_day_locked(line: QueueLine, service_date: date) -> LineDay:
    """The day row of ``line``, created if needed, locked until the transaction ends."""
    day, _ = LineDay.objects.get_or_create(
        line=line, service_date=service_date, defaults={"normal_streak": line.priority_interleave}
    )
    # A new day starts as if N normal tickets had just been called: the first priority ticket
    # of the day does not wait behind N normal ones.
    return LineDay.objects.select_for_update().get(pk=day.pk)


def check_line_open(line: QueueLine, *, now: datetime | None = None) -> None:
    """Raise LineUnavailable when ``line`` does not take numbers at ``now`` (local time)."""
    local = timezone.localtime(_now(now))
    if not line.is_active:
        raise LineUnavailable(f"「{line.name}」暂停取号。")
    if not (line.opens_at <= local.time() < line.closes_at):
        raise LineUnavailable(
            f"「{line.name}」不在取号时间内（每日 {line.opens_at:%H:%M}—{line.closes_at:%H:%M}），请在取号时间内再来。"
        )


def _ticket_snapshot(ticket: Ticket) -> dict:
    return {
        "number": ticket.number,
        "status": ticket.status,
        "line_id": ticket.line_id,
        "window_id": ticket.window_id,
        "call_count": ticket.call_count,
    }


# --- Taking a number ------------------------------------------------------------------------------


def ticket_issue(
    *,
    line: QueueLine,
    priority: PriorityCategory | None = None,
    phone: str = "",
    citizen: User | None = None,
    source: str = Ticket.Source.KIOSK,
    appointment: Appointment | None = None,
    by: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Issue a ticket (取号): the next number of the line today, e.g. A012."""
    now = _now(now)
    today = timezone.localdate(now)
    check_line_open(line, now=now)
    if phone:
        validate_mobile_phone(phone)
    if priority is not None and not priority.is_active:
        raise ValidationError({"priority": "该优先类别已停用。"})
    with transaction.atomic():
        if citizen is not None and appointment is None:
            active = Ticket.objects.filter(
                citizen=citizen,
                line=line,
                service_date=today,
                status__in=[Ticket.Status.WAITING, *Ticket.ACTIVE_STATUSES],
            ).first()
            if active is not None:
                raise ValidationError(f"您今天已在「{line.name}」取号 {active.number}，请勿重复取号。")
        day = _line_day_locked(line, today)
        if appointment is None and day.last_sequence >= line.daily_limit:
            raise LineUnavailable(f"「{line.name}」今日号码已取完（每日 {line.daily_limit} 个），请改日或网上预约。")
        day.last_sequence += 1
        LineDay.objects.filter(pk=day.pk).update(last_sequence=day.last_sequence)
        due_at = None
        if appointment is not None:
            slot = appointment.slot
            start = timezone.make_aware(datetime.combine(slot.service_date, slot.starts_at))
            due_at = start - timedelta(minutes=Ticket.APPOINTMENT_EARLY_MINUTES)
        ticket = Ticket.objects.create(
            site_id=line.site_id,
            issued_line=line,
            line=line,
            service_date=today,
            sequence=day.last_sequence,
            number=f"{line.prefix}{day.last_sequence:03d}",
            source=source,
            priority=priority,
            is_priority=priority is not None,
            appointment=appointment,
            appointment_due_at=due_at,
            citizen=citizen,
            phone=phone,
            issued_at=now,
            queued_at=now,
        )
        audit_record(actor=by or citizen, action="ticket.issue", obj=ticket, after=_ticket_snapshot(ticket), ip=ip)
    return ticket


def appointment_book(
    *,
    slot: AppointmentSlot,
    phone: str,
    name: str = "",
    id_number: str = "",
    citizen: User | None = None,
    by: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book an appointment slot (预约): refused when the slot is past or full."""
    now = _now(now)
    local = timezone.localtime(now)
    validate_mobile_phone(phone)
    if not slot.line.is_active:
        raise LineUnavailable(f"「{slot.line.name}」暂停预约。")
    if slot.service_date < local.date() or (slot.service_date == local.date() and slot.ends_at <= local.time()):
        raise ValidationError({"slot": "该时段已过，请选择其他时段。"})
    with transaction.atomic():
        slot = AppointmentSlot.objects.select_for_update().select_related("line").get(pk=slot.pk)
        if slot.booked_count >= slot.capacity:
            raise LineUnavailable(f"{slot.service_date:%m月%d日} {slot.starts_at:%H:%M} 时段已约满，请选择其他时段。")
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    slot=slot, citizen=citizen, name=name, phone=phone, id_number=id_number
                )
        except IntegrityError:
            raise ValidationError({"slot": "该手机号已预约此时段，无需重复预约。"}) from None
        AppointmentSlot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") + 1)
        audit_record(
            actor=by or citizen,
            action="appointment.book",
            obj=appointment,
            after={"slot_id": slot.pk, "line_id": slot.line_id, "date": str(slot.service_date)},
            ip=ip,
        )
    return appointment


def appointment_check_in(
    *,
    site: Site,
    phone: str,
    id_number: str = "",
    appointment: Appointment | None = None,
    by: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Check in today's appointment (预约签到) by phone (and ID number) and issue its ticket."""
    now = _now(now)
    today = timezone.localdate(now)
    with transaction.atomic():
        candidates = Appointment.objects.select_for_update(of=("self",)).select_related("slot__line")
        by_key = Q(pk=appointment.pk) if appointment is not None else Q(phone=phone)
        candidates = candidates.filter(by_key)
        found = (
            candidates.filter(slot__service_date=today, slot__line__site=site, status=Appointment.Status.BOOKED)
            .order_by("slot__starts_at")
            .first()
        )
        if found is None or (found.id_number and id_number and found.id_number.upper() != id_number.upper()):
            raise ValidationError("未找到您今天在本大厅的预约，请核对手机号码和身份证号码，或直接取号。")
        Appointment.objects.filter(pk=found.pk).update(status=Appointment.Status.CHECKED_IN)
        return ticket_issue(
            line=found.slot.line,
            phone=found.phone,
            citizen=found.citizen,
            source=Ticket.Source.APPOINTMENT,
            appointment=found,
            by=by,
            ip=ip,
            now=now,
        )


# --- Calling at the window --------------------------------------------------------------------------


def _next_ticket(days: list[LineDay], *, window: Window, today: date, now: datetime):
    """The ticket ``window`` calls next and its class, with the day rows already locked.

    Up to four ``LIMIT 1`` index scans (partial indexes on waiting tickets) instead of ranking
    every waiting ticket: due appointments, priority on its turn, normal, then priority.
    """
    line_ids = [d.line_id for d in days]
    priority_turn = [d.line_id for d in days if d.normal_streak >= d.line.priority_interleave]
    waiting = (
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(line_id__in=line_ids, service_date=today, status=Ticket.Status.WAITING)
        .filter(Q(target_window__isnull=True) | Q(target_window=window))
    )
    due = waiting.filter(appointment_due_at__lte=now).order_by("appointment_due_at", "id").first()
    if due is not None:
        return due, CallLog.CallClass.APPOINTMENT
    if priority_turn:
        ticket = waiting.filter(is_priority=True, line_id__in=priority_turn).order_by("queued_at", "id").first()
        if ticket is not None:
            return ticket, CallLog.CallClass.PRIORITY
    ticket = waiting.filter(is_priority=False).order_by("queued_at", "id").first()
    if ticket is not None:
        return ticket, CallLog.CallClass.NORMAL
    ticket = waiting.filter(is_priority=True).order_by("queued_at", "id").first()
    return (ticket, CallLog.CallClass.PRIORITY) if ticket is not None else (None, None)


def ticket_call_next(*, window: Window, by: User | None, ip: str | None = None, now: datetime | None = None):
    """Call the next ticket (叫号) for ``window``, or return None when nobody is waiting.

    Order: due appointments (by due time), then priority tickets when it is their turn in the
    line's N:1 interleave, then normal tickets first come first served, then priority tickets
    that are not yet due a turn (so a lone priority ticket is never left behind).
    """
    now = _now(now)
    today = timezone.localdate(now)
    with transaction.atomic():
        # The window row lock makes a double click call once, and orders a call after a pause.
        locked = Window.objects.select_for_update().only("id", "number", "status", "site_id").get(pk=window.pk)
        if locked.status != Window.Status.OPEN:
            raise ValidationError(
                f"{locked.number} 号窗口当前为「{locked.get_status_display()}」，恢复服务后才能叫号。"
            )
        current = Ticket.objects.filter(window=locked, status__in=Ticket.ACTIVE_STATUSES).only("number").first()
        if current is not None:
            raise ValidationError(f"请先处理当前号码 {current.number}（办结、过号或转移）后再叫下一位。")
        line_ids = list(
            WindowLine.objects.filter(window=locked, line__is_active=True).values_list("line_id", flat=True)
        )
        days = list(
            LineDay.objects.select_for_update(of=("self",))
            .select_related("line")
            .filter(line_id__in=line_ids, service_date=today)
            .order_by("id")
        )
        if not days:
            return None
        ticket, call_class = _next_ticket(days, window=locked, today=today, now=now)
        if ticket is None:
            return None
        ticket.status = _transition(ticket, "call")
        ticket.window = locked
        ticket.clerk = by
        ticket.target_window = None
        ticket.call_count = 1
        ticket.last_called_at = now
        if ticket.called_at is None:
            ticket.called_at = now
            ticket.wait_seconds = max(0, int((now - ticket.issued_at).total_seconds()))
        ticket.save(
            update_fields=[
                "status",
                "window",
                "clerk",
                "target_window",
                "call_count",
                "last_called_at",
                "called_at",
                "wait_seconds",
            ]
        )
        day = next(d for d in days if d.line_id == ticket.line_id)
        if call_class == CallLog.CallClass.NORMAL:
            LineDay.objects.filter(pk=day.pk).update(normal_streak=F("normal_streak") + 1)
        elif call_class == CallLog.CallClass.PRIORITY:
            LineDay.objects.filter(pk=day.pk).update(normal_streak=0)
        CallLog.objects.create(
            site_id=locked.site_id,
            ticket=ticket,
            line_id=ticket.line_id,
            window=locked,
            clerk=by,
            action=CallLog.Action.CALL,
            call_class=call_class,
            number=ticket.number,
            window_number=locked.number,
            called_at=now,
        )
        audit_record(
            actor=by, action="ticket.call", obj=ticket, after={"window": locked.number, "class": call_class}, ip=ip
        )
    return ticket


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


# --- Daily close -----------------------------------------------------------------------------------


def tickets_close_day(*, service_date: date, by: User | None = None) -> int:
    """Daily close (日终清号): tickets of ``service_date`` and before still waiting become expired.

    Set-based and idempotent: a second run finds nothing left to close and writes nothing.
    """
    with transaction.atomic():
        count = Ticket.objects.filter(service_date__lte=service_date, status=Ticket.Status.WAITING).update(
            status=Ticket.Status.EXPIRED
        )
        if count:
            audit_record(
                actor=by,
                action="ticket.close_day",
                after={"service_date": str(service_date), "expired": count},
                note=f"{service_date} 日终清号：{count} 个等候号作废",
            )
    return count

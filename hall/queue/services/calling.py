"""Calling at the window (叫号): the order of call-next and its ORM version (SQLite path)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from hall.models import User, Window
from hall.queue.models import (
    CallLog,
    LineDay,
    Ticket,
    WindowLine,
)
from hall.queue.services._common import (
    _now,
    _transition,
    _window_busy,
    _window_not_open,
)
from hall.queue.services.calling_sql import _call_next_postgresql
from hall.services.audit import audit_record


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

    On PostgreSQL the whole call is one statement (``_call_next_postgresql``): the line's day row
    is locked only while that statement runs. Elsewhere (SQLite) the ORM version runs.
    """
    now = _now(now)
    if connection.vendor == "postgresql":
        return _call_next_postgresql(window=window, by=by, ip=ip, now=now)
    return _call_next_python(window=window, by=by, ip=ip, now=now)


def _call_next_python(*, window: Window, by: User | None, ip: str | None, now: datetime):
    """The ORM version of call-next: several round trips under the window and day-row locks."""
    today = timezone.localdate(now)
    with transaction.atomic():
        # The window row lock makes a double click call once, and orders a call after a pause.
        locked = Window.objects.select_for_update().only("id", "number", "status", "site_id").get(pk=window.pk)
        if locked.status != Window.Status.OPEN:
            raise _window_not_open(locked.number, locked.status)
        current = Ticket.objects.filter(window=locked, status__in=Ticket.ACTIVE_STATUSES).only("number").first()
        if current is not None:
            raise _window_busy(current.number)
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

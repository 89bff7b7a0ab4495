"""Shared helpers of the queue services (取号叫号): state checks, locks, snapshots, errors."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from hall.models import Window
from hall.queue.models import (
    ACTION_LABELS,
    TICKET_TRANSITIONS,
    LineDay,
    QueueLine,
    Ticket,
)

STATUS_LABELS = dict(Ticket.Status.choices)


class LineUnavailable(ValidationError):
    """The line is closed or full (队列未开放/已满): the API answers 409, pages show the message."""


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


def _window_not_open(number, status: str) -> ValidationError:
    label = dict(Window.Status.choices).get(status, status)
    return ValidationError(f"{number} 号窗口当前为「{label}」，恢复服务后才能叫号。")


def _window_busy(number: str) -> ValidationError:
    return ValidationError(f"请先处理当前号码 {number}（办结、过号或转移）后再叫下一位。")

"""The work-order clock (工单办理时限): working days, or working hours within the hall's opening hours.

A limit in working days ends at the close of the N-th working day after the start (the day of
receipt is not counted, as for applications). A limit in working hours (紧急 orders, 24 hours by
default) counts only the opening hours (``settings.WORKORDER_OPENING_HOURS``, default
09:00–12:00 and 13:30–17:30) of working days from the moment of receipt.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from hall.workdays import WorkingCalendar, current_calendar

DEFAULT_OPENING_HOURS = "09:00-12:00,13:30-17:30"


def opening_periods() -> list[tuple[time, time]]:
    """The hall's opening periods of a working day, in order."""
    spec = getattr(settings, "WORKORDER_OPENING_HOURS", DEFAULT_OPENING_HOURS) or DEFAULT_OPENING_HOURS
    periods = []
    for part in spec.split(","):
        start, end = part.strip().split("-")
        periods.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
    return sorted(periods)


def _at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment), timezone.get_current_timezone())


def minutes_per_day() -> int:
    return sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for s, e in opening_periods())


def closing_time(day: date) -> datetime:
    """The end of the last opening period of ``day``."""
    return _at(day, opening_periods()[-1][1])


def add_working_minutes(start: datetime, minutes: int, *, calendar: WorkingCalendar | None = None) -> datetime:
    """The moment ``minutes`` of opening time of working days after ``start``."""
    calendar = calendar or current_calendar()
    current = timezone.localtime(start)
    day = current.date()
    remaining = minutes
    periods = opening_periods()
    for _ in range(3660):  # ten years of days bounds the loop
        if calendar.is_working_day(day):
            for opens, closes in periods:
                begin, end = _at(day, opens), _at(day, closes)
                if end <= current:
                    continue
                begin = max(begin, current)
                available = int((end - begin).total_seconds() // 60)
                if remaining <= available:
                    return begin + timedelta(minutes=remaining)
                remaining -= available
        day += timedelta(days=1)
        current = _at(day, time(0, 0))
    raise ValueError("working-minute limit too large")


def deadline_for(start: datetime, amount: int, unit: str, *, calendar: WorkingCalendar | None = None) -> datetime:
    """The deadline of a limit of ``amount`` working days or hours started at ``start``."""
    calendar = calendar or current_calendar()
    if unit == "hours":
        return add_working_minutes(start, amount * 60, calendar=calendar)
    return closing_time(calendar.add_working_days(timezone.localdate(start), amount))


def warning_horizon(now: datetime, *, calendar: WorkingCalendar | None = None) -> datetime:
    """Orders due by this moment get a yellow card: one working day of opening hours ahead by default."""
    minutes = getattr(settings, "WORKORDER_WARNING_WORKING_MINUTES", None) or minutes_per_day()
    return add_working_minutes(now, minutes, calendar=calendar)


def warning_level_at(now: datetime, deadline: datetime, *, calendar: WorkingCalendar | None = None) -> str:
    if deadline < now:
        return "red"
    if deadline <= warning_horizon(now, calendar=calendar):
        return "yellow"
    return "none"

"""The work-order clock (工单办理时限): working days, or working hours within the hall's opening hours.

A limit in working days ends at the close of the N-th working day after the start (the day of
receipt is not counted, as for applications). A limit in working hours (紧急 orders, 24 hours by
default) counts only the hall's opening hours of working days from the moment of receipt
(大厅工作时间, ``hall.models.OpeningPeriod``; the arithmetic is ``hall.workdays``'s).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from hall.workdays import WorkingCalendar, current_calendar


def deadline_for(start: datetime, amount: int, unit: str, *, calendar: WorkingCalendar | None = None) -> datetime:
    """The deadline of a limit of ``amount`` working days or hours started at ``start``."""
    calendar = calendar or current_calendar()
    if unit == "hours":
        return calendar.add_working_minutes(start, amount * 60)
    return calendar.closing_time(calendar.add_working_days(timezone.localdate(start), amount))


def warning_horizon(now: datetime, *, calendar: WorkingCalendar | None = None) -> datetime:
    """Orders due by this moment get a yellow card: one working day of opening hours ahead by default."""
    calendar = calendar or current_calendar()
    minutes = getattr(settings, "WORKORDER_WARNING_WORKING_MINUTES", None) or calendar.minutes_per_day
    return calendar.add_working_minutes(now, minutes)


def warning_level_at(now: datetime, deadline: datetime, *, calendar: WorkingCalendar | None = None) -> str:
    if deadline < now:
        return "red"
    if deadline <= warning_horizon(now, calendar=calendar):
        return "yellow"
    return "none"

"""The legal clock (法定时限) of an application: deadlines, pauses, extensions, warnings.

Rules (DOMAIN.md §2):
- the clock starts at acceptance (受理); the day of acceptance is not counted;
- deadline = the (limit + paused + extended)-th working day after the acceptance date;
- a special procedure (特别程序, art. 45) pauses the clock: the working days in
  (pause start, resume] are not counted, so the deadline moves back by that many;
- an extension (延期, art. 42) adds working days, at most :func:`max_extension_days`;
- completion (办结) records the working days used (paused days excluded) and whether it was on
  or before the promised deadline (按时办结);
- warnings: yellow (黄牌) when the remaining working days are at most
  max(APPROVALS_WARNING_MIN_DAYS, limit / APPROVALS_WARNING_LIMIT_DIVISOR), red (红牌) when overdue.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from hall.workdays import WorkingCalendar, current_calendar


def deadline(
    accepted_on: date, limit_days: int, *, paused: int = 0, extended: int = 0, calendar: WorkingCalendar | None = None
) -> date:
    """The deadline: ``limit + paused + extended`` working days after ``accepted_on``."""
    calendar = calendar or current_calendar()
    return calendar.add_working_days(accepted_on, limit_days + paused + extended)


def deadlines_for(application, *, calendar: WorkingCalendar | None = None) -> tuple[date, date]:
    """(promised deadline 承诺期限, legal deadline 法定期限) of an accepted application."""
    calendar = calendar or current_calendar()
    common = {
        "paused": application.paused_working_days,
        "extended": application.extended_working_days,
        "calendar": calendar,
    }
    return (
        deadline(application.accepted_on, application.promised_limit_days, **common),
        deadline(application.accepted_on, application.legal_limit_days, **common),
    )


def paused_working_days(started_on: date, ended_on: date, *, calendar: WorkingCalendar | None = None) -> int:
    """Working days in (start, end]: the days a special procedure kept the clock stopped."""
    calendar = calendar or current_calendar()
    return max(calendar.working_days_between(started_on, ended_on), 0)


def max_extension_days(legal_limit_days: int) -> int:
    """The most working days an extension may add (延期上限), derived from art. 42.

    Art. 42: a 20-day decision may be extended by 10 days; joint or centralised handling
    (45 days) by 15. Our rule: 15 when the legal limit is 45 days or more; otherwise half the
    legal limit, at most 10 (so 20 → 10, 10 → 5, 5 → 2). A matter with a limit of 0 or 1
    (即办) cannot be extended.
    """
    if legal_limit_days >= 45:
        return 15
    return min(10, legal_limit_days // 2)


def elapsed_working_days(
    accepted_on: date, completed_on: date, *, paused: int = 0, calendar: WorkingCalendar | None = None
) -> int:
    """Working days used from acceptance to completion, without the paused ones."""
    calendar = calendar or current_calendar()
    return max(calendar.working_days_between(accepted_on, completed_on) - paused, 0)


def yellow_threshold_days(limit_days: int) -> int:
    """Remaining working days at which the yellow card (黄牌) shows: max(min days, ⌊limit / divisor⌋).

    ``remaining ≤ limit / d`` and ``remaining ≤ ⌊limit / d⌋`` are the same for whole days.
    """
    minimum = settings.APPROVALS_WARNING_MIN_DAYS
    divisor = settings.APPROVALS_WARNING_LIMIT_DIVISOR
    return max(minimum, limit_days // divisor if divisor else 0)


def warning_level_on(
    today: date, promised_deadline: date, limit_days: int, *, calendar: WorkingCalendar | None = None
) -> str:
    """The warning level of a running clock on ``today`` (the sweep computes the same in SQL)."""
    from approvals.models import WarningLevel

    if today > promised_deadline:
        return WarningLevel.RED
    calendar = calendar or current_calendar()
    if calendar.working_days_between(today, promised_deadline) <= yellow_threshold_days(limit_days):
        return WarningLevel.YELLOW
    return WarningLevel.NONE


def latest_receipt_without_answer(today: date, days: int, *, calendar: WorkingCalendar | None = None) -> date:
    """The latest receipt date whose ``days``-working-day answer period (art. 32) ended before ``today``.

    An application received on or before the returned date and still unanswered is deemed
    accepted (视为受理).
    """
    calendar = calendar or current_calendar()
    day = today
    # add_working_days is monotone in its start date: walk back until the period has ended.
    while calendar.add_working_days(day, days) >= today:
        day = date.fromordinal(day.toordinal() - 1)
    return day

"""Working hours of the hall (大厅工作时间) for timing the 企业开办 bundle.

"0.5 个工作日" is counted in the hall's opening hours on working days: half of one day's opening
hours, from the complete submission to the last task done. The opening periods are a table an
administrator edits (``OpeningPeriod``), 9:00–12:00 and 13:30–17:30 by default; working days come
from ``hall.workdays``. The target in working days is the setting ``ENTERPRISES_STARTUP_TARGET_DAYS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone

from hall.workdays import WorkingCalendar, current_calendar

DEFAULT_PERIODS = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))
DEFAULT_TARGET_DAYS = Decimal("0.5")


@dataclass(frozen=True)
class OpeningHours:
    """The opening periods of one working day and the working-day calendar."""

    periods: tuple[tuple[time, time], ...]
    calendar: WorkingCalendar

    @property
    def minutes_per_day(self) -> int:
        return sum((_minutes(end) - _minutes(start)) for start, end in self.periods)

    def working_minutes(self, start: datetime, end: datetime) -> int:
        """Opening-hour minutes on working days between two instants (0 when ``end`` ≤ ``start``)."""
        if end <= start:
            return 0
        tz = timezone.get_current_timezone()
        start, end = timezone.localtime(start, tz), timezone.localtime(end, tz)
        seconds = 0.0
        day = start.date()
        while day <= end.date():
            if self.calendar.is_working_day(day):
                for opens, closes in self.periods:
                    lo = max(start, datetime.combine(day, opens, tzinfo=tz))
                    hi = min(end, datetime.combine(day, closes, tzinfo=tz))
                    if hi > lo:
                        seconds += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return int(seconds // 60)

    def is_open(self, moment: datetime) -> bool:
        local = timezone.localtime(moment)
        if not self.calendar.is_working_day(local.date()):
            return False
        return any(opens <= local.time() < closes for opens, closes in self.periods)


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def opening_hours(*, calendar: WorkingCalendar | None = None) -> OpeningHours:
    """The hall's opening hours now (one query for the periods)."""
    from enterprises.models import OpeningPeriod

    rows = tuple(OpeningPeriod.objects.order_by("starts_at").values_list("starts_at", "ends_at"))
    return OpeningHours(periods=rows or DEFAULT_PERIODS, calendar=calendar or current_calendar())


def target_days() -> Decimal:
    return Decimal(str(getattr(settings, "ENTERPRISES_STARTUP_TARGET_DAYS", DEFAULT_TARGET_DAYS)))


def target_minutes(hours: OpeningHours) -> int:
    """The 企业开办 target in opening-hour minutes (0.5 working day of 7 opening hours = 210)."""
    value = target_days() * hours.minutes_per_day
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def format_minutes(minutes: int | None) -> str:
    if minutes is None:
        return "—"
    hours, rest = divmod(int(minutes), 60)
    return f"{hours} 小时 {rest} 分" if hours else f"{rest} 分钟"

"""Working-day arithmetic (工作日计算) over the calendar kept in the database.

Legal time limits count working days: weekends and statutory holidays do not count, official
make-up working days (调休上班) do. The day of acceptance is not counted; the deadline is the
n-th working day after it. A year with no loaded schedule falls back to Monday–Friday, and
:func:`unconfigured_years` names it so that callers can warn.

Limits counted in working hours (企业开办 "0.5 个工作日", 紧急工单 24 working hours) count only the
hall's opening hours (大厅工作时间, ``OpeningPeriod``) of working days: :func:`working_minutes_between`
and :func:`add_working_minutes`. Both read the same cached snapshot as the working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

CACHE_KEY = "hall:working-calendar:v2"
CACHE_SECONDS = 60 * 60
# Far beyond any legal limit (the longest are a few hundred working days); guards the loops.
MAX_WORKING_DAYS = 5000
# The longest span of calendar days counted in one call (about 20 years): a bound on the loop
# and on what a user may ask of the API (a span of millions of days is a 400, not a long count).
MAX_SPAN_DAYS = 7305
# The hall's opening hours when the table is empty (大厅工作时间: 09:00–12:00, 13:30–17:30).
DEFAULT_OPENING_PERIODS = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


@dataclass(frozen=True)
class WorkingCalendar:
    """An immutable snapshot: the loaded years, the days that differ from Monday–Friday and the
    opening periods of a working day."""

    configured_years: frozenset[int]
    exceptions: dict[date, bool]  # only days whose working status differs from their weekday
    opening_periods: tuple[tuple[time, time], ...] = DEFAULT_OPENING_PERIODS

    def is_working_day(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        if n < 0:
            raise ValueError("n must not be negative")
        if n > MAX_WORKING_DAYS:
            raise ValueError(f"n must not exceed {MAX_WORKING_DAYS}")
        if start > date.max - timedelta(days=2 * n + 30):
            raise ValueError("start is too late for date arithmetic")
        day = start
        remaining = n
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, a: date, b: date) -> int:
        if b < a:
            return -self.working_days_between(b, a)
        if (b - a).days > MAX_SPAN_DAYS:
            raise ValueError(f"the span must not exceed {MAX_SPAN_DAYS} days")
        return sum(1 for offset in range(1, (b - a).days + 1) if self.is_working_day(a + timedelta(days=offset)))

    def unconfigured_years(self, days: Iterable[date]) -> list[int]:
        return sorted({d.year for d in days} - self.configured_years)

    # Working hours (工作时间): the opening periods of working days.

    @property
    def minutes_per_day(self) -> int:
        """Opening minutes of one working day (420 for the default periods)."""
        return sum(_minutes(end) - _minutes(start) for start, end in self.opening_periods)

    def _periods_of(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        tz = timezone.get_current_timezone()
        return [
            (datetime.combine(day, opens, tzinfo=tz), datetime.combine(day, closes, tzinfo=tz))
            for opens, closes in self.opening_periods
        ]

    def is_open(self, moment: datetime) -> bool:
        """Whether the hall is open at ``moment`` (a working day, inside an opening period)."""
        return any(opens <= moment < closes for opens, closes in self._periods_of(timezone.localdate(moment)))

    def closing_time(self, day: date) -> datetime:
        """The end of the last opening period of ``day``."""
        closes = self.opening_periods[-1][1]
        return datetime.combine(day, closes, tzinfo=timezone.get_current_timezone())

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole opening minutes of working days in ``[start, end)``; 0 when ``end`` ≤ ``start``."""
        if end <= start:
            return 0
        first, last = timezone.localdate(start), timezone.localdate(end)
        if (last - first).days > MAX_SPAN_DAYS:
            raise ValueError(f"the span must not exceed {MAX_SPAN_DAYS} days")
        seconds = 0.0
        day = first
        while day <= last:
            for opens, closes in self._periods_of(day):
                lo, hi = max(start, opens), min(end, closes)
                if hi > lo:
                    seconds += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return int(seconds // 60)

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` opening minutes of working days after ``start``."""
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        if minutes > MAX_WORKING_DAYS * max(self.minutes_per_day, 1):
            raise ValueError("working-minute limit too large")
        current = timezone.localtime(start)
        day = current.date()
        remaining = minutes
        for _ in range(MAX_SPAN_DAYS):
            for opens, closes in self._periods_of(day):
                if closes <= current:
                    continue
                begin = max(opens, current)
                available = int((closes - begin).total_seconds() // 60)
                if remaining <= available:
                    return begin + timedelta(minutes=remaining)
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("working-minute limit too large")


def load_calendar() -> WorkingCalendar:
    """Read the calendar and the opening hours from the database (three queries)."""
    from hall.models import CalendarDay, CalendarYear, OpeningPeriod

    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    # week_day: 1 = Sunday … 7 = Saturday, on every database backend.
    weekend = [1, 7]
    rows = CalendarDay.objects.filter(
        (Q(date__week_day__in=weekend) & Q(kind__in=CalendarDay.WORKING_KINDS))
        | (~Q(date__week_day__in=weekend) & ~Q(kind__in=CalendarDay.WORKING_KINDS))
    ).values_list("date", "kind")
    exceptions = {d: kind in CalendarDay.WORKING_KINDS for d, kind in rows if d.year in years}
    periods = tuple(OpeningPeriod.objects.order_by("starts_at").values_list("starts_at", "ends_at"))
    return WorkingCalendar(
        configured_years=years, exceptions=exceptions, opening_periods=periods or DEFAULT_OPENING_PERIODS
    )


def current_calendar() -> WorkingCalendar:
    """The calendar as the database has it now, cached across processes until it is edited."""
    calendar = cache.get(CACHE_KEY)
    if calendar is None:
        calendar = load_calendar()
        cache.set(CACHE_KEY, calendar, CACHE_SECONDS)
    return calendar


def invalidate_calendar_cache() -> None:
    cache.delete(CACHE_KEY)


def is_working_day(day: date, *, calendar: WorkingCalendar | None = None) -> bool:
    """Whether ``day`` is a working day (工作日)."""
    return (calendar or current_calendar()).is_working_day(day)


def add_working_days(start: date, n: int, *, calendar: WorkingCalendar | None = None) -> date:
    """The n-th working day after ``start`` (``start`` itself is not counted); ``start`` when n is 0."""
    return (calendar or current_calendar()).add_working_days(start, n)


def working_days_between(a: date, b: date, *, calendar: WorkingCalendar | None = None) -> int:
    """The number of working days in ``(a, b]``; negative when ``b`` is before ``a``."""
    return (calendar or current_calendar()).working_days_between(a, b)


def working_minutes_between(start: datetime, end: datetime, *, calendar: WorkingCalendar | None = None) -> int:
    """Opening minutes of working days between two instants (大厅工作时间内的分钟数)."""
    return (calendar or current_calendar()).working_minutes_between(start, end)


def add_working_minutes(start: datetime, minutes: int, *, calendar: WorkingCalendar | None = None) -> datetime:
    """The moment ``minutes`` opening minutes of working days after ``start``."""
    return (calendar or current_calendar()).add_working_minutes(start, minutes)


def unconfigured_years(*days: date, calendar: WorkingCalendar | None = None) -> list[int]:
    """The years among ``days`` that have no loaded schedule (computed Monday–Friday)."""
    return (calendar or current_calendar()).unconfigured_years(days)


def unconfigured_warning(years: Iterable[int]) -> str:
    """The warning shown to users when a result relies on the Monday–Friday fallback."""
    names = "、".join(f"{y} 年" for y in sorted(years))
    return f"警告：{names}尚未载入法定节假日安排，已按周一至周五推算，结果可能不准确。请系统管理员导入该年度日历。"

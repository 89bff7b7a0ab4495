"""Working-day arithmetic (工作日计算) over the calendar kept in the database.

Legal time limits count working days: weekends and statutory holidays do not count, official
make-up working days (调休上班) do. The day of acceptance is not counted; the deadline is the
n-th working day after it. A year with no loaded schedule falls back to Monday–Friday, and
:func:`unconfigured_years` names it so that callers can warn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Q

CACHE_KEY = "hall:working-calendar:v1"
CACHE_SECONDS = 60 * 60
# Far beyond any legal limit (the longest are a few hundred working days); guards the loops.
MAX_WORKING_DAYS = 5000
# The longest span of calendar days counted in one call (about 20 years): a bound on the loop
# and on what a user may ask of the API (a span of millions of days is a 400, not a long count).
MAX_SPAN_DAYS = 7305


@dataclass(frozen=True)
class WorkingCalendar:
    """An immutable snapshot: the loaded years and the days that differ from Monday–Friday."""

    configured_years: frozenset[int]
    exceptions: dict[date, bool]  # only days whose working status differs from their weekday

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


def load_calendar() -> WorkingCalendar:
    """Read the calendar from the database (two queries)."""
    from hall.models import CalendarDay, CalendarYear

    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    # week_day: 1 = Sunday … 7 = Saturday, on every database backend.
    weekend = [1, 7]
    rows = CalendarDay.objects.filter(
        (Q(date__week_day__in=weekend) & Q(kind__in=CalendarDay.WORKING_KINDS))
        | (~Q(date__week_day__in=weekend) & ~Q(kind__in=CalendarDay.WORKING_KINDS))
    ).values_list("date", "kind")
    exceptions = {d: kind in CalendarDay.WORKING_KINDS for d, kind in rows if d.year in years}
    return WorkingCalendar(configured_years=years, exceptions=exceptions)


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


def unconfigured_years(*days: date, calendar: WorkingCalendar | None = None) -> list[int]:
    """The years among ``days`` that have no loaded schedule (computed Monday–Friday)."""
    return (calendar or current_calendar()).unconfigured_years(days)


def unconfigured_warning(years: Iterable[int]) -> str:
    """The warning shown to users when a result relies on the Monday–Friday fallback."""
    names = "、".join(f"{y} 年" for y in sorted(years))
    return f"警告：{names}尚未载入法定节假日安排，已按周一至周五推算，结果可能不准确。请系统管理员导入该年度日历。"

"""The 企业开办 target in the hall's working hours (大厅工作时间).

"0.5 个工作日" is counted in the hall's opening hours on working days: half of one day's opening
hours, from the complete submission to the last task done. The opening periods and the working-minute
arithmetic are the hall's (``hall.models.OpeningPeriod``, ``hall.workdays``); the target in working
days is the setting ``ENTERPRISES_STARTUP_TARGET_DAYS``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from hall.workdays import WorkingCalendar

DEFAULT_TARGET_DAYS = Decimal("0.5")


def target_days() -> Decimal:
    return Decimal(str(getattr(settings, "ENTERPRISES_STARTUP_TARGET_DAYS", DEFAULT_TARGET_DAYS)))


def target_minutes(calendar: WorkingCalendar) -> int:
    """The 企业开办 target in opening-hour minutes (0.5 working day of 7 opening hours = 210)."""
    value = target_days() * calendar.minutes_per_day
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def format_minutes(minutes: int | None) -> str:
    if minutes is None:
        return "—"
    hours, rest = divmod(int(minutes), 60)
    return f"{hours} 小时 {rest} 分" if hours else f"{rest} 分钟"

"""Maintaining the working-day calendar: seeding from chinesecalendar, importing an official
schedule from CSV or xlsx, editing a day, and the yearly check for next year's schedule."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from hall.models import CalendarDay, CalendarYear, User
from hall.services.audit import audit_record
from hall.services.notifications import notification_send
from hall.workdays import invalidate_calendar_cache

# chinesecalendar's holiday names are English; the calendar shows the Chinese ones.
HOLIDAY_KIND_WORDS = {"休", "休息", "假", "放假", "节假日", "holiday", "off", "rest"}
WORKDAY_KIND_WORDS = {"班", "上班", "调休上班", "补班", "工作日", "workday", "work", "makeup"}


def _default_kind(day: date) -> str:
    return CalendarDay.Kind.WORKDAY if day.weekday() < 5 else CalendarDay.Kind.WEEKEND


def _year_rows(year: int, overrides: dict[date, tuple[str, str]]) -> list[CalendarDay]:
    """Every day of ``year``: Monday–Friday by default, then the official overrides."""
    rows = []
    day = date(year, 1, 1)
    while day.year == year:
        kind, name = overrides.get(day, (_default_kind(day), ""))
        rows.append(CalendarDay(date=day, kind=kind, name=name))
        day += timedelta(days=1)
    return rows


@transaction.atomic
def calendar_year_load(
    *,
    year: int,
    overrides: dict[date, tuple[str, str]],
    source: str,
    note: str = "",
    by: User | None = None,
    ip: str | None = None,
) -> CalendarYear:
    """Replace the whole of ``year`` with Monday–Friday plus ``overrides`` (date → (kind, name))."""
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(_year_rows(year, overrides))
    calendar_year, _ = CalendarYear.objects.update_or_create(year=year, defaults={"source": source, "note": note})
    holidays = sum(1 for kind, _ in overrides.values() if kind == CalendarDay.Kind.HOLIDAY)
    makeups = sum(1 for kind, _ in overrides.values() if kind == CalendarDay.Kind.MAKEUP_WORKDAY)
    audit_record(
        actor=by,
        action="calendar.load_year",
        obj=calendar_year,
        after={"year": year, "source": source, "holidays": holidays, "makeup_workdays": makeups},
        ip=ip,
    )
    transaction.on_commit(invalidate_calendar_cache)
    return calendar_year


def package_years() -> list[int]:
    """The years for which the installed chinesecalendar has official data."""
    from chinese_calendar.constants import holidays

    return sorted({d.year for d in holidays})


def package_overrides(year: int) -> dict[date, tuple[str, str]]:
    """The official holidays and make-up working days of ``year`` from chinesecalendar."""
    from chinese_calendar.constants import Holiday, holidays, workdays

    chinese = {h.value: h.chinese for h in Holiday}  # the package keys its data by English name
    overrides: dict[date, tuple[str, str]] = {}
    for day, holiday in holidays.items():
        if day.year == year:
            overrides[day] = (CalendarDay.Kind.HOLIDAY, chinese.get(holiday, holiday))
    for day, holiday in workdays.items():
        if day.year == year and day.weekday() >= 5:
            overrides[day] = (CalendarDay.Kind.MAKEUP_WORKDAY, f"{chinese.get(holiday, holiday)}调休")
    return overrides


def calendar_seed_from_package(
    *, years: list[int] | None = None, replace: bool = False, by: User | None = None
) -> list[int]:
    """Load every year chinesecalendar knows (or ``years``); keeps years already loaded unless
    ``replace``, so that an administrator's corrections survive. Returns the years loaded."""
    known = package_years()
    wanted = [y for y in (years or known) if y in known]
    if not replace:
        existing = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
        wanted = [y for y in wanted if y not in existing]
    for year in wanted:
        calendar_year_load(
            year=year,
            overrides=package_overrides(year),
            source=CalendarYear.Source.PACKAGE,
            note="国务院办公厅公布的节假日安排（chinesecalendar）",
            by=by,
        )
    return wanted


@dataclass
class ImportResult:
    years: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    days: int = 0


def _parse_kind(text: str, day: date) -> str | None:
    word = text.strip().lower()
    if word in HOLIDAY_KIND_WORDS:
        return CalendarDay.Kind.HOLIDAY
    if word in WORKDAY_KIND_WORDS:
        return CalendarDay.Kind.MAKEUP_WORKDAY if day.weekday() >= 5 else CalendarDay.Kind.WORKDAY
    return None


def _read_rows(content: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise ValidationError({"file": f"无法读取该 xlsx 文件：{exc}"}) from exc
        return [
            [cell.isoformat()[:10] if isinstance(cell, date) else ("" if cell is None else str(cell)) for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    if filename.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": "无法识别文件编码，请保存为 UTF-8 编码的 CSV。"})
        return list(csv.reader(io.StringIO(text)))
    raise ValidationError({"file": "只支持 .csv 或 .xlsx 文件。"})


def calendar_import_file(
    *, content: bytes, filename: str, by: User | None = None, ip: str | None = None
) -> ImportResult:
    """Load official schedules from a small table: 日期, 类型 (休 / 班), 名称.

    Only the listed days differ from Monday–Friday. Each year that appears is replaced whole.
    All or nothing: any bad row and nothing changes; every problem is reported by row.
    """
    rows = _read_rows(content, filename)
    result = ImportResult()
    overrides_by_year: dict[int, dict[date, tuple[str, str]]] = {}
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row] + ["", "", ""]
        if not any(cells):
            continue
        if number == 1 and not cells[0][:1].isdigit():
            continue  # header row
        try:
            day = date.fromisoformat(cells[0][:10].replace("/", "-"))
        except ValueError:
            result.errors.append(f"第 {number} 行：日期“{cells[0]}”无效，应为 YYYY-MM-DD。")
            continue
        kind = _parse_kind(cells[1], day)
        if kind is None:
            result.errors.append(f"第 {number} 行：类型“{cells[1]}”无效，应为“休”或“班”。")
            continue
        year_overrides = overrides_by_year.setdefault(day.year, {})
        if day in year_overrides:
            result.errors.append(f"第 {number} 行：日期 {day:%Y-%m-%d} 重复。")
            continue
        year_overrides[day] = (kind, cells[2][:50])
    if not overrides_by_year and not result.errors:
        result.errors.append("文件中没有任何日期行。")
    if result.errors:
        return result
    with transaction.atomic():
        for year, overrides in sorted(overrides_by_year.items()):
            calendar_year_load(
                year=year,
                overrides=overrides,
                source=CalendarYear.Source.IMPORT,
                note=f"导入自 {filename}",
                by=by,
                ip=ip,
            )
            result.years.append(year)
            result.days += len(overrides)
    return result


@transaction.atomic
def calendar_day_update(
    *, day: CalendarDay, kind: str, name: str = "", by: User | None = None, ip: str | None = None
) -> CalendarDay:
    """An administrator corrects one day; its year then counts as configured."""
    if kind not in CalendarDay.Kind.values:
        raise ValidationError({"kind": "无效的日期类型。"})
    before = {"kind": day.kind, "name": day.name}
    day.kind, day.name = kind, name
    day.full_clean()
    day.save(update_fields=["kind", "name"])
    CalendarYear.objects.get_or_create(year=day.date.year, defaults={"source": CalendarYear.Source.MANUAL})
    audit_record(
        actor=by, action="calendar.day_update", obj=day, before=before, after={"kind": kind, "name": name}, ip=ip
    )
    transaction.on_commit(invalidate_calendar_cache)
    return day


def calendar_check_next_year(*, today: date) -> str:
    """The daily check (Celery beat): is next year's schedule loaded?

    Loads it from chinesecalendar when the installed package has it. Otherwise, from
    ``CALENDAR_NEXT_YEAR_CHECK_FROM`` (1 November) on, warns every active administrator once.
    Returns a short status for the task's log.
    """
    from django.conf import settings

    next_year = today.year + 1
    if CalendarYear.objects.filter(year=next_year).exists():
        return f"{next_year} loaded"
    if next_year in package_years():
        calendar_seed_from_package(years=[next_year])
        return f"{next_year} loaded from chinesecalendar"
    month, day = settings.CALENDAR_NEXT_YEAR_CHECK_FROM
    if today < date(today.year, month, day):
        return f"{next_year} missing, not yet due"
    admins = User.objects.filter(role=User.Role.ADMIN, is_active=True)
    sent = notification_send(
        recipients=admins,
        title=f"{next_year} 年工作日历尚未载入",
        body=(
            f"{next_year} 年的法定节假日安排尚未载入系统，办件时限将按周一至周五推算。"
            "国务院办公厅公布安排后，请在“工作日历”中导入该年度日历（CSV 或 xlsx）。"
        ),
        level="warning",
        link="/admin/hall/calendaryear/",
        dedupe_key=f"calendar-missing-{next_year}",
    )
    return f"{next_year} missing, warned {sent} administrators"

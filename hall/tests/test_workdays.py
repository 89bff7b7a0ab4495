"""The working-day calendar across the 2026 holidays and make-up days, the Mon–Fri fallback,
the import of a new year's schedule and the administrators' command."""

from datetime import date, datetime
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from hall.models import AuditLog, CalendarDay, CalendarYear, OpeningPeriod
from hall.services.calendar import calendar_day_update, calendar_import_file, calendar_seed_from_package
from hall.workdays import (
    add_working_days,
    add_working_minutes,
    is_working_day,
    unconfigured_years,
    working_days_between,
    working_minutes_between,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 1), False),  # 元旦
        (date(2026, 1, 4), True),  # Sunday, make-up working day
        (date(2026, 2, 14), True),  # Saturday, make-up
        (date(2026, 2, 16), False),  # 春节 (Monday)
        (date(2026, 2, 23), False),  # last day of 春节
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday, make-up
        (date(2026, 4, 6), False),  # 清明 (Monday)
        (date(2026, 5, 5), False),  # 劳动节
        (date(2026, 5, 9), True),  # Saturday, make-up
        (date(2026, 6, 19), False),  # 端午
        (date(2026, 9, 20), True),  # Sunday, make-up
        (date(2026, 9, 25), False),  # 中秋
        (date(2026, 10, 7), False),  # 国庆
        (date(2026, 10, 10), True),  # Saturday, make-up
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 11, 20), True),  # ordinary Friday
    ],
)
def test_2026_working_days_follow_the_state_council_schedule(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # across 国庆
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # Friday → make-up Sunday
        (date(2026, 9, 30), 0, date(2026, 9, 30)),  # 即办: the same day
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Friday → make-up Saturday
        (date(2026, 2, 13), 2, date(2026, 2, 24)),  # then the whole 春节 holiday
        (date(2026, 4, 30), 5, date(2026, 5, 11)),  # 劳动节, with 5/9 worked
        (date(2026, 12, 31), 1, date(2027, 1, 1)),  # 2027 unknown: Friday counts (fallback)
        (date(2026, 9, 24), 20, date(2026, 10, 29)),  # a 20-day legal limit over 中秋 and 国庆
    ],
)
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


def test_add_working_days_refuses_negative_counts():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 5), -1)


def test_working_days_between_counts_the_half_open_interval():
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert working_days_between(date(2026, 9, 30), date(2026, 9, 30)) == 0
    assert working_days_between(date(2026, 10, 8), date(2026, 9, 30)) == -1
    assert working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 248


def test_a_year_without_data_falls_back_to_monday_to_friday_and_is_named():
    assert is_working_day(date(2027, 1, 1)) is True  # would be 元旦, but 2027 is not loaded
    assert is_working_day(date(2027, 1, 2)) is False
    assert add_working_days(date(2030, 6, 7), 1) == date(2030, 6, 10)
    assert unconfigured_years(date(2026, 5, 1), date(2027, 1, 1), date(2031, 1, 1)) == [2027, 2031]


def test_every_year_the_package_knows_is_seeded_by_migration():
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert set(range(2004, 2027)) <= years
    assert CalendarDay.objects.filter(date__year=2026).count() == 365
    assert calendar_seed_from_package() == []  # idempotent: nothing left to load


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def test_importing_next_years_schedule_from_csv_replaces_the_fallback(django_capture_on_commit_callbacks):
    assert is_working_day(date(2027, 1, 1)) is True  # the fallback, now cached
    content = _csv(
        "日期,类型,名称\n2027-01-01,休,元旦\n2027-01-02,休,元旦\n2027-01-03,休,元旦\n2027-01-04,休,元旦\n2027-02-06,班,春节调休\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = calendar_import_file(content=content, filename="2027.csv")
    assert result.errors == []
    assert result.years == [2027]
    assert is_working_day(date(2027, 1, 1)) is False
    assert is_working_day(date(2027, 2, 6)) is True  # a Saturday made a working day
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 5)
    assert unconfigured_years(date(2027, 3, 1)) == []
    assert CalendarDay.objects.get(date=date(2027, 2, 6)).kind == CalendarDay.Kind.MAKEUP_WORKDAY
    assert AuditLog.objects.filter(
        action="calendar.load_year", object_id=str(CalendarYear.objects.get(year=2027).pk)
    ).exists()


def test_importing_from_xlsx_with_real_dates():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["日期", "类型", "名称"])
    sheet.append([date(2027, 10, 1), "休", "国庆节"])
    sheet.append([date(2027, 10, 9), "班", "国庆节调休"])
    buffer = BytesIO()
    workbook.save(buffer)
    result = calendar_import_file(content=buffer.getvalue(), filename="安排.xlsx")
    assert result.errors == []
    assert is_working_day(date(2027, 10, 1)) is False
    assert is_working_day(date(2027, 10, 9)) is True


def test_a_file_with_errors_changes_nothing_and_lists_every_error_by_row():
    before = CalendarDay.objects.count()
    content = _csv("日期,类型,名称\n2027-01-01,休,元旦\n2027-13-01,休,x\n2027-02-06,加班,x\n2027-01-01,休,重复\n")
    result = calendar_import_file(content=content, filename="bad.csv")
    assert result.years == []
    assert result.errors == [
        "第 3 行：日期“2027-13-01”无效，应为 YYYY-MM-DD。",
        "第 4 行：类型“加班”无效，应为“休”或“班”。",
        "第 5 行：日期 2027-01-01 重复。",
    ]
    assert CalendarDay.objects.count() == before
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_an_unsupported_file_type_is_refused_clearly():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        calendar_import_file(content=b"x", filename="schedule.pdf")
    assert "只支持 .csv 或 .xlsx 文件。" in excinfo.value.messages


def test_an_administrator_correction_takes_effect_once_committed(demo_people, django_capture_on_commit_callbacks):
    assert is_working_day(date(2026, 11, 20)) is True  # warm the cache
    day = CalendarDay.objects.get(date=date(2026, 11, 20))
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_update(day=day, kind=CalendarDay.Kind.HOLIDAY, name="临时调整", by=demo_people["admin"])
    assert is_working_day(date(2026, 11, 20)) is False
    entry = AuditLog.objects.get(action="calendar.day_update")
    assert entry.before == {"kind": "workday", "name": ""}
    assert entry.actor == demo_people["admin"]


def _at(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.get_current_timezone())


def test_working_minutes_skip_lunch_nights_and_the_national_day_holidays():
    # Wed 30 Sep 16:30 → Sat 10 Oct 10:00 (a make-up working day): 60 minutes, then 1 Oct–7 Oct
    # are holidays, Thu 8 and Fri 9 are working days of 420 minutes, Sat 10 gives 60 more.
    assert working_minutes_between(_at(2026, 9, 30, 16, 30), _at(2026, 10, 10, 10, 0)) == 60 + 420 + 420 + 60
    assert working_minutes_between(_at(2026, 3, 9, 12, 0), _at(2026, 3, 9, 13, 30)) == 0  # lunch
    assert working_minutes_between(_at(2026, 3, 9, 15, 0), _at(2026, 3, 9, 9, 0)) == 0  # end before start
    # Adding is the inverse: 30 minutes from 12:15 (lunch) lands at 14:00.
    assert add_working_minutes(_at(2026, 3, 9, 12, 15), 30) == _at(2026, 3, 9, 14, 0)
    assert add_working_minutes(_at(2026, 9, 30, 16, 30), 60 + 420 + 420 + 60) == _at(2026, 10, 10, 10, 0)


def test_admin_edits_the_opening_hours_and_refuses_an_overlap(client, demo_people, django_capture_on_commit_callbacks):
    client.force_login(demo_people["admin"])
    response = client.post("/admin/hall/openingperiod/add/", {"starts_at": "11:00", "ends_at": "14:00"})
    assert response.status_code == 200
    assert "重叠" in response.content.decode()
    assert OpeningPeriod.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/hall/openingperiod/add/", {"starts_at": "18:00", "ends_at": "20:00"})
    assert response.status_code == 302
    assert AuditLog.objects.filter(object_type__icontains="openingperiod").exists()
    # An evening period now counts: 18:00–19:00 on a working day is an hour of working time.
    assert working_minutes_between(_at(2026, 3, 9, 18, 0), _at(2026, 3, 9, 19, 0)) == 60


def run_command(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("workdays", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def test_command_add_across_national_day():
    assert run_command("add", "2026-09-30", "1") == ("2026-10-08", "")


def test_command_add_lands_on_a_make_up_sunday():
    assert run_command("add", "2026-09-18", "1") == ("2026-09-20", "")


def test_command_between():
    assert run_command("between", "2026-09-30", "2026-10-10") == ("3", "")


def test_command_warns_for_a_year_without_data():
    out, err = run_command("add", "2027-03-01", "5")
    assert out == "2027-03-08"
    assert "2027 年尚未载入法定节假日安排" in err


def test_command_rejects_a_bad_date_in_chinese():
    with pytest.raises(CommandError, match="日期“2026-02-30”无效"):
        run_command("add", "2026-02-30", "1")


def test_command_load_reports_errors_and_fails(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("2027-01-01,节日,元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="未做任何更改"):
        run_command("load", str(bad))
    good = tmp_path / "good.csv"
    good.write_text("2027-01-01,休,元旦\n", encoding="utf-8")
    out, _ = run_command("load", str(good))
    assert "已导入 2027 年日历" in out

"""python manage.py workdays — working-day arithmetic and calendar upkeep for administrators."""

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hall.models import CalendarYear
from hall.services.calendar import calendar_import_file, calendar_seed_from_package
from hall.workdays import current_calendar, unconfigured_warning


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期“{text}”无效，应为 YYYY-MM-DD。") from None


class Command(BaseCommand):
    help = "工作日计算与日历维护：add / between / is / status / load / seed。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="起始日期之后第 N 个工作日（起始日不计入）")
        add.add_argument("start")
        add.add_argument("n", type=int)
        between = sub.add_parser("between", help="(A, B] 之间的工作日数")
        between.add_argument("a")
        between.add_argument("b")
        check = sub.add_parser("is", help="某日是否工作日")
        check.add_argument("day")
        sub.add_parser("status", help="已载入的年度")
        load = sub.add_parser("load", help="从 CSV 或 xlsx 导入节假日安排（日期,类型,名称）")
        load.add_argument("path")
        seed = sub.add_parser("seed", help="从 chinesecalendar 载入其已知的全部年度")
        seed.add_argument("--replace", action="store_true", help="覆盖已载入的年度")

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")(**options)

    def _warn_if_unconfigured(self, calendar, *days):
        missing = calendar.unconfigured_years(days)
        if missing:
            self.stderr.write(self.style.WARNING(unconfigured_warning(missing)))

    def do_add(self, start, n, **_):
        start_date = parse_date(start)
        if n < 0:
            raise CommandError("工作日数不能为负数。")
        calendar = current_calendar()
        try:
            result = calendar.add_working_days(start_date, n)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(result.isoformat())
        self._warn_if_unconfigured(calendar, start_date, result)

    def do_between(self, a, b, **_):
        first, second = parse_date(a), parse_date(b)
        calendar = current_calendar()
        self.stdout.write(str(calendar.working_days_between(first, second)))
        self._warn_if_unconfigured(calendar, first, second)

    def do_is(self, day, **_):
        the_day = parse_date(day)
        calendar = current_calendar()
        self.stdout.write("工作日" if calendar.is_working_day(the_day) else "休息日")
        self._warn_if_unconfigured(calendar, the_day)

    def do_status(self, **_):
        years = CalendarYear.objects.order_by("year")
        if not years:
            self.stdout.write("尚未载入任何年度。")
        for year in years:
            self.stdout.write(f"{year.year}\t{year.get_source_display()}\t{year.note}")
        today = timezone.localdate()
        self._warn_if_unconfigured(current_calendar(), today, today.replace(year=today.year + 1))

    def do_load(self, path, **_):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"找不到文件：{path}")
        try:
            result = calendar_import_file(content=file.read_bytes(), filename=file.name)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"导入失败：共 {len(result.errors)} 处错误，未做任何更改。")
        years = "、".join(str(y) for y in result.years)
        self.stdout.write(self.style.SUCCESS(f"已导入 {years} 年日历（{result.days} 个节假日/调休日）。"))

    def do_seed(self, replace=False, **_):
        loaded = calendar_seed_from_package(replace=replace)
        self.stdout.write(f"已载入：{'、'.join(map(str, loaded)) or '无（均已存在）'}")

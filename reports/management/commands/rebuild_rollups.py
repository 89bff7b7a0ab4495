"""``manage.py rebuild_rollups --from 2026-01-01 --to 2026-12-31`` (or ``--year 2026``): exact rebuild.

With ``--all`` the same days of every rollup are rebuilt, one part after the other, each timed: the
reports' rollups (办件/排队日汇总 and 办件月汇总), the evaluations' (好差评/办结日汇总 and 好差评月汇总)
and the work orders' (工单/前台登记日汇总).
"""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from evaluations.rollups import rollups_rebuild as evaluation_rollups_rebuild
from evaluations.workorders.rollups import rollup_rebuild as workorder_rollups_rebuild
from reports.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "从原始办件、排队记录重建指定日期范围的日汇总（可重复执行，结果相同）；--all 同时重建好差评与工单汇总。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--from", dest="first", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
        parser.add_argument("--all", action="store_true", help="同时重建好差评汇总与工单汇总（各部分分别计时）")

    def handle(self, *args, **options):
        if options["year"]:
            first, last = date(options["year"], 1, 1), date(options["year"], 12, 31)
        elif options["first"] and options["last"]:
            first, last = options["first"], options["last"]
        else:
            raise CommandError("请指定 --year，或同时指定 --from 和 --to。")
        if last < first:
            raise CommandError("截止日期不能早于起始日期。")
        started = time.perf_counter()
        run = rollups_rebuild(first_day=first, last_day=last, trigger="command")
        self.stdout.write(
            self.style.SUCCESS(
                f"已重建 {first}～{last}：办件汇总 {run.application_rows} 行，"
                f"排队汇总 {run.queue_rows} 行，用时 {time.perf_counter() - started:.1f} 秒。"
            )
        )
        if not options["all"]:
            return
        part = time.perf_counter()
        result = evaluation_rollups_rebuild(start=first, end=last)
        self.stdout.write(
            self.style.SUCCESS(
                f"已重建好差评汇总：日汇总 {result.evaluation_rows} 行，月汇总 {result.monthly_rows} 行，"
                f"办结汇总 {result.completion_rows} 行，用时 {time.perf_counter() - part:.1f} 秒。"
            )
        )
        part = time.perf_counter()
        rows = workorder_rollups_rebuild(start=first, end=last)
        self.stdout.write(self.style.SUCCESS(f"已重建工单汇总：{rows} 行，用时 {time.perf_counter() - part:.1f} 秒。"))
        self.stdout.write(self.style.SUCCESS(f"全部汇总重建完成，总用时 {time.perf_counter() - started:.1f} 秒。"))

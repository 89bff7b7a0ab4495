"""``manage.py rebuild_rollups --from 2026-01-01 --to 2026-12-31`` (or ``--year 2026``): exact rebuild."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from reports.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "从原始办件、排队记录重建指定日期范围的日汇总（可重复执行，结果相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--from", dest="first", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", type=date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args, **options):
        if options["year"]:
            first, last = date(options["year"], 1, 1), date(options["year"], 12, 31)
        elif options["first"] and options["last"]:
            first, last = options["first"], options["last"]
        else:
            raise CommandError("请指定 --year，或同时指定 --from 和 --to。")
        if last < first:
            raise CommandError("截止日期不能早于起始日期。")
        run = rollups_rebuild(first_day=first, last_day=last, trigger="command")
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            self.style.SUCCESS(
                f"已重建 {first}～{last}：办件汇总 {run.application_rows} 行，"
                f"排队汇总 {run.queue_rows} 行，用时 {seconds:.1f} 秒。"
            )
        )

"""``manage.py rebuild_evaluation_rollups --from YYYY-MM-DD --to YYYY-MM-DD``: exact 好差评 rollups."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from evaluations.rollups import rollups_rebuild


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = "按评价记录重算好差评日汇总与办结日汇总（可重复执行，结果一致）。"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="开始日期 YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="结束日期 YYYY-MM-DD")

    def handle(self, *args, **options):
        start, end = _day(options["start"]), _day(options["end"])
        if end < start:
            raise CommandError("结束日期不能早于开始日期。")
        started = time.perf_counter()
        result = rollups_rebuild(start=start, end=end)
        self.stdout.write(
            self.style.SUCCESS(
                f"已重算 {start} 至 {end}：好差评汇总 {result.evaluation_rows} 行，"
                f"办结汇总 {result.completion_rows} 行，用时 {time.perf_counter() - started:.1f} 秒。"
            )
        )

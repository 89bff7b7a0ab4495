"""``manage.py rebuild_workorder_rollups [--from YYYY-MM-DD] [--to YYYY-MM-DD]``: exact 工单日汇总."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from evaluations.workorders.rollups import rollup_rebuild


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = "按工单与前台登记原始记录重算工单日汇总（可重复执行，结果一致）；不给日期则重算全部数据跨度。"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="开始日期 YYYY-MM-DD（默认：最早数据日）")
        parser.add_argument("--to", dest="end", help="结束日期 YYYY-MM-DD（默认：最晚数据日）")

    def handle(self, *args, **options):
        start, end = _day(options["start"]), _day(options["end"])
        if (start is None) != (end is None):
            raise CommandError("开始日期与结束日期须同时给出，或都不给。")
        if start and end < start:
            raise CommandError("结束日期不能早于开始日期。")
        started = time.perf_counter()
        rows = rollup_rebuild(start=start, end=end)
        self.stdout.write(
            self.style.SUCCESS(f"已重算工单日汇总：写入 {rows} 行，用时 {time.perf_counter() - started:.1f} 秒。")
        )

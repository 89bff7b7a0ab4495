"""``manage.py generate_load --applications N``: a realistic year of applications (压测数据)."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from approvals.load import delete_load_data, generate_applications
from approvals.models import Application
from evaluations.models import Evaluation
from hall.bulkcopy import indexes_deferred
from hall.queue.models import CallLog, ServiceRecord, Ticket

# The tables that take millions of rows: their plain indexes are built once at the end instead of
# being maintained row by row (unique indexes and constraints stay while loading).
BULK_MODELS = (Application, Ticket, CallLog, ServiceRecord, Evaluation, Evaluation.tags.through)


class Command(BaseCommand):
    help = "生成压测/演示用办件数据（事项、渠道、状态、暂停、延期按真实比例分布，COPY 批量写入）。"

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=0, help="办件数量（指定 --scale 时可省略）")
        parser.add_argument(
            "--scale",
            choices=["demo", "county", "district", "bench-small"],
            default=None,
            help="按比例生成一整年各类数据：demo 演示、county 县（13 万办件）、"
            "district 大区（130 万办件、100 万取号及其好差评约 160 万条）",
        )
        parser.add_argument(
            "--history-years",
            type=int,
            default=0,
            help="另生成此前若干年度的已办结办件（及其评价），每年数量见 --history-applications；"
            "十年县级看板：--scale district --history-years 9",
        )
        parser.add_argument(
            "--history-applications", type=int, default=0, help="历史年度每年办件数（默认按 --scale，大区每年 30 万）"
        )
        parser.add_argument("--history-only", action="store_true", help="只生成历史年度（在已有当年数据上追加）")
        parser.add_argument("--tickets", type=int, default=0, help="同时生成排队取号数（含叫号、窗口服务记录）")
        parser.add_argument("--rollups", action="store_true", help="生成后重建所涉年度统计日汇总")
        parser.add_argument("--open-only", action="store_true", help="只生成计时中的在办件（用于预警扫描压测）")
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="以该日期为“今天”（YYYY-MM-DD）")
        parser.add_argument("--batch-size", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=None, help="随机种子，便于复现")
        parser.add_argument("--delete", action="store_true", help="先删除已有的压测办件")
        parser.add_argument("--entities", type=int, default=0, help="同时生成市场主体数量（多年度，含注销、歇业）")
        parser.add_argument("--entity-years", type=int, default=5, help="市场主体成立日期覆盖的年数")
        parser.add_argument("--startup-bundles", type=int, default=0, help="同时生成已办结的企业开办件数")
        parser.add_argument("--workorders", type=int, default=0, help="同时生成诉求工单数（另加约同数的前台登记）")
        parser.add_argument(
            "--evaluations", action="store_true", help="同时为生成的已办结办件和窗口服务生成好差评（含各环节差评）"
        )

    def _step(self, label: str, started: float) -> float:
        now = time.monotonic()
        self.stdout.write(f"  （{label}用时 {now - started:.0f} 秒）")
        return now

    def handle(self, *args, **options):
        from reports.load import HISTORY_SCALES, SCALES

        started = time.monotonic()
        if options["scale"]:
            # One year of every app in a real bureau's proportions (reports.load.SCALES).
            applications, evaluations, tickets, entities, workorders = SCALES[options["scale"]]
            options["applications"] = options["applications"] or applications
            options["tickets"] = options["tickets"] or tickets
            options["entities"] = options["entities"] or entities
            options["startup_bundles"] = options["startup_bundles"] or entities // 4
            options["workorders"] = options["workorders"] or workorders
            options["evaluations"] = bool(evaluations)
            options["history_applications"] = options["history_applications"] or HISTORY_SCALES[options["scale"]]
            options["rollups"] = True
        history_years = max(options["history_years"], 0)
        history_count = options["history_applications"] or HISTORY_SCALES["county"]
        if options["history_only"]:
            if not history_years:
                raise CommandError("--history-only 需同时指定 --history-years。")
            for key in ("applications", "tickets", "entities", "startup_bundles", "workorders"):
                options[key] = 0
        elif options["applications"] <= 0:
            raise CommandError("--applications 应为正整数。")
        today = options["today"] or date.today()
        if options["delete"]:
            from evaluations.load import delete_load_evaluations  # they reference the load applications

            self.stdout.write(f"已删除压测评价 {delete_load_evaluations()} 条。")
            self.stdout.write(f"已删除压测办件 {delete_load_data()} 条。")
        with indexes_deferred(*BULK_MODELS):
            step = self._generate(options, today=today, history_years=history_years, history_count=history_count)
        step = self._step("重建索引", step)
        if options["rollups"]:
            from reports.rollups import rollups_rebuild

            first_year = today.year - history_years if history_years else today.year
            last_year = today.year - 1 if options["history_only"] else today.year
            run = rollups_rebuild(
                first_day=date(first_year, 1, 1), last_day=date(last_year, 12, 31), trigger="generate_load"
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"已重建 {first_year}–{last_year} 年统计日汇总：办件 {run.application_rows} 行，"
                    f"排队 {run.queue_rows} 行。"
                )
            )
            self._step("统计日汇总", step)
        self.stdout.write(self.style.SUCCESS(f"全部完成，用时 {time.monotonic() - started:.0f} 秒。"))

    @staticmethod
    def _in_thread(work, *args):
        try:
            return work(*args)
        finally:
            connection.close()  # this thread's own connection

    def _current_year(self, options) -> None:
        step = time.monotonic()
        created = generate_applications(
            count=options["applications"],
            today=options["today"],
            open_only=options["open_only"],
            batch_size=options["batch_size"],
            seed=options["seed"],
        )
        self.stdout.write(self.style.SUCCESS(f"已生成压测办件 {created} 条。"))
        self._step("办件", step)

    def _history_year(self, options, year: int, count: int) -> None:
        step = time.monotonic()
        created = generate_applications(
            count=count,
            today=options["today"],
            year=year,
            batch_size=options["batch_size"],
            seed=None if options["seed"] is None else options["seed"] + year,
        )
        self.stdout.write(self.style.SUCCESS(f"已生成 {year} 年（历史年度）压测办件 {created} 条。"))
        self._step(f"{year} 年办件", step)

    def _other_apps(self, options, today: date) -> None:
        step = time.monotonic()
        if options["entities"] > 0 or options["startup_bundles"] > 0:
            from enterprises.load import generate_entities

            made = generate_entities(
                count=options["entities"],
                years=options["entity_years"],
                today=options["today"],
                seed=options["seed"],
                bundles=options["startup_bundles"],
            )
            self.stdout.write(
                self.style.SUCCESS(f"已生成市场主体 {made['entities']} 户、企业开办 {made['bundles']} 件。")
            )
            step = self._step("市场主体", step)
        if options["workorders"] > 0:
            from evaluations.workorders.load import generate_workorders

            made = generate_workorders(
                count=options["workorders"],
                today=options["today"],
                seed=options["seed"],
                batch_size=options["batch_size"],
            )
            self.stdout.write(self.style.SUCCESS(f"已生成诉求工单 {made} 件（及前台登记约 {made} 条）。"))
            step = self._step("诉求工单", step)
        if options["tickets"] > 0:
            from reports.load import generate_tickets

            made = generate_tickets(
                count=options["tickets"],
                year=today.year,
                today=today,
                seed=options["seed"],
                batch_size=options["batch_size"],
            )
            self.stdout.write(self.style.SUCCESS(f"已生成排队取号 {made} 个（含叫号、窗口服务记录）。"))
            self._step("排队取号", step)

    def _generate(self, options, *, today: date, history_years: int, history_count: int) -> float:
        """The year's applications, the other apps' rows and each history year are jobs for two
        threads (each its own connection): PostgreSQL does most of the work, so two sessions load
        about twice as fast. Evaluations need all of them, so they come after. Inside a caller's
        transaction (a test) everything runs here: other connections would not see its rows."""
        jobs = []
        if options["applications"] > 0:
            jobs.append((self._current_year, options))
        if options["tickets"] > 0 or options["entities"] > 0 or options["workorders"] > 0:
            jobs.append((self._other_apps, options, today))
        jobs += [
            (self._history_year, options, today.year - back, history_count) for back in range(history_years, 0, -1)
        ]
        if len(jobs) > 1 and not connection.in_atomic_block:
            with ThreadPoolExecutor(max_workers=2) as pool:
                for job in [pool.submit(self._in_thread, *job) for job in jobs]:
                    job.result()
        else:
            for work, *args in jobs:
                work(*args)
        step = time.monotonic()
        if options.get("evaluations"):
            from evaluations.load import generate_evaluations

            made = generate_evaluations(
                seed=options["seed"],
                today=options["today"],
                batch_size=options["batch_size"],
                received_before=date(today.year, 1, 1) if options["history_only"] else None,
            )
            self.stdout.write(
                self.style.SUCCESS(f"已生成好差评 {made['evaluations']} 条（差评整改 {made['cases']} 件）。")
            )
            step = self._step("好差评", step)
        return step

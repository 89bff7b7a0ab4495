"""``manage.py generate_load --applications N``: a realistic year of applications (压测数据)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from approvals.load import delete_load_data, generate_applications


class Command(BaseCommand):
    help = "生成压测/演示用办件数据（事项、渠道、状态、暂停、延期按真实比例分布，批量写入）。"

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=0, help="办件数量（指定 --scale 时可省略）")
        parser.add_argument(
            "--scale",
            choices=["demo", "county", "district", "bench-small"],
            default=None,
            help="按比例生成一整年各类数据：demo 演示、county 县（13 万办件）、"
            "district 大区（130 万办件、250 万评价、100 万取号）",
        )
        parser.add_argument("--tickets", type=int, default=0, help="同时生成排队取号数（含叫号记录）")
        parser.add_argument("--rollups", action="store_true", help="生成后重建该年度统计日汇总")
        parser.add_argument("--open-only", action="store_true", help="只生成计时中的在办件（用于预警扫描压测）")
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="以该日期为“今天”（YYYY-MM-DD）")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=None, help="随机种子，便于复现")
        parser.add_argument("--delete", action="store_true", help="先删除已有的压测办件")
        parser.add_argument("--entities", type=int, default=0, help="同时生成市场主体数量（多年度，含注销、歇业）")
        parser.add_argument("--entity-years", type=int, default=5, help="市场主体成立日期覆盖的年数")
        parser.add_argument("--startup-bundles", type=int, default=0, help="同时生成已办结的企业开办件数")
        parser.add_argument("--workorders", type=int, default=0, help="同时生成诉求工单数（另加约同数的前台登记）")
        parser.add_argument(
            "--evaluations", action="store_true", help="同时为生成的已办结办件和窗口服务生成好差评（含各环节差评）"
        )

    def handle(self, *args, **options):
        if options["scale"]:
            # One year of every app in a real bureau's proportions (reports.load.SCALES).
            from reports.load import SCALES

            applications, evaluations, tickets, entities, workorders = SCALES[options["scale"]]
            options["applications"] = options["applications"] or applications
            options["tickets"] = options["tickets"] or tickets
            options["entities"] = options["entities"] or entities
            options["startup_bundles"] = options["startup_bundles"] or entities // 4
            options["workorders"] = options["workorders"] or workorders
            options["evaluations"] = evaluations
            options["rollups"] = True
        if options["applications"] <= 0:
            raise CommandError("--applications 应为正整数。")
        if options["delete"]:
            from evaluations.load import delete_load_evaluations  # they reference the load applications

            self.stdout.write(f"已删除压测评价 {delete_load_evaluations()} 条。")
            self.stdout.write(f"已删除压测办件 {delete_load_data()} 条。")
        created = generate_applications(
            count=options["applications"],
            today=options["today"],
            open_only=options["open_only"],
            batch_size=options["batch_size"],
            seed=options["seed"],
            progress=lambda n: self.stdout.write(f"  已生成 {n} 条", ending="\r"),
        )
        self.stdout.write(self.style.SUCCESS(f"\n已生成压测办件 {created} 条。"))
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
        if options["workorders"] > 0:
            from evaluations.workorders.load import generate_workorders

            made = generate_workorders(
                count=options["workorders"],
                today=options["today"],
                seed=options["seed"],
                batch_size=options["batch_size"],
            )
            self.stdout.write(self.style.SUCCESS(f"已生成诉求工单 {made} 件（及前台登记约 {made} 条）。"))
        if options["tickets"] > 0:
            from reports.load import generate_tickets

            today = options["today"] or date.today()
            made = generate_tickets(
                count=options["tickets"],
                year=today.year,
                today=today,
                seed=options["seed"],
                batch_size=options["batch_size"],
                progress=lambda n: self.stdout.write(f"  已生成取号 {n} 个", ending="\r"),
            )
            self.stdout.write(self.style.SUCCESS(f"\n已生成排队取号 {made} 个（含叫号记录）。"))
        if options.get("evaluations"):
            try:
                from evaluations.load import generate_evaluations
            except ImportError:
                generate_evaluations = None
            if generate_evaluations is not None:
                made = generate_evaluations(
                    seed=options["seed"], today=options["today"], batch_size=options["batch_size"]
                )
                self.stdout.write(self.style.SUCCESS(f"已生成好差评 {made.get('evaluations', 0)} 条。"))
        if options["rollups"]:
            from reports.rollups import rollups_rebuild

            year = (options["today"] or date.today()).year
            run = rollups_rebuild(first_day=date(year, 1, 1), last_day=date(year, 12, 31), trigger="generate_load")
            self.stdout.write(
                self.style.SUCCESS(
                    f"已重建 {year} 年统计日汇总：办件 {run.application_rows} 行，排队 {run.queue_rows} 行。"
                )
            )

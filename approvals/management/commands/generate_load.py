"""``manage.py generate_load --applications N``: a realistic year of applications (压测数据)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from approvals.load import delete_load_data, generate_applications


class Command(BaseCommand):
    help = "生成压测/演示用办件数据（事项、渠道、状态、暂停、延期按真实比例分布，批量写入）。"

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, required=True, help="办件数量")
        parser.add_argument("--open-only", action="store_true", help="只生成计时中的在办件（用于预警扫描压测）")
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="以该日期为“今天”（YYYY-MM-DD）")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=None, help="随机种子，便于复现")
        parser.add_argument("--delete", action="store_true", help="先删除已有的压测办件")
        parser.add_argument("--entities", type=int, default=0, help="同时生成市场主体数量（多年度，含注销、歇业）")
        parser.add_argument("--entity-years", type=int, default=5, help="市场主体成立日期覆盖的年数")
        parser.add_argument("--startup-bundles", type=int, default=0, help="同时生成已办结的企业开办件数")

    def handle(self, *args, **options):
        if options["applications"] <= 0:
            raise CommandError("--applications 应为正整数。")
        if options["delete"]:
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
            self.stdout.write(self.style.SUCCESS(f"已生成市场主体 {made['entities']} 户、企业开办 {made['bundles']} 件。"))

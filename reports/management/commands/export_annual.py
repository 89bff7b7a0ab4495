"""``manage.py export_annual --year 2026 [--site CODE] --out FILE.xlsx``: the annual summary (年度数据汇总表)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hall.models import Site
from reports.exports.annual import write_annual
from reports.exports.jobs import place_label, validate_year
from reports.periods import site_with_children


class Command(BaseCommand):
    help = "从日汇总导出年度数据汇总表（xlsx）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="年度，如 2026")
        parser.add_argument("--site", default="", help="服务场所：编号或名称（默认全县）")
        parser.add_argument("--out", required=True, help="输出文件路径（.xlsx）")

    def handle(self, *args, **options):
        try:
            year = validate_year(options["year"])
        except ValidationError as exc:
            raise CommandError(exc.message_dict["year"][0]) from None
        site = None
        code = options["site"].strip()
        if code:
            site = (
                (Site.objects.filter(pk=int(code)).first() if code.isdigit() else None)
                or Site.objects.filter(name=code).first()
                or Site.objects.filter(short_name=code).first()
            )
            if site is None:
                raise CommandError(f"服务场所“{code}”不存在。")
        write_annual(
            options["out"],
            year=year,
            site_ids=site_with_children(site) if site else None,
            place_label=place_label(site),
            progress=lambda percent, stage: self.stdout.write(f"  {percent:3d}% {stage}"),
        )
        self.stdout.write(self.style.SUCCESS(f"已导出 {options['out']}"))

"""python manage.py audit_archive --before YYYY-MM-DD --output FILE — archive expired audit records."""

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hall.services.audit_archive import AUDIT_RETENTION_DAYS, auditlog_archive, latest_archivable_date


class Command(BaseCommand):
    help = (
        f"把早于指定日期的审计记录导出为 gzip JSON Lines 文件并核对后清理（记录至少保存 {AUDIT_RETENTION_DAYS} 天；"
        "归档操作本身记入审计日志）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="归档此日期（不含）之前的记录，YYYY-MM-DD")
        parser.add_argument("--output", required=True, help="归档文件路径（不得已存在）")

    def handle(self, *args, before: str, output: str, **options):
        try:
            day = date.fromisoformat(before)
        except ValueError:
            raise CommandError("--before 应为 YYYY-MM-DD 格式的日期。") from None
        try:
            result = auditlog_archive(before=day, output=Path(output))
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            raise CommandError("；".join(m for ms in messages.values() for m in ms)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已归档 {result.count} 条审计记录至 {result.path}（SHA-256 {result.sha256}）；"
                f"当前可归档的最晚日期为 {latest_archivable_date()}。"
            )
        )

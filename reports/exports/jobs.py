"""Annual export jobs (年度汇总导出任务): start, run in Celery with progress, download audited."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from hall.models import Site
from hall.services.audit import audit_record
from reports.exports.annual import write_annual
from reports.models import ExportJob
from reports.periods import site_with_children

MIN_YEAR, MAX_YEAR = 2000, 2100


def validate_year(year) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": ["年度应为四位数字，如 2026。"]}) from None
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationError({"year": [f"年度应在 {MIN_YEAR}～{MAX_YEAR} 之间。"]})
    return value


def place_label(site: Site | None) -> str:
    return "全县（含乡镇、村）" if site is None else f"{site.name}（含下辖站点）"


def file_name(year: int, site: Site | None) -> str:
    return f"{year}年度数据汇总表-{site.name if site else '全县'}.xlsx"


def export_job_start(*, year, site: Site | None, department_id: int | None, by, ip: str | None = None) -> ExportJob:
    """Queue an annual export; the task starts after commit."""
    year = validate_year(year)
    from reports.tasks import export_annual

    with transaction.atomic():
        job = ExportJob.objects.create(year=year, site=site, department_id=department_id, requested_by=by)
        audit_record(
            actor=by,
            action="report.export_start",
            obj=job,
            after={"year": year, "site": site.pk if site else None},
            ip=ip,
        )
        transaction.on_commit(lambda: export_annual.delay(job.pk))
    return job


def _progress(job_id: int):
    def report(percent: int, stage: str) -> None:
        ExportJob.objects.filter(pk=job_id).update(progress=min(percent, 99), stage=stage)

    return report


def export_job_run(*, job_id: int) -> str:
    """Write the workbook of a pending job; idempotent (a finished or running job is left alone)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update(of=("self",)).select_related("site").filter(pk=job_id).first()
        if job is None or job.status in (ExportJob.Status.DONE, ExportJob.Status.RUNNING):
            return "skipped"
        job.status = ExportJob.Status.RUNNING
        job.save(update_fields=["status"])
    site = job.site
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "annual.xlsx"
            write_annual(
                path,
                year=job.year,
                site_ids=site_with_children(site) if site else None,
                department_id=job.department_id,
                place_label=place_label(site),
                progress=_progress(job.pk),
            )
            with transaction.atomic():
                job = ExportJob.objects.select_for_update().get(pk=job_id)
                with path.open("rb") as handle:
                    job.file.save(f"annual-{job.pk}-{timezone.now():%Y%m%d%H%M%S}.xlsx", File(handle), save=False)
                job.file_name = file_name(job.year, site)
                job.status = ExportJob.Status.DONE
                job.progress = 100
                job.stage = "完成"
                job.finished_at = timezone.now()
                job.save()
                audit_record(actor=None, action="report.export_done", obj=job)
    except Exception as exc:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=f"生成失败：{exc}"[:300], finished_at=timezone.now()
        )
        raise
    return "done"


def export_job_download(*, job: ExportJob, by, ip: str | None = None):
    """Open a finished job's file for ``by`` and record the download (下载留痕)."""
    if job.status != ExportJob.Status.DONE or not job.file:
        raise ValidationError({"job": ["文件尚未生成完成。"]})
    with transaction.atomic():
        audit_record(actor=by, action="report.export_download", obj=job, note=job.file_name, ip=ip)
    return job.file.open("rb")

"""Report pages: 大厅管理看板, 领导驾驶舱, 统计报表 (period reports), 年度汇总导出, one figure's breakdown."""

from __future__ import annotations

import calendar
import io
from dataclasses import replace
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from hall.metrics import DIMENSIONS, SECTIONS, Scope
from hall.services.audit import audit_record, client_ip
from reports import selectors
from reports.exports.annual import write_period
from reports.exports.jobs import export_job_download, export_job_start, validate_year
from reports.exports.workbook import metrics_csv
from reports.metrics.base import memo
from reports.models import ExportJob
from reports.periods import PERIOD_KINDS, parse_period, parse_site
from reports.permissions import department_scope, reports_required
from reports.registry import UnknownMetric, all_metrics, breakdown_of, metric_by_code, value_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _dashboard_context(request, builder) -> dict:
    return builder(department_id=department_scope(request.user))


@reports_required
def dashboard(request):
    """大厅管理 (supervisor): the live hall, today's intake, warnings, rankings; refreshes every minute."""
    context = _dashboard_context(request, selectors.supervisor_dashboard)
    template = "reports/_dashboard_body.html" if request.headers.get("HX-Request") else "reports/dashboard.html"
    return render(request, template, context)


@reports_required(page="leader_home")
def leader_home(request):
    """局领导驾驶舱: the year to date against last year, trends and breakdowns; ?screen=1 for the big screen."""
    context = _dashboard_context(request, selectors.leader_cockpit)
    context["screen"] = request.GET.get("screen") == "1"
    template = "reports/_cockpit_body.html" if request.headers.get("HX-Request") else "reports/leader.html"
    return render(request, template, context)


def _period_or_errors(request):
    try:
        return parse_period(request.GET, department_id=department_scope(request.user)), {}
    except ValidationError as exc:
        return None, exc.message_dict


def _place_label(period) -> str:
    return "全县（含乡镇、村）" if period.site is None else f"{period.site.name}（含下辖站点）"


BREAKDOWN_CODES = ["app.received", "app.completed", "app.on_time_rate", "app.online_rate"]


@reports_required
def period_report(request):
    """统计报表: every figure for a month, quarter, half-year, year or range, one site or the county,
    with the figures by site (towns and villages); also as xlsx or CSV (?format=xlsx|csv)."""
    period, errors = _period_or_errors(request)
    dimension = request.GET.get("dimension", "site")
    if dimension not in DIMENSIONS:
        errors = {**errors, "dimension": ["分析维度不存在。"]}
    context = {
        "errors": errors,
        "kinds": PERIOD_KINDS,
        "sites": selectors.site_choices(),
        "params": request.GET,
        "dimensions": DIMENSIONS,
        "dimension": dimension,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 11, -1)),
    }
    if errors:
        return render(request, "reports/period.html", context, status=400)
    with memo():
        values = [(m, value_of(m, period.scope)) for m in all_metrics()]
        breakdown = []
        for code in BREAKDOWN_CODES:
            metric = metric_by_code(code)
            if dimension in metric.dimensions:
                breakdown.append((metric, DIMENSIONS[dimension], breakdown_of(metric, period.scope, dimension)))
        links = {m.code: (m.drilldown(period.scope) if m.drilldown else None) for m, _ in values}
    place = _place_label(period)
    fmt = request.GET.get("format", "")
    if fmt in ("xlsx", "csv"):
        audit_record(
            actor=request.user,
            action="report.period_export",
            note=f"{period.label} {place} {fmt}",
            ip=client_ip(request),
        )
        name = f"统计报表-{period.label}-{period.site.name if period.site else '全县'}.{fmt}"
        if fmt == "csv":
            body = metrics_csv(values, period_label=period.label, place_label=place, breakdown=breakdown)
            response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        else:
            buffer = io.BytesIO()
            write_period(buffer, rows=values, period_label=period.label, place_label=place, breakdown=breakdown)
            response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
        return response
    sections = [(s, [(m, v, links[m.code]) for m, v in values if m.section == s]) for s in SECTIONS]
    context.update(
        {
            "period": period,
            "place": place,
            "sections": [(s, rows) for s, rows in sections if rows],
            "breakdown": breakdown,
            "query": request.GET.urlencode(),
        }
    )
    return render(request, "reports/period.html", context)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@reports_required
def metric_detail(request, code: str):
    """One figure cut by a dimension, each row linking to the rows behind it where the list exists."""
    try:
        metric = metric_by_code(code)
    except UnknownMetric:
        raise Http404("指标不存在。") from None
    period, errors = _period_or_errors(request)
    dimension = request.GET.get("dimension") or (metric.dimensions[0] if metric.dimensions else "")
    if not errors and metric.dimensions and dimension not in metric.dimensions:
        errors = {"dimension": [f"该指标不能按“{DIMENSIONS.get(dimension, dimension)}”分析。"]}
    context = {"metric": metric, "errors": errors, "dimension": dimension, "dimensions": DIMENSIONS}
    if errors:
        return render(request, "reports/metric.html", context, status=400)
    with memo():
        rows = breakdown_of(metric, period.scope, dimension) if dimension else []
        context.update(
            {
                "period": period,
                "value": value_of(metric, period.scope),
                "rows": [(row, _row_drilldown(metric, period.scope, dimension, row.key)) for row in rows],
                "url": metric.drilldown(period.scope) if metric.drilldown else None,
                # The dimension links keep the period and the site.
                "base_query": _without(request.GET, "dimension"),
            }
        )
    return render(request, "reports/metric.html", context)


def _without(params, name: str) -> str:
    query = params.copy()
    query.pop(name, None)
    return query.urlencode()


def _narrowed(scope: Scope, dimension: str, key: str) -> Scope | None:
    """The scope of one breakdown row, where a scope can say it (one month, site or department)."""
    try:
        if dimension == "month":
            year, month = (int(part) for part in key.split("-"))
            first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
            return replace(scope, start=max(scope.start, first), end=min(scope.end, last))
        if dimension == "site":
            site_id = int(key)
            if scope.site_ids is not None and site_id not in scope.site_ids:
                return None
            return replace(scope, site_ids=frozenset({site_id}))
        if dimension == "department":
            department_id = int(key)
            if scope.department_id not in (None, department_id):
                return None
            return replace(scope, department_id=department_id)
    except ValueError:
        return None
    return None


def _row_drilldown(metric, scope: Scope, dimension: str, key: str) -> str | None:
    """The list of rows behind one breakdown row (by month, site or department), where one exists."""
    if metric.drilldown is None:
        return None
    narrowed = _narrowed(scope, dimension, key)
    return metric.drilldown(narrowed) if narrowed is not None else None


def _visible_jobs(user):
    jobs = ExportJob.objects.select_related("site", "requested_by")
    department_id = department_scope(user)
    if department_id is not None:
        jobs = jobs.filter(department_id=department_id)
    return jobs


@reports_required
def exports(request):
    """年度数据汇总表: start an export (Celery), watch its progress, download finished files."""
    errors: dict = {}
    if request.method == "POST":
        site = parse_site(request.POST, errors)
        try:
            year = validate_year(request.POST.get("year"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if not errors:
            job = export_job_start(
                year=year,
                site=site,
                department_id=department_scope(request.user),
                by=request.user,
                ip=client_ip(request),
            )
            messages.success(request, f"已开始生成 {job.year} 年度数据汇总表。")
            return redirect(f"{reverse('reports_exports')}?job={job.pk}")
    jobs = list(_visible_jobs(request.user)[:20])
    context = {
        "jobs": jobs,
        "errors": errors,
        "sites": selectors.site_choices(),
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 11, -1)),
        "current": request.GET.get("job", ""),
        "posted": request.POST,
    }
    return render(request, "reports/exports.html", context, status=400 if errors else 200)


def _job(request, job_id: int) -> ExportJob:
    job = _visible_jobs(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404("导出任务不存在。")
    return job


@reports_required
@require_GET
def export_status(request, job_id: int):
    job = _job(request, job_id)
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "stage": job.stage,
            "error": job.error,
            "download": reverse("reports_export_download", args=[job.pk]) if job.status == "done" else None,
        }
    )


@reports_required
@require_GET
def export_download(request, job_id: int):
    job = _job(request, job_id)
    try:
        handle = export_job_download(job=job, by=request.user, ip=client_ip(request))
    except ValidationError:
        return HttpResponse("文件尚未生成完成。", status=409, content_type="text/plain; charset=utf-8")
    return FileResponse(handle, as_attachment=True, filename=job.file_name, content_type=XLSX)

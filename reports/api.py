"""REST API of reports (统计报表): every figure for a period and site, one figure by a dimension,
annual export jobs (start, progress, download). Supervisors, leaders and administrators; a
department head reads their department; everyone else gets 403."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from hall.metrics import DIMENSIONS
from hall.services.audit import client_ip
from reports.exports.jobs import export_job_download, export_job_start
from reports.metrics.base import memo
from reports.models import ExportJob
from reports.periods import parse_period, parse_site
from reports.permissions import DENIED, can_read_reports, department_scope
from reports.registry import UnknownMetric, all_metrics, breakdown_of, metric_by_code, value_of

PERIOD_PARAMETERS = [
    OpenApiParameter("period", str, description="统计期类型：month / quarter / half / year / range（默认 year）"),
    OpenApiParameter("year", int, description="年度（默认今年）"),
    OpenApiParameter("month", int, description="月份 1–12（period=month）"),
    OpenApiParameter("quarter", int, description="季度 1–4（period=quarter）"),
    OpenApiParameter("half", int, description="1 上半年 / 2 下半年（period=half）"),
    OpenApiParameter("start", str, description="起始日期 YYYY-MM-DD（period=range）"),
    OpenApiParameter("end", str, description="截止日期 YYYY-MM-DD（period=range）"),
    OpenApiParameter("site", int, description="服务场所编号（含下辖站点）；不填为全县"),
]


class CanReadReports(BasePermission):
    message = DENIED

    def has_permission(self, request, view):
        return can_read_reports(request.user)


class ReportsApi(APIView):
    permission_classes = [CanReadReports]

    def period(self, request):
        return parse_period(request.query_params, department_id=department_scope(request.user))


def _number(value):
    return None if value is None else str(value)


class FigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.CharField(allow_null=True, help_text="数值（比率为百分数，两位小数）；无分母时为 null")
    unit = serializers.CharField()
    formula = serializers.CharField()
    section = serializers.CharField()
    dimensions = serializers.ListField(child=serializers.CharField())
    drilldown = serializers.CharField(allow_null=True)


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    label = serializers.CharField()
    site = serializers.IntegerField(allow_null=True)
    department = serializers.IntegerField(allow_null=True)


class MetricListOutput(serializers.Serializer):
    period = PeriodSerializer()
    figures = FigureSerializer(many=True)


def _period_data(period) -> dict:
    return {
        "start": period.scope.start,
        "end": period.scope.end,
        "label": period.label,
        "site": period.site.pk if period.site else None,
        "department": period.scope.department_id,
    }


def _figure(metric, value, scope) -> dict:
    return {
        "code": metric.code,
        "name": metric.name,
        "value": _number(value),
        "unit": metric.unit,
        "formula": metric.formula,
        "section": metric.section,
        "dimensions": list(metric.dimensions),
        "drilldown": metric.drilldown(scope) if metric.drilldown else None,
    }


class MetricListApi(ReportsApi):
    @extend_schema(
        operation_id="reports_metrics_list",
        summary="全部统计指标（统计期、统计范围）",
        parameters=PERIOD_PARAMETERS,
        responses=MetricListOutput,
    )
    def get(self, request):
        period = self.period(request)
        with memo():
            figures = [_figure(m, value_of(m, period.scope), period.scope) for m in all_metrics()]
        return Response({"period": _period_data(period), "figures": figures})


class RowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField(allow_null=True)


class MetricDetailOutput(serializers.Serializer):
    period = PeriodSerializer()
    figure = FigureSerializer()
    dimension = serializers.CharField(allow_null=True)
    rows = RowSerializer(many=True)


class MetricDetailApi(ReportsApi):
    @extend_schema(
        operation_id="reports_metric_retrieve",
        summary="单个指标（可按维度分析）",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("dimension", str, description="分析维度，如 department、month"),
        ],
        responses=MetricDetailOutput,
    )
    def get(self, request, code: str):
        try:
            metric = metric_by_code(code)
        except UnknownMetric:
            raise NotFound(f"指标代码“{code[:40]}”不存在。") from None
        period = self.period(request)
        dimension = request.query_params.get("dimension") or None
        if dimension is not None and dimension not in metric.dimensions:
            known = "、".join(f"{d}（{DIMENSIONS.get(d, d)}）" for d in metric.dimensions) or "无"
            raise ValidationError({"dimension": [f"该指标不能按“{dimension[:20]}”分析；可用维度：{known}。"]})
        with memo():
            value = value_of(metric, period.scope)
            rows = breakdown_of(metric, period.scope, dimension) if dimension else []
        return Response(
            {
                "period": _period_data(period),
                "figure": _figure(metric, value, period.scope),
                "dimension": dimension,
                "rows": [{"key": r.key, "label": r.label, "value": _number(r.value)} for r in rows],
            }
        )


class ExportJobSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "year",
            "site",
            "status",
            "status_label",
            "progress",
            "stage",
            "error",
            "created_at",
            "finished_at",
            "download",
        ]

    def get_download(self, job) -> str | None:
        return reverse("api-report-export-download", args=[job.pk]) if job.status == ExportJob.Status.DONE else None


class ExportStartInput(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": "年度应为四位数字。",
            "min_value": "年度应在 2000～2100 之间。",
            "max_value": "年度应在 2000～2100 之间。",
            "required": "请填写年度。",
        },
    )
    site = serializers.IntegerField(required=False, allow_null=True)


def _jobs(user):
    jobs = ExportJob.objects.all()
    department_id = department_scope(user)
    return jobs if department_id is None else jobs.filter(department_id=department_id)


class ExportJobListApi(ReportsApi):
    @extend_schema(
        operation_id="reports_exports_list", summary="年度汇总导出任务列表", responses=ExportJobSerializer(many=True)
    )
    def get(self, request):
        return Response(ExportJobSerializer(_jobs(request.user)[:50], many=True).data)

    @extend_schema(
        operation_id="reports_exports_create",
        summary="开始导出年度数据汇总表",
        request=ExportStartInput,
        responses={201: ExportJobSerializer},
    )
    def post(self, request):
        data = ExportStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        errors: dict = {}
        site = parse_site({"site": str(data.validated_data.get("site") or "")}, errors)
        if errors:
            raise ValidationError(errors)
        job = export_job_start(
            year=data.validated_data["year"],
            site=site,
            department_id=department_scope(request.user),
            by=request.user,
            ip=client_ip(request),
        )
        return Response(ExportJobSerializer(job).data, status=status.HTTP_201_CREATED)


def _job(request, job_id: int) -> ExportJob:
    job = _jobs(request.user).filter(pk=job_id).first()
    if job is None:
        raise NotFound("导出任务不存在。")
    return job


class ExportJobDetailApi(ReportsApi):
    @extend_schema(operation_id="reports_exports_retrieve", summary="导出任务进度", responses=ExportJobSerializer)
    def get(self, request, job_id: int):
        return Response(ExportJobSerializer(_job(request, job_id)).data)


class ExportJobDownloadApi(ReportsApi):
    @extend_schema(
        operation_id="reports_exports_download",
        summary="下载年度数据汇总表（留痕）",
        responses={(200, "application/octet-stream"): bytes},
    )
    def get(self, request, job_id: int):
        job = _job(request, job_id)
        try:
            handle = export_job_download(job=job, by=request.user, ip=client_ip(request))
        except ValidationError:
            return Response({"detail": "文件尚未生成完成。"}, status=status.HTTP_409_CONFLICT)
        return FileResponse(handle, as_attachment=True, filename=job.file_name)

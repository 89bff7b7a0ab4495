"""/api/v1/reports/… endpoints."""

from django.urls import path

from reports import api

urlpatterns = [
    path("metrics/", api.MetricListApi.as_view(), name="api-report-metrics"),
    path("metrics/<str:code>/", api.MetricDetailApi.as_view(), name="api-report-metric"),
    path("exports/", api.ExportJobListApi.as_view(), name="api-report-exports"),
    path("exports/<int:job_id>/", api.ExportJobDetailApi.as_view(), name="api-report-export"),
    path("exports/<int:job_id>/download/", api.ExportJobDownloadApi.as_view(), name="api-report-export-download"),
]

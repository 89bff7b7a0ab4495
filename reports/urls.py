"""Pages of reports (统计报表); /dashboard/ and /leader/ are routed here by hall.urls."""

from django.urls import path

from reports import views

urlpatterns = [
    path("reports/", views.period_report, name="reports_period"),
    path("reports/metrics/<str:code>/", views.metric_detail, name="reports_metric"),
    path("reports/exports/", views.exports, name="reports_exports"),
    path("reports/exports/<int:job_id>/status/", views.export_status, name="reports_export_status"),
    path("reports/exports/<int:job_id>/download/", views.export_download, name="reports_export_download"),
]

"""URL configuration of the whole project."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from approvals.views import homes
from hall import api, views
from reports import views as report_views

admin.site.site_header = "政务服务大厅管理系统 · 后台管理"
admin.site.site_title = "政务服务大厅管理系统"
admin.site.index_title = "基础数据与系统设置"

api_v1 = [
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("sites/", api.SiteListApi.as_view(), name="api-sites"),
    path("departments/", api.DepartmentListApi.as_view(), name="api-departments"),
    path("calendar/working-days/", api.WorkingDaysApi.as_view(), name="api-working-days"),
    path("queue/", include("hall.queue.api_urls")),
    path("", include("hall.catalog.api_urls")),
]

urlpatterns = [
    path("", views.portal, name="portal"),
    path("home/", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("workbench/", homes.workbench, name="workbench"),
    path("backoffice/", homes.backoffice, name="backoffice"),
    path("inspections/", homes.inspections, name="inspections"),
    path("dashboard/", report_views.dashboard, name="dashboard"),
    path("leader/", report_views.leader_home, name="leader_home"),
    path("", include("reports.urls")),
    path("system/", views.system_home, name="system_home"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("", include("hall.catalog.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("queue/", include("hall.queue.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/v1/", include("approvals.api_urls")),
    path("api/v1/reports/", include("reports.api_urls")),
    path("api/v1/workorders/", include("evaluations.workorders.api_urls")),
    path("workorders/", include("evaluations.workorders.urls")),
    path("", include("approvals.urls")),
    path("", include("evaluations.urls")),
    path("api/v1/", include("evaluations.api_urls")),
    path("", include("enterprises.urls")),
    path("api/v1/", include("enterprises.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "hall.views.permission_denied"
handler404 = "hall.views.page_not_found"
handler500 = "hall.views.server_error"

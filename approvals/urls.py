"""URLs of the application pages (办件), included at the site root by hall/urls.py."""

from django.urls import path

from approvals import downloads
from approvals.views import citizens, detail, notices, staff

urlpatterns = [
    path("applications/", staff.application_list, name="application_list"),
    path("applications/new/", staff.intake, name="application_intake"),
    path("applications/matters/", staff.matter_search, name="application_matter_search"),
    path("applications/applicant-lookup/", staff.applicant_lookup, name="application_applicant_lookup"),
    path("applications/new/theme/", staff.theme_intake, name="application_theme_intake"),
    path("applications/extensions/", staff.extension_requests, name="application_extensions"),
    path("applications/bundles/<str:number>/", staff.bundle_detail, name="application_bundle"),
    path("applications/<str:number>/", detail.application_detail, name="application_detail"),
    path("applications/<str:number>/act/<str:action>/", detail.application_action, name="application_action"),
    path(
        "applications/<str:number>/materials/<int:material_id>/upload/",
        detail.material_upload,
        name="application_material_upload",
    ),
    path("applications/<str:number>/files/<int:file_id>/", downloads.material_download, name="application_file"),
    path("applications/<str:number>/notices/<str:kind>/", notices.notice, name="application_notice"),
    path("apply/<str:code>/", citizens.apply_online, name="apply"),
    path("my/applications/", citizens.my_applications, name="my_applications"),
    path("signup/", citizens.signup, name="signup"),
    path("track/", citizens.track, name="track"),
]

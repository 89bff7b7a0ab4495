"""API routes of applications, mounted under /api/v1/ by hall/urls.py."""

from django.urls import path

from approvals import api

urlpatterns = [
    path("applications/", api.ApplicationListCreateApi.as_view(), name="api-applications"),
    path("applications/online/", api.ApplicationSubmitOnlineApi.as_view(), name="api-applications-online"),
    path("applications/theme/", api.ThemeApplicationReceiveApi.as_view(), name="api-applications-theme"),
    path("applications/<str:number>/", api.ApplicationDetailApi.as_view(), name="api-application-detail"),
    path(
        "applications/<str:number>/materials/<int:material_id>/files/",
        api.MaterialUploadApi.as_view(),
        name="api-application-material-upload",
    ),
    *[
        path(f"applications/<str:number>/{slug}/", view.as_view(), name=f"api-application-{slug}")
        for slug, view in api.TRANSITION_APIS.items()
    ],
    path("track/", api.TrackApi.as_view(), name="api-track"),
    path("citizens/register/", api.CitizenRegisterApi.as_view(), name="api-citizen-register"),
]

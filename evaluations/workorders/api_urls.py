"""API routes of work orders, mounted under /api/v1/workorders/ by hall/urls.py."""

from django.urls import path

from evaluations.workorders import api

urlpatterns = [
    path("", api.OrderListCreateApi.as_view(), name="api-workorders"),
    path("hotline/", api.HotlineOrderApi.as_view(), name="api-workorders-hotline"),
    path("board/", api.BoardApi.as_view(), name="api-workorders-board"),
    path("frontdesk/", api.FrontDeskApi.as_view(), name="api-workorders-frontdesk"),
    path("imports/", api.ImportCreateApi.as_view(), name="api-workorders-imports"),
    path("imports/<int:import_id>/", api.ImportDetailApi.as_view(), name="api-workorders-import"),
    path("figures/", api.FiguresApi.as_view(), name="api-workorders-figures"),
    path("<str:number>/", api.OrderDetailApi.as_view(), name="api-workorder-detail"),
    *[
        path(f"<str:number>/{slug}/", view.as_view(), name=f"api-workorder-{slug}")
        for slug, view in api.TRANSITION_APIS.items()
    ],
]

"""API routes of evaluations, mounted under /api/v1/ by hall/urls.py."""

from django.urls import path

from evaluations import api

urlpatterns = [
    path("evaluations/", api.EvaluationListApi.as_view(), name="api-evaluations"),
    path("evaluations/figures/", api.FiguresApi.as_view(), name="api-evaluation-figures"),
    path("evaluations/callback/", api.PhoneCallbackApi.as_view(), name="api-evaluation-callback"),
    path("evaluations/external/", api.ExternalPushApi.as_view(), name="api-evaluation-external"),
    path("evaluations/link/<str:token>/", api.LinkRateApi.as_view(), name="api-evaluation-link"),
    path("evaluation-cases/", api.CaseListApi.as_view(), name="api-evaluation-cases"),
    path("evaluation-cases/<int:pk>/", api.CaseDetailApi.as_view(), name="api-evaluation-case"),
    path("evaluation-cases/<int:pk>/<str:action>/", api.CaseActionApi.as_view(), name="api-evaluation-case-action"),
]

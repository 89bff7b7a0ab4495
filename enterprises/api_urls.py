"""REST endpoints of the register, under /api/v1/."""

from django.urls import path

from enterprises import api

urlpatterns = [
    path("enterprises/", api.EntityListApi.as_view(), name="api-entities"),
    path("enterprises/figures/", api.EntityFiguresApi.as_view(), name="api-enterprise-figures"),
    path("enterprises/<int:pk>/", api.EntityDetailApi.as_view(), name="api-entity"),
    path("enterprises/<int:pk>/changes/", api.EntityChangeApi.as_view(), name="api-entity-change"),
    path("enterprises/<int:pk>/deregistrations/", api.DeregistrationApi.as_view(), name="api-entity-deregistration"),
    path("enterprises/<int:pk>/dormancies/", api.DormancyApi.as_view(), name="api-entity-dormancy"),
    path("enterprises/<int:pk>/revocations/", api.EntityRevokeApi.as_view(), name="api-entity-revocation"),
    path("startup/<str:number>/", api.StartupDetailApi.as_view(), name="api-startup"),
    path("public/deregistration-notices/", api.NoticeListApi.as_view(), name="api-deregistration-notices"),
    path(
        "public/deregistration-notices/<int:pk>/objections/",
        api.ObjectionApi.as_view(),
        name="api-deregistration-objection",
    ),
]

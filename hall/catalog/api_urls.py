"""Routes of the catalog API, included under /api/v1/."""

from django.urls import path

from hall.catalog import api

urlpatterns = [
    path("matters/", api.MatterListApi.as_view(), name="api-matters"),
    path("matters/<str:code>/", api.MatterDetailApi.as_view(), name="api-matter-detail"),
    path("matters/<str:code>/new-version/", api.MatterNewVersionApi.as_view(), name="api-matter-new-version"),
    path("catalog/versions/", api.CatalogVersionListApi.as_view(), name="api-catalog-versions"),
    path("catalog/versions/<int:pk>/", api.CatalogVersionDetailApi.as_view(), name="api-catalog-version"),
    path("catalog/versions/<int:pk>/publish/", api.CatalogVersionPublishApi.as_view(), name="api-catalog-publish"),
    path("catalog/versions/<int:pk>/retire/", api.CatalogVersionRetireApi.as_view(), name="api-catalog-retire"),
]

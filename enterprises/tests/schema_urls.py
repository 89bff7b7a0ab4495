"""URLconf holding only the register's REST endpoints, so its OpenAPI schema is checked on its own."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("enterprises.api_urls"))]

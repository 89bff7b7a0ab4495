"""Pages of the matter catalog: public guides under /guide/, staff upkeep under /catalog/."""

from django.urls import path

from hall.catalog import views

urlpatterns = [
    path("guide/", views.guide_search, name="guide_search"),
    path("guide/<str:code>/", views.guide_detail, name="guide_detail"),
    path("guide/<str:code>/qr.svg", views.guide_qr, name="guide_qr"),
    path("catalog/", views.catalog_home, name="catalog_home"),
    path("catalog/versions/<int:pk>/<str:action>/", views.catalog_version_action, name="catalog_version_action"),
    path("catalog/stats/", views.catalog_stats, name="catalog_stats"),
    path("catalog/spreadsheet/", views.catalog_spreadsheet, name="catalog_spreadsheet"),
    path("catalog/spreadsheet/export.xlsx", views.catalog_export, name="catalog_export"),
    path("catalog/spreadsheet/template.xlsx", views.catalog_template, name="catalog_template"),
]

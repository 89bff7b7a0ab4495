"""URLs of the register pages, included at the site root by hall/urls.py."""

from django.urls import path

from enterprises import views

urlpatterns = [
    path("enterprises/", views.entity_list, name="entity_list"),
    path("enterprises/<int:pk>/", views.entity_detail, name="entity_detail"),
    path("enterprises/<int:pk>/act/<str:act>/", views.entity_act, name="entity_act"),
    path("enterprises/import/", views.import_upload, name="entity_import_upload"),
    path("enterprises/import/<int:pk>/", views.import_status, name="entity_import"),
    path("enterprises/figures/", views.figures, name="enterprise_figures"),
    path("startup/", views.startup_list, name="startup_list"),
    path("startup/new/", views.startup_intake, name="startup_intake"),
    path("startup/<str:number>/", views.startup_detail, name="startup_detail"),
    path("startup/<str:number>/tasks/<int:task_id>/finish/", views.startup_task_finish, name="startup_task_finish"),
    path("startup/<str:number>/act/<str:act>/", views.startup_act, name="startup_act"),
    path("public/deregistration-notices/", views.notice_list, name="deregistration_notices"),
    path("public/deregistration-notices/<int:pk>/objection/", views.objection, name="deregistration_objection"),
]

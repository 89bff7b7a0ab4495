"""URLs of the work-order pages (诉求工单), included at /workorders/ by hall/urls.py."""

from django.urls import path

from evaluations.workorders import online, views

urlpatterns = [
    path("", views.order_list, name="workorder_list"),
    path("board/", views.board, name="workorder_board"),
    path("inbox/", views.inbox, name="workorder_inbox"),
    path("new/", views.intake, name="workorder_intake"),
    path("frontdesk/", views.frontdesk, name="workorder_frontdesk"),
    path("import/", views.hotline_import, name="workorder_import"),
    path("import/<int:import_id>/", views.hotline_import_detail, name="workorder_import_detail"),
    path("figures/", views.figures, name="workorder_figures"),
    path("online/", online.online_form, name="workorder_online"),
    path("online/<str:number>/", online.online_done, name="workorder_online_done"),
    path("<str:number>/", views.detail, name="workorder_detail"),
    path("<str:number>/act/<str:action>/", views.action, name="workorder_action"),
    path("<str:number>/files/<int:attachment_id>/", views.attachment_download, name="workorder_file"),
]

"""Pages of the queue, mounted at /queue/."""

from django.urls import path

from hall.queue import views

urlpatterns = [
    path("kiosk/<int:site_id>/", views.kiosk, name="queue_kiosk"),
    path("ticket/<uuid:token>/", views.ticket_page, name="queue_ticket"),
    path("ticket/<uuid:token>/state/", views.ticket_state, name="queue_ticket_state"),
    path("board/<int:site_id>/", views.board, name="queue_board"),
    path("board/<int:site_id>/state/", views.board_state, name="queue_board_state"),
    path("window/", views.window_console, name="queue_window"),
    path("window/<str:action>/", views.window_act, name="queue_window_act"),
    path("take/", views.take, name="queue_take"),
    path("stats/", views.stats, name="queue_stats"),
]

"""API routes of the queue, mounted at /api/v1/queue/."""

from django.urls import path

from hall.queue import api

urlpatterns = [
    path("tickets/", api.TicketIssueApi.as_view(), name="api-queue-ticket-issue"),
    path("tickets/track/<uuid:token>/", api.TicketTrackApi.as_view(), name="api-queue-ticket-track"),
    path("tickets/<int:pk>/recall/", api.TicketRecallApi.as_view(), name="api-queue-ticket-recall"),
    path("tickets/<int:pk>/no-show/", api.TicketNoShowApi.as_view(), name="api-queue-ticket-no-show"),
    path("tickets/<int:pk>/reactivate/", api.TicketReactivateApi.as_view(), name="api-queue-ticket-reactivate"),
    path("tickets/<int:pk>/start/", api.TicketStartApi.as_view(), name="api-queue-ticket-start"),
    path("tickets/<int:pk>/finish/", api.TicketFinishApi.as_view(), name="api-queue-ticket-finish"),
    path("tickets/<int:pk>/transfer/", api.TicketTransferApi.as_view(), name="api-queue-ticket-transfer"),
    path("appointments/", api.AppointmentBookApi.as_view(), name="api-queue-appointment-book"),
    path("window/call-next/", api.CallNextApi.as_view(), name="api-queue-call-next"),
    path("window/pause/", api.WindowPauseApi.as_view(), name="api-queue-window-pause"),
    path("window/resume/", api.WindowResumeApi.as_view(), name="api-queue-window-resume"),
    path("board/<int:site_id>/", api.BoardStateApi.as_view(), name="api-queue-board"),
    path("stats/", api.QueueStatsApi.as_view(), name="api-queue-stats"),
]

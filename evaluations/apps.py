"""Evaluations (好差评): ratings from every channel, the 差评 rectification loop and their rollups."""

from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = "好差评"

    def ready(self) -> None:
        from approvals.signals import application_transitioned
        from evaluations import receivers

        application_transitioned.connect(receivers.on_application_transitioned, dispatch_uid="evaluations.invite")

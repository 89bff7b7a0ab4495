"""Market-entity registration (市场主体登记), the 企业开办 bundle, deregistration and dormancy."""

from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = "市场主体"

    def ready(self) -> None:
        # approvals never imports enterprises: we listen to its transitions instead.
        from approvals.signals import application_transitioned
        from enterprises.services import on_application_transitioned

        application_transitioned.connect(on_application_transitioned, dispatch_uid="enterprises.startup")

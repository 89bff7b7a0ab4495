from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "办件审批"

    def ready(self) -> None:
        # Register the Celery tasks in every process (web too), so services can enqueue them by
        # name and an eager configuration runs them in place instead of sending them.
        from approvals import tasks  # noqa: F401

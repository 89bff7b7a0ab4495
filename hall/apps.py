from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "hall"
    verbose_name = "大厅与基础数据"

    def ready(self):
        from hall import input_bounds
        from hall.public_cache import connect_hall_signals

        input_bounds.install()
        connect_hall_signals()
        _connect_calendar_signals()


def _opening_hours_changed(**kwargs) -> None:
    from django.db import transaction

    from hall.workdays import invalidate_calendar_cache

    transaction.on_commit(invalidate_calendar_cache)


def _connect_calendar_signals() -> None:
    """An edit of the opening hours reaches every process's working-hour arithmetic at once."""
    from django.db.models.signals import post_delete, post_save

    from hall.models import OpeningPeriod

    post_save.connect(_opening_hours_changed, sender=OpeningPeriod, dispatch_uid="hall-opening-save")
    post_delete.connect(_opening_hours_changed, sender=OpeningPeriod, dispatch_uid="hall-opening-delete")

from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "hall"
    verbose_name = "大厅与基础数据"

    def ready(self):
        from hall import input_bounds
        from hall.public_cache import connect_hall_signals

        input_bounds.install()
        connect_hall_signals()

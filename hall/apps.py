from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "hall"
    verbose_name = "大厅与基础数据"

    def ready(self):
        from hall import input_bounds

        input_bounds.install()

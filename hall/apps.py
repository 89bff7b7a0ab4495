from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "hall"
    verbose_name = "大厅与基础数据"

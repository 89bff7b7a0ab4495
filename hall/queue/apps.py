from django.apps import AppConfig


class QueueConfig(AppConfig):
    name = "hall.queue"
    label = "queue"
    verbose_name = "取号叫号"

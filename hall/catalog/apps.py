from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "hall.catalog"
    label = "catalog"
    verbose_name = "事项清单"

    def ready(self):
        from hall.catalog.cache import connect_catalog_signals

        connect_catalog_signals()

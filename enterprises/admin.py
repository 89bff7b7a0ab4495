"""Admin of market-entity registration: opening hours are reference data (audited); the register,
its history and the bundles are written by services only, so they are read-only here."""

from django.contrib import admin

from enterprises.models import (
    Deregistration,
    Dormancy,
    EntityImport,
    MarketEntity,
    RegistrationAct,
    StartupBundle,
)
from hall.admin import ReadOnlyAdmin


@admin.register(MarketEntity)
class MarketEntityAdmin(ReadOnlyAdmin):
    list_display = ("credit_code", "name", "entity_type", "status", "registered_on")
    list_filter = ("entity_type", "status")
    search_fields = ("credit_code", "name")


@admin.register(RegistrationAct)
class RegistrationActAdmin(ReadOnlyAdmin):
    list_display = ("entity", "kind", "occurred_on")
    list_filter = ("kind",)


@admin.register(StartupBundle)
class StartupBundleAdmin(ReadOnlyAdmin):
    list_display = ("bundle", "name", "state", "elapsed_minutes", "within_target", "return_count")
    list_filter = ("state",)


@admin.register(Deregistration)
class DeregistrationAdmin(ReadOnlyAdmin):
    list_display = ("entity", "kind", "state", "notice_ends_on")


@admin.register(Dormancy)
class DormancyAdmin(ReadOnlyAdmin):
    list_display = ("entity", "starts_on", "ends_on", "state")


@admin.register(EntityImport)
class EntityImportAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "state", "imported_rows", "created_at")

"""Admin of the queue's reference data (队列、优先类别、预约时段); tickets and calls are read-only."""

from django.contrib import admin

from hall.admin import AuditedAdmin, ReadOnlyAdmin
from hall.queue.models import (
    AppointmentSlot,
    CallLog,
    OpeningRule,
    PriorityCategory,
    QueueLine,
    Ticket,
    WindowLine,
)
from hall.queue.services import appointment_slots_generate


class OpeningRuleInline(admin.TabularInline):
    """The line's weekly opening rules (预约开放规则); slots follow within the hour (or on save)."""

    model = OpeningRule
    extra = 0
    fields = ["weekdays", "starts_at", "ends_at", "capacity", "on_makeup_days", "valid_from", "valid_to", "is_active"]


class WindowLineInline(admin.TabularInline):
    model = WindowLine
    extra = 1
    autocomplete_fields = ["window"]


@admin.register(QueueLine)
class QueueLineAdmin(AuditedAdmin):
    list_display = [
        "prefix",
        "name",
        "site",
        "zone",
        "daily_limit",
        "opens_at",
        "closes_at",
        "priority_interleave",
        "is_active",
    ]
    list_filter = ["site", "is_active"]
    search_fields = ["name", "prefix"]
    filter_horizontal = ["matters"]
    inlines = [WindowLineInline, OpeningRuleInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # New or changed opening rules open their slots at once, not at the next hourly run.
        appointment_slots_generate(by=request.user)


@admin.register(PriorityCategory)
class PriorityCategoryAdmin(AuditedAdmin):
    list_display = ["name", "code", "is_active", "sort_order"]


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(AuditedAdmin):
    list_display = ["line", "service_date", "starts_at", "ends_at", "capacity", "booked_count"]
    list_filter = ["service_date", "line"]
    readonly_fields = ["booked_count"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "service_date", "line", "status", "is_priority", "window", "issued_at", "called_at"]
    list_filter = ["service_date", "status", "site"]
    search_fields = ["number"]


@admin.register(CallLog)
class CallLogAdmin(ReadOnlyAdmin):
    list_display = ["number", "window_number", "action", "call_class", "called_at"]
    list_filter = ["action", "call_class", "site"]

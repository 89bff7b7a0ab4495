"""Admin of the queue's reference data (队列、优先类别、预约时段); tickets and calls are read-only."""

from django.contrib import admin

from hall.admin import AuditedAdmin, ReadOnlyAdmin
from hall.queue.models import AppointmentSlot, CallLog, PriorityCategory, QueueLine, Ticket, WindowLine


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
    inlines = [WindowLineInline]


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

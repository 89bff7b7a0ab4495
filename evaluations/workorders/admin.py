"""Admin of work orders: the time-limit table is reference data (audited edits); work orders,
their history, front-desk records, imports and the reply outbox are written by services only."""

from django.contrib import admin

from evaluations.workorders.models import (
    FrontDeskRecord,
    HotlineImport,
    HotlineReply,
    TimeLimit,
    WorkOrder,
    WorkOrderEvent,
)
from hall.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(TimeLimit)
class TimeLimitAdmin(AuditedAdmin):
    list_display = ["kind", "urgency", "amount", "unit"]
    list_editable = ["amount", "unit"]
    list_filter = ["urgency"]


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "actor_repr", "department", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "source", "kind", "status", "department", "received_at", "deadline_at", "warning_level"]
    list_filter = ["status", "source", "kind", "warning_level"]
    search_fields = ["number", "hotline_number"]
    exclude = ["requester_phone"]
    inlines = [EventInline]


@admin.register(FrontDeskRecord)
class FrontDeskRecordAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "kind", "topic", "outcome", "site", "window", "recorded_by"]
    list_filter = ["kind"]


@admin.register(HotlineImport)
class HotlineImportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "original_name", "state", "total_rows", "created_count", "skipped_count"]


@admin.register(HotlineReply)
class HotlineReplyAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "hotline_number", "state", "sent_at", "backend"]

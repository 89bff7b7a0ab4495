"""Admin of applications: read-only (every change goes through the services), plus the small
table of department heads (部门负责人) that administrators maintain."""

from django.contrib import admin

from approvals.models import (
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    ClockExtension,
    ClockPause,
    DepartmentHead,
    SmsMessage,
)
from hall.admin import AuditedAdmin, ReadOnlyAdmin
from hall.privacy import mask_name, mask_phone


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MaterialInline(ReadOnlyInline):
    model = ApplicationMaterial
    fields = ["name", "is_required", "state", "promise_due_on", "reminded_at"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = ApplicationEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor_repr", "note"]
    readonly_fields = fields


class PauseInline(ReadOnlyInline):
    model = ClockPause
    fields = ["kind", "reason", "scheduled_on", "mode", "inspector", "started_on", "ended_on", "working_days", "result"]
    readonly_fields = fields


class ExtensionInline(ReadOnlyInline):
    model = ClockExtension
    fields = [
        "working_days",
        "reason",
        "status",
        "requested_by",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "matter_version",
        "masked_applicant",
        "status",
        "channel",
        "department",
        "promised_deadline",
        "warning_level",
    ]
    list_filter = ["status", "channel", "warning_level", "clock_state", "department"]
    search_fields = ["number"]
    list_select_related = ["matter_version", "department"]
    date_hierarchy = "received_at"
    inlines = [MaterialInline, PauseInline, ExtensionInline, EventInline]
    show_full_result_count = False

    @admin.display(description="申请人")
    def masked_applicant(self, obj):
        return mask_name(obj.applicant_name) if obj.applicant_type == "natural" else obj.applicant_name


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "application", "action", "from_status", "to_status", "actor_repr"]
    list_filter = ["action"]
    search_fields = ["application__number"]
    list_select_related = ["application"]
    show_full_result_count = False


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "masked_phone", "state", "application", "short_body"]
    list_filter = ["state"]
    list_select_related = ["application"]
    exclude = ["phone"]
    readonly_fields = ["masked_phone", "body", "application", "state", "backend", "error", "created_at", "sent_at"]

    @admin.display(description="手机号码")
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description="内容")
    def short_body(self, obj):
        return obj.body[:40]


@admin.register(DepartmentHead)
class DepartmentHeadAdmin(AuditedAdmin):
    list_display = ["department", "user"]
    list_select_related = ["department", "user"]
    autocomplete_fields = ["user"]

"""Admin for the matter catalog: drafts are editable, published and retired versions are read-only."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from hall.admin import AuditedAdmin
from hall.catalog.delegations import matter_delegate, matter_delegation_revoke
from hall.catalog.models import (
    CatalogEdition,
    Material,
    Matter,
    MatterDelegation,
    MatterVersion,
    ProcessStep,
    SubItem,
    ThemeService,
)
from hall.catalog.roles import can_edit_catalog
from hall.catalog.services import (
    CONTENT_FIELDS,
    matter_version_new_draft,
    matter_version_publish,
    matter_version_retire,
    matter_version_update_draft,
)
from hall.services.audit import audit_record, client_ip


class DraftOnlyInline(admin.TabularInline):
    """Children of a version can change only while it is a draft (已发布版本不可修改)."""

    extra = 0

    def _editable(self, request, obj) -> bool:
        return obj is None or obj.status == MatterVersion.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


class SubItemInline(DraftOnlyInline):
    model = SubItem


class MaterialInline(DraftOnlyInline):
    model = Material
    fields = [
        "sort_order",
        "name",
        "sub_item",
        "issuing_body",
        "originals",
        "copies",
        "is_required",
        "may_be_missing",
        "material_form",
        "source_channel",
    ]


class ProcessStepInline(DraftOnlyInline):
    model = ProcessStep


@admin.register(MatterVersion)
class MatterVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "matter", "version", "status", "department", "edition", "online_depth", "published_at"]
    list_filter = ["status", "edition", "matter_type", "online_depth", "department"]
    search_fields = ["name", "matter__code", "keywords"]
    list_select_related = ["matter", "department", "edition"]
    autocomplete_fields = ["department", "co_departments"]
    inlines = [SubItemInline, MaterialInline, ProcessStepInline]
    readonly_fields = ["matter", "version", "status", "published_at", "published_by", "retired_at"]
    actions = ["publish_selected", "new_version_selected", "retire_selected"]
    fieldsets = [
        ("版本", {"fields": ["matter", "version", "status", "edition", "valid_from", "valid_to"]}),
        ("基本信息", {"fields": ["name", "basic_code", "matter_type", "legal_basis", "exercise_level", "keywords"]}),
        ("实施主体", {"fields": ["department", "body_nature", "co_departments"]}),
        (
            "办理时限",
            {"fields": ["legal_limit_days", "legal_limit_note", "promised_limit_days", "promised_limit_note"]},
        ),
        (
            "办理流程与结果",
            {
                "fields": [
                    "handling_type",
                    "acceptance_conditions",
                    "special_procedures",
                    "intermediary_services",
                    "quantity_limit",
                    "result_name",
                    "result_is_licence",
                    "result_sample",
                ]
            },
        ),
        ("收费", {"fields": ["is_charged", "fee_basis", "fee_standard"]}),
        ("服务", {"fields": ["service_objects", "service_theme", "handling_forms", "cross_area_scope"]}),
        (
            "便民措施与网办",
            {
                "fields": [
                    "supports_appointment",
                    "supports_online_payment",
                    "supports_postal_delivery",
                    "supports_online_handling",
                    "online_handling_url",
                    "in_hall",
                    "online_depth",
                    "site_visits",
                    "site_visit_reason",
                ]
            },
        ),
        ("地点与联系", {"fields": ["place", "hours", "consultation_phone", "supervision_phone"]}),
        ("改革", {"fields": ["licence_reform_measure", "commitment_allowed"]}),
        ("发布", {"fields": ["published_at", "published_by", "retired_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != MatterVersion.Status.DRAFT:
            return [f for _, options in self.fieldsets for f in options["fields"]]
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # Published and retired versions open as a read-only view.
        if obj is not None and obj.status != MatterVersion.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False  # a matter is drafted through the catalog page, the API or the spreadsheet

    def has_delete_permission(self, request, obj=None):
        return False  # versions are history: retire, never delete

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in CONTENT_FIELDS if name in form.cleaned_data}
        co_departments = form.cleaned_data.get("co_departments")
        saved = matter_version_update_draft(
            version=obj, by=request.user, ip=client_ip(request), co_departments=co_departments, **fields
        )
        obj.refresh_from_db()
        return saved

    def save_related(self, request, form, formsets, change):
        # co_departments were set by the service; only the inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.new_objects or formset.changed_objects or formset.deleted_objects:
            audit_record(
                actor=request.user,
                action=f"matterversion.update_{formset.model._meta.model_name}",
                obj=form.instance,
                after={
                    "added": [str(o) for o in formset.new_objects],
                    "changed": [str(o) for o, _ in formset.changed_objects],
                    "deleted": [str(o) for o in formset.deleted_objects],
                },
                ip=client_ip(request),
            )

    def _run(self, request, queryset, label, call):
        if not can_edit_catalog(request.user):
            self.message_user(request, "只有大厅管理员或系统管理员可以维护事项清单。", messages.ERROR)
            return
        done = 0
        for version in queryset.select_related("matter"):
            try:
                call(version)
                done += 1
            except ValidationError as exc:
                for problem in exc.messages:
                    self.message_user(request, f"{version}：{problem}", messages.ERROR)
        if done:
            self.message_user(request, f"已{label} {done} 个版本。", messages.SUCCESS)

    @admin.action(description="发布所选草稿")
    def publish_selected(self, request, queryset):
        ip = client_ip(request)
        self._run(request, queryset, "发布", lambda v: matter_version_publish(version=v, by=request.user, ip=ip))

    @admin.action(description="为所选事项生成新版本草稿")
    def new_version_selected(self, request, queryset):
        ip = client_ip(request)
        self._run(
            request, queryset, "生成新版本", lambda v: matter_version_new_draft(matter=v.matter, by=request.user, ip=ip)
        )

    @admin.action(description="废止所选已发布版本")
    def retire_selected(self, request, queryset):
        ip = client_ip(request)
        self._run(request, queryset, "废止", lambda v: matter_version_retire(version=v, by=request.user, ip=ip))


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    list_display = ["code", "created_at"]
    search_fields = ["code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CatalogEdition)
class CatalogEditionAdmin(AuditedAdmin):
    list_display = ["name", "effective_date"]


@admin.register(ThemeService)
class ThemeServiceAdmin(AuditedAdmin):
    list_display = ["code", "name", "promised_limit_days", "is_active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["matters"]


@admin.register(MatterDelegation)
class MatterDelegationAdmin(admin.ModelAdmin):
    """Delegations (事项下放/委托/代收代办) are recorded and revoked through the services, audited."""

    list_display = ["matter", "site", "kind", "decides", "document", "effective_date", "revoked_date"]
    list_filter = ["site", "kind", "decides"]
    search_fields = ["matter__code", "document", "site__name"]
    autocomplete_fields = ["matter"]
    fields = ["matter", "site", "kind", "decides", "document", "effective_date", "revoked_date", "note"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke (收回) with a date instead: the history of where a matter was done stays

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change and data.get("revoked_date") and "revoked_date" in form.changed_data:
            current = MatterDelegation.objects.get(pk=obj.pk)
            matter_delegation_revoke(
                delegation=current, revoked_date=data["revoked_date"], by=request.user, ip=client_ip(request)
            )
        else:
            saved = matter_delegate(
                matter=data["matter"],
                site=data["site"],
                kind=data["kind"],
                decides=data["decides"],
                document=data["document"],
                effective_date=data["effective_date"],
                note=data.get("note", ""),
                by=request.user,
                ip=client_ip(request),
            )
            obj.pk = saved.pk

"""Django admin for the hall's reference data, in Chinese, with every change audited."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from hall.models import (
    AuditLog,
    CalendarDay,
    CalendarYear,
    Department,
    Division,
    Notification,
    OpeningPeriod,
    Site,
    User,
    Window,
    Zone,
)
from hall.privacy import mask_id_number, mask_phone
from hall.services.accounts import user_unlock
from hall.services.audit import audit_record, changed_fields, client_ip, model_snapshot
from hall.services.calendar import calendar_day_update, calendar_import_file
from hall.workdays import current_calendar, unconfigured_warning


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit record (before/after, IP) in the same transaction as each admin change."""

    def save_model(self, request, obj, form, change):
        before = model_snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        super().save_model(request, obj, form, change)
        before, after = changed_fields(before, model_snapshot(obj))
        action = f"{obj._meta.model_name}.{'update' if change else 'create'}"
        audit_record(
            actor=request.user, action=action, obj=obj, before=before or None, after=after, ip=client_ip(request)
        )

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.delete",
            obj=obj,
            before=model_snapshot(obj),
            ip=client_ip(request),
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(
                actor=request.user,
                action=f"{obj._meta.model_name}.delete",
                obj=obj,
                before=model_snapshot(obj),
                ip=client_ip(request),
            )
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (history, logs, outboxes): viewable, never added, changed or
    deleted in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Division)
class DivisionAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


class SectionInline(admin.TabularInline):
    model = Department
    fk_name = "parent"
    fields = ["name", "short_name", "phone", "sort_order", "is_active"]
    extra = 0
    verbose_name = "股室"
    verbose_name_plural = "股室"


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["name", "short_name", "credit_code", "phone", "sort_order", "is_active"]
    list_filter = ["is_active", "kind"]
    search_fields = ["name", "short_name", "credit_code"]
    inlines = [SectionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj.kind = Department.Kind.SECTION
            obj.save()
            audit_record(
                actor=request.user,
                action="department.section_save",
                obj=obj,
                after=model_snapshot(obj),
                ip=client_ip(request),
            )
        for obj in formset.deleted_objects:
            audit_record(
                actor=request.user,
                action="department.delete",
                obj=obj,
                before=model_snapshot(obj),
                ip=client_ip(request),
            )
            obj.delete()


class ZoneInline(admin.TabularInline):
    model = Zone
    fields = ["name", "description", "floor", "sort_order"]
    extra = 0


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = ["name", "level", "division", "phone", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "short_name", "address"]
    inlines = [ZoneInline]


@admin.register(Zone)
class ZoneAdmin(AuditedAdmin):
    list_display = ["name", "site", "floor", "sort_order"]
    list_filter = ["site"]
    search_fields = ["name"]
    list_select_related = ["site"]


@admin.register(Window)
class WindowAdmin(AuditedAdmin):
    list_display = ["number", "name", "site", "zone", "department", "status"]
    list_filter = ["site", "status", "zone"]
    list_editable = ["status"]
    search_fields = ["name", "number"]
    list_select_related = ["site", "zone", "zone__site", "department"]


class HallUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "role", "department", "site", "window")


class HallUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    add_form = HallUserCreationForm
    form = HallUserChangeForm
    list_display = ["username", "full_name", "role", "department", "window", "masked_phone", "is_active", "locked"]
    list_filter = ["role", "is_active", "department"]
    search_fields = ["username", "full_name"]
    list_select_related = ["department", "window"]
    ordering = ["username"]
    actions = ["unlock_accounts"]
    readonly_fields = ["last_login", "date_joined", "failed_login_count", "password_changed_at"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "phone", "id_number")}),
        ("岗位", {"fields": ("role", "department", "site", "window")}),
        (
            "状态",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "locked_until",
                    "failed_login_count",
                    "password_changed_at",
                    "last_login",
                    "date_joined",
                )
            },
        ),
        ("权限", {"classes": ("collapse",), "fields": ("groups", "user_permissions")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "role",
                    "department",
                    "site",
                    "window",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @admin.display(description="手机号码")
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description="锁定", boolean=True)
    def locked(self, obj):
        return obj.is_locked()

    @admin.action(description="解除所选账户的登录锁定")
    def unlock_accounts(self, request, queryset):
        for user in queryset:
            user_unlock(user=user, by=request.user, ip=client_ip(request))
        self.message_user(request, f"已解锁 {queryset.count()} 个账户。", messages.SUCCESS)

    def get_changeform_initial_data(self, request):
        return {"role": User.Role.CLERK}

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        # Viewing a user's full ID number is a sensitive view: record it.
        if obj is not None and obj.id_number:
            audit_record(
                actor=request.user,
                action="user.view_personal_data",
                obj=obj,
                ip=client_ip(request),
                note=f"查看身份证号 {mask_id_number(obj.id_number)}",
            )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


class CalendarImportForm(forms.Form):
    file = forms.FileField(label="节假日安排文件", help_text="CSV 或 xlsx：日期（YYYY-MM-DD）、类型（休 / 班）、名称。")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "note", "loaded_at"]
    change_list_template = "admin/hall/calendaryear/change_list.html"

    def has_add_permission(self, request):
        return False  # years are loaded by import, never typed in

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="hall_calendaryear_import"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        today = timezone.localdate()
        missing = current_calendar().unconfigured_years([today, today.replace(year=today.year + 1)])
        if missing:
            self.message_user(request, unconfigured_warning(missing), messages.WARNING)
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = calendar_import_file(
                    content=upload.read(), filename=upload.name, by=request.user, ip=client_ip(request)
                )
            except forms.ValidationError as exc:
                errors = exc.messages
            else:
                if result.errors:
                    errors = result.errors
                else:
                    years = "、".join(str(y) for y in result.years)
                    self.message_user(
                        request, f"已导入 {years} 年日历，共 {result.days} 个节假日/调休日。", messages.SUCCESS
                    )
                    return redirect("admin:hall_calendaryear_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
            "title": "导入节假日安排",
        }
        return render(request, "admin/hall/calendaryear/import.html", context)


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["kind", "name"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind", ("date", admin.DateFieldListFilter)]
    date_hierarchy = "date"
    search_fields = ["name"]
    form = CalendarDayForm

    def has_add_permission(self, request):
        return False

    @admin.display(description="星期")
    def weekday(self, obj):
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        # The admin edits through the service: validation, year bookkeeping, audit, cache.
        original = CalendarDay.objects.get(pk=obj.pk)
        calendar_day_update(day=original, kind=obj.kind, name=obj.name, by=request.user, ip=client_ip(request))


@admin.register(OpeningPeriod)
class OpeningPeriodAdmin(AuditedAdmin):
    """大厅工作时间: the periods in which working-hour limits (企业开办, 紧急工单) run."""

    list_display = ("starts_at", "ends_at")


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):  # append-only
    list_display = ["created_at", "actor_repr", "action", "object_type", "object_repr", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_repr", "object_repr", "object_id", "action"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "level", "title", "read_at"]
    list_filter = ["level"]
    list_select_related = ["recipient"]

    def has_add_permission(self, request):
        return False

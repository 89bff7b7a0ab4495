"""Admin of evaluations: reason tags (editable), evaluator devices (register, revoke), read-only records."""

from django import forms
from django.contrib import admin, messages

from evaluations.models import BadReviewCase, Evaluation, EvaluatorDevice, ReasonTag
from evaluations.services import device_register, device_revoke
from hall.admin import AuditedAdmin, ReadOnlyAdmin
from hall.privacy import mask_phone
from hall.services.audit import client_ip


@admin.register(ReasonTag)
class ReasonTagAdmin(AuditedAdmin):
    list_display = ("text", "level", "is_active", "sort_order")
    list_filter = ("level", "is_active")
    list_editable = ("is_active", "sort_order")

    def has_delete_permission(self, request, obj=None):
        return False  # tags are referenced by evaluations: deactivate instead


class DeviceForm(forms.ModelForm):
    class Meta:
        model = EvaluatorDevice
        fields = ["name", "window"]


@admin.register(EvaluatorDevice)
class EvaluatorDeviceAdmin(admin.ModelAdmin):
    """评价器: registered through the service (the token is shown once), revoked by an action."""

    form = DeviceForm
    list_display = ("name", "window", "registered_at", "revoked_at")
    list_filter = ("window__site",)
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ("name", "window") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            return
        device, token = device_register(
            window=form.cleaned_data["window"], name=form.cleaned_data["name"], by=request.user, ip=client_ip(request)
        )
        obj.pk = device.pk
        link = request.build_absolute_uri(f"/evaluator/activate/{token}/")
        messages.warning(request, f"请在评价器平板上打开此激活链接（仅显示一次）：{link}")

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="停用所选评价器")
    def revoke(self, request, queryset):
        for device in queryset:
            device_revoke(device=device, by=request.user, ip=client_ip(request))
        messages.success(request, f"已停用 {queryset.count()} 台评价器。")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):  # append-only
    list_display = ("id", "rated_at", "level", "channel", "subject", "department", "masked_phone", "is_follow_up")
    list_filter = ("level", "channel", "subject", "is_follow_up")
    date_hierarchy = "rated_on"
    exclude = ("evaluator_phone",)

    @admin.display(description="评价人手机")
    def masked_phone(self, obj):
        return mask_phone(obj.evaluator_phone)


@admin.register(BadReviewCase)
class BadReviewCaseAdmin(ReadOnlyAdmin):  # changed only through the 差评 pages' services
    list_display = ("id", "status", "department", "due_on", "warning_level", "created_at")
    list_filter = ("status", "warning_level")

"""Output serializers of the applications API (办件的列表、详情、材料、过程).

Personal data is masked unless the reader may see it (DOMAIN.md §8)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers, status
from rest_framework.response import Response

from approvals.models import (
    ApplicantType,
    Application,
)
from approvals.selectors import application_for
from approvals.transitions import ACTION_LABELS, actions_for
from hall.privacy import is_citizen_actor, mask_id_number, mask_name, mask_person, mask_phone

# --- Output ------------------------------------------------------------------------------------------


class ApplicationListOutput(serializers.ModelSerializer):
    # Plain strings (with *_display beside them): one enum per choice set stays in the input schemas.
    status = serializers.CharField()
    channel = serializers.CharField()
    applicant_type = serializers.CharField()
    clock_state = serializers.CharField()
    warning_level = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    channel_display = serializers.CharField(source="get_channel_display")
    warning_level_display = serializers.CharField(source="get_warning_level_display")
    matter_name = serializers.CharField(source="matter_version.name")
    matter_code = serializers.CharField(source="matter_version.matter.code")
    department_name = serializers.CharField(source="department.name")
    site_name = serializers.CharField(source="site.name")
    handler_name = serializers.CharField(source="handler.full_name", default="")
    applicant_name = serializers.SerializerMethodField()
    applicant_phone = serializers.SerializerMethodField()
    bundle_number = serializers.CharField(source="bundle.number", default="")
    sub_item_name = serializers.CharField(source="sub_item.name", default="", label="业务办理项")

    class Meta:
        model = Application
        fields = [
            "number",
            "sub_item_name",
            "status",
            "status_display",
            "channel",
            "channel_display",
            "matter_name",
            "matter_code",
            "department_name",
            "site_name",
            "handler_name",
            "applicant_type",
            "applicant_name",
            "applicant_phone",
            "is_assisted",
            "received_at",
            "accepted_on",
            "promised_deadline",
            "clock_state",
            "warning_level",
            "warning_level_display",
            "on_time",
            "answer_deadline",
            "deemed_accepted",
            "bundle_number",
        ]

    def get_applicant_name(self, obj) -> str:
        # Lists always mask personal names of natural persons (DOMAIN.md §8).
        return (
            mask_name(obj.applicant_name) if obj.applicant_type == ApplicantType.NATURAL_PERSON else obj.applicant_name
        )

    def get_applicant_phone(self, obj) -> str:
        return mask_phone(obj.applicant_phone)


class ApplicationFileOutput(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, obj) -> str:
        # The page URL (the only way to a stored file), named by the pages' urls.py.
        return reverse("application_file", args=[obj.material.application.number, obj.pk])


class ApplicationMaterialOutput(serializers.Serializer):
    id = serializers.IntegerField()
    material_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    is_required = serializers.BooleanField()
    state = serializers.CharField()
    state_display = serializers.CharField(source="get_state_display")
    promise_due_on = serializers.DateField(allow_null=True)
    promise_note = serializers.CharField()
    files = ApplicationFileOutput(many=True)


class ApplicationEventOutput(serializers.Serializer):
    action = serializers.CharField()
    action_display = serializers.SerializerMethodField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    to_status_display = serializers.CharField(source="get_to_status_display")
    actor_name = serializers.SerializerMethodField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_actor_name(self, obj) -> str:
        # A citizen acting on their own application is personal data like the applicant fields.
        if is_citizen_actor(obj, obj.application) and not self.context.get("reveal"):
            return mask_person(obj.actor_repr)
        return obj.actor_repr

    def get_action_display(self, obj) -> str:
        return ACTION_LABELS.get(obj.action, "上传材料" if obj.action == "material_upload" else obj.action)


class ApplicationPauseOutput(serializers.Serializer):
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    reason = serializers.CharField()
    scheduled_on = serializers.DateField(allow_null=True)
    mode = serializers.CharField()
    mode_display = serializers.CharField(source="get_mode_display")
    location = serializers.CharField()
    inspector_name = serializers.CharField(source="inspector.full_name", default="")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    working_days = serializers.IntegerField(allow_null=True)
    result = serializers.CharField()
    result_recorded_at = serializers.DateTimeField(allow_null=True)


class ApplicationExtensionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    working_days = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    requested_by_name = serializers.CharField(source="requested_by.full_name")
    created_at = serializers.DateTimeField()
    decided_by_name = serializers.CharField(source="decided_by.full_name", default="")
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class ApplicationDetailOutput(ApplicationListOutput):
    applicant_id_type = serializers.CharField()
    decision = serializers.CharField()
    delivery_method = serializers.CharField()
    applicant_id_number = serializers.SerializerMethodField()
    applicant_credit_code = serializers.CharField()
    agent_id_number = serializers.SerializerMethodField()
    agent_phone = serializers.SerializerMethodField()
    decision_display = serializers.CharField(source="get_decision_display")
    materials = ApplicationMaterialOutput(many=True)
    events = ApplicationEventOutput(many=True)
    pauses = ApplicationPauseOutput(many=True)
    extensions = ApplicationExtensionOutput(many=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(ApplicationListOutput.Meta):
        fields = [
            *ApplicationListOutput.Meta.fields,
            "matter_version",
            "applicant_id_type",
            "applicant_id_number",
            "applicant_credit_code",
            "legal_representative",
            "agent_name",
            "agent_id_number",
            "agent_phone",
            "received_on",
            "supplement_items",
            "supplement_note",
            "supplement_requested_at",
            "supplemented_at",
            "refusal_reason",
            "promised_limit_days",
            "legal_limit_days",
            "legal_deadline",
            "paused_since",
            "paused_working_days",
            "extended_working_days",
            "completed_on",
            "elapsed_working_days",
            "decision",
            "decision_display",
            "decision_document_number",
            "decision_reasons",
            "e_certificate_number",
            "delivery_method",
            "tracking_number",
            "delivered_at",
            "closing_reason",
            "materials",
            "events",
            "pauses",
            "extensions",
            "allowed_actions",
        ]

    legal_representative = serializers.SerializerMethodField()
    agent_name = serializers.SerializerMethodField()

    def _full(self, obj) -> bool:
        # Masked by default for every role; full values only on an audited reveal (?reveal=1),
        # decided and recorded by the view (ApplicationDetailApi).
        return bool(self.context.get("reveal"))

    def get_applicant_name(self, obj) -> str:
        return obj.applicant_name if self._full(obj) else super().get_applicant_name(obj)

    def get_legal_representative(self, obj) -> str:
        return obj.legal_representative if self._full(obj) else mask_name(obj.legal_representative)

    def get_agent_name(self, obj) -> str:
        return obj.agent_name if self._full(obj) else mask_name(obj.agent_name)

    def get_applicant_phone(self, obj) -> str:
        return obj.applicant_phone if self._full(obj) else mask_phone(obj.applicant_phone)

    def get_applicant_id_number(self, obj) -> str:
        return obj.applicant_id_number if self._full(obj) else mask_id_number(obj.applicant_id_number)

    def get_agent_id_number(self, obj) -> str:
        return obj.agent_id_number if self._full(obj) else mask_id_number(obj.agent_id_number)

    def get_agent_phone(self, obj) -> str:
        return obj.agent_phone if self._full(obj) else mask_phone(obj.agent_phone)

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return actions_for(obj, request.user) if request is not None else []


def _detail(request, app: Application, code: int = status.HTTP_200_OK) -> Response:
    fresh = application_for(request.user, app.number)
    return Response(ApplicationDetailOutput(fresh, context={"request": request}).data, status=code)

"""Shared pieces of the applications API: the base view (409 on a refused transition) and inputs."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.views import APIView

from approvals import services
from approvals.models import (
    ApplicantType,
    Application,
    ApplicationMaterial,
    IdType,
)
from approvals.selectors import application_for
from approvals.transitions import TransitionNotAllowed
from hall.models import User


class TransitionConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "当前状态不允许该操作。"
    default_code = "transition_not_allowed"


class ApprovalsApiView(APIView):
    """Base view: a transition not allowed in the current status becomes a 409 that says why."""

    def handle_exception(self, exc):
        if isinstance(exc, TransitionNotAllowed):
            exc = TransitionConflict(detail=exc.message)
        return super().handle_exception(exc)

    def get_application(self, number: str) -> Application:
        """Within the user's scope only: another person's application is simply not found."""
        app = application_for(self.request.user, number)
        if app is None:
            raise NotFound("未找到该办件，或您无权查看。")
        return app


# --- Input pieces ----------------------------------------------------------------------------------


class ApplicantInput(serializers.Serializer):
    applicant_type = serializers.ChoiceField(choices=ApplicantType.choices, label="申请人类型")
    applicant_name = serializers.CharField(max_length=200, label="申请人名称")
    applicant_phone = serializers.CharField(max_length=11, label="联系电话")
    applicant_id_type = serializers.ChoiceField(choices=IdType.choices, required=False, default=IdType.RESIDENT_ID)
    applicant_id_number = serializers.CharField(max_length=30, required=False, default="", allow_blank=True)
    applicant_credit_code = serializers.CharField(max_length=18, required=False, default="", allow_blank=True)
    legal_representative = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    agent_name = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    # Same choices as applicant_id_type; a plain string keeps one enum in the schema (checked by the service).
    agent_id_type = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    agent_id_number = serializers.CharField(max_length=30, required=False, default="", allow_blank=True)
    agent_phone = serializers.CharField(max_length=11, required=False, default="", allow_blank=True)


def _applicant(data: dict) -> services.ApplicantData:
    return services.ApplicantData(
        applicant_type=data["applicant_type"],
        name=data["applicant_name"],
        phone=data["applicant_phone"],
        id_type=data.get("applicant_id_type") or IdType.RESIDENT_ID,
        id_number=data.get("applicant_id_number", ""),
        credit_code=data.get("applicant_credit_code", ""),
        legal_representative=data.get("legal_representative", ""),
        agent_name=data.get("agent_name", ""),
        agent_id_type=data.get("agent_id_type", ""),
        agent_id_number=data.get("agent_id_number", ""),
        agent_phone=data.get("agent_phone", ""),
    )


class MaterialStateInput(serializers.Serializer):
    material_id = serializers.IntegerField(label="清单材料编号")
    state = serializers.ChoiceField(choices=ApplicationMaterial.State.choices, label="状态")
    promise_due_on = serializers.DateField(required=False, allow_null=True, default=None, label="承诺补交日期")
    promise_note = serializers.CharField(required=False, default="", allow_blank=True, max_length=300)


def _material_states(rows) -> list[services.MaterialState]:
    return [services.MaterialState(**row) for row in rows or []]


def _staff(queryset_filter: dict):
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(**queryset_filter), required=False, allow_null=True, default=None
    )

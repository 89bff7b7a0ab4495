"""Lists, intake (窗口接件, 网上申请, 一件事) and the detail of applications."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from approvals import services
from approvals.api.common import (
    ApplicantInput,
    ApprovalsApiView,
    MaterialStateInput,
    _applicant,
    _material_states,
    _staff,
)
from approvals.api.outputs import (
    ApplicationDetailOutput,
    ApplicationListOutput,
    _detail,
)
from approvals.models import (
    Application,
    Channel,
    WarningLevel,
)
from approvals.permissions import can_view_personal_data
from approvals.selectors import applications_for
from hall.catalog.models import MatterVersion, SubItem, ThemeService
from hall.models import User
from hall.services.audit import audit_record, client_ip

# --- Lists and intake -------------------------------------------------------------------------------


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """Comma-separated values: ``?status=accepted,under_review``."""


class ApplicationFilter(django_filters.FilterSet):
    status = CharInFilter(field_name="status", help_text="办理状态，可用逗号分隔多个")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    warning_level = django_filters.ChoiceFilter(choices=WarningLevel.choices)
    matter_code = django_filters.CharFilter(field_name="matter_version__matter__code")
    received_from = django_filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_to = django_filters.DateFilter(field_name="received_on", lookup_expr="lte")
    deadline_to = django_filters.DateFilter(field_name="promised_deadline", lookup_expr="lte")
    number = django_filters.CharFilter(field_name="number", lookup_expr="startswith")
    bundle = django_filters.CharFilter(field_name="bundle__number")

    class Meta:
        model = Application
        fields = ["status", "channel", "department", "site", "handler", "warning_level", "clock_state", "is_assisted"]


class ApplicationReceiveInput(ApplicantInput):
    matter_version = serializers.PrimaryKeyRelatedField(queryset=MatterVersion.objects.all(), label="事项版本")
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.WINDOW)
    is_assisted = serializers.BooleanField(default=False)
    assisted_by = _staff({"role__in": User.STAFF_ROLES})
    materials = MaterialStateInput(many=True, required=False, default=list)


class ApplicationListCreateApi(ApprovalsApiView, generics.ListAPIView):
    """GET: applications in your scope, with filters. POST: window intake (窗口接件)."""

    serializer_class = ApplicationListOutput
    filterset_class = ApplicationFilter

    def get_queryset(self):
        return applications_for(self.request.user)

    @extend_schema(summary="办件列表", responses=ApplicationListOutput(many=True))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="窗口接件", request=ApplicationReceiveInput, responses={201: ApplicationDetailOutput})
    def post(self, request):
        data = ApplicationReceiveInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        app = services.application_receive(
            version=v["matter_version"],
            applicant=_applicant(v),
            by=request.user,
            channel=v["channel"],
            materials=_material_states(v["materials"]),
            is_assisted=v["is_assisted"],
            assisted_by=v["assisted_by"],
            ip=client_ip(request),
        )
        return _detail(request, app, status.HTTP_201_CREATED)


class ApplicationOnlineInput(serializers.Serializer):
    matter_version = serializers.PrimaryKeyRelatedField(queryset=MatterVersion.objects.all(), label="事项版本")
    channel = serializers.CharField(max_length=16, default=Channel.ONLINE_PC, help_text="online_pc 或 mobile")
    applicant = ApplicantInput(required=False, allow_null=True, default=None)
    sub_item = serializers.PrimaryKeyRelatedField(
        queryset=SubItem.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        label="业务办理项",
        help_text="事项有业务办理项（新办/变更/延续/注销）时必填",
    )


class ApplicationSubmitOnlineApi(ApprovalsApiView):
    """A citizen applies online (网上申请); without ``applicant`` as the natural person of the account."""

    @extend_schema(summary="网上申请", request=ApplicationOnlineInput, responses={201: ApplicationDetailOutput})
    def post(self, request):
        data = ApplicationOnlineInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        app = services.application_submit_online(
            version=v["matter_version"],
            by=request.user,
            applicant=_applicant(v["applicant"]) if v.get("applicant") else None,
            channel=v["channel"],
            sub_item=v["sub_item"],
            ip=client_ip(request),
        )
        return _detail(request, app, status.HTTP_201_CREATED)


class ThemeReceiveInput(ApplicantInput):
    theme_service = serializers.PrimaryKeyRelatedField(queryset=ThemeService.objects.all(), label="主题服务")
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.WINDOW)
    is_assisted = serializers.BooleanField(default=False)
    assisted_by = _staff({"role__in": User.STAFF_ROLES})
    materials = MaterialStateInput(many=True, required=False, default=list)


class ThemeReceiveOutput(serializers.Serializer):
    bundle_number = serializers.CharField()
    applications = ApplicationListOutput(many=True)


class ThemeApplicationReceiveApi(ApprovalsApiView):
    """One intake of a theme service (一件事一次办): one linked application per matter."""

    @extend_schema(summary="一件事接件", request=ThemeReceiveInput, responses={201: ThemeReceiveOutput})
    def post(self, request):
        data = ThemeReceiveInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        bundle = services.theme_application_receive(
            theme_service=v["theme_service"],
            applicant=_applicant(v),
            by=request.user,
            channel=v["channel"],
            materials=_material_states(v["materials"]),
            is_assisted=v["is_assisted"],
            assisted_by=v["assisted_by"],
            ip=client_ip(request),
        )
        apps = applications_for(request.user).filter(bundle=bundle).order_by("number")
        payload = {"bundle_number": bundle.number, "applications": ApplicationListOutput(apps, many=True).data}
        return Response(payload, status=status.HTTP_201_CREATED)


class ApplicationDetailApi(ApprovalsApiView):
    """One application with its materials, history, pauses, extensions and your allowed actions.

    Personal data (ID numbers, phones, natural persons' names, a citizen actor in the history) is
    masked for every role. ``?reveal=1`` returns the full values to a role that handles the
    application (the same rule as the page) and records who looked in the audit log.
    """

    @extend_schema(
        summary="办件详情",
        parameters=[
            OpenApiParameter(
                "reveal",
                bool,
                description="显示完整个人信息（身份证号码、电话、姓名）；仅限经办角色，每次查看记入审计日志",
            )
        ],
        responses=ApplicationDetailOutput,
    )
    def get(self, request, number: str):
        app = self.get_application(number)
        reveal = request.query_params.get("reveal", "").lower() in {"1", "true", "yes"}
        if reveal:
            if not can_view_personal_data(request.user, app):
                raise PermissionDenied("您的角色无权查看完整个人信息。")
            audit_record(
                actor=request.user,
                action="application.personal_data_view",
                obj=app,
                note="API 查看完整个人信息",
                ip=client_ip(request),
            )
        return Response(ApplicationDetailOutput(app, context={"request": request, "reveal": reveal}).data)

"""REST API of applications (办件): intake, lists, details, one endpoint per transition, uploads,
public tracking and citizen sign-up. Thin: parse, look up within the user's scope, call a service."""

from __future__ import annotations

import django_filters
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import services
from approvals.models import (
    ApplicantType,
    Application,
    ApplicationMaterial,
    Channel,
    ClockPause,
    DeliveryMethod,
    IdType,
    WarningLevel,
)
from approvals.permissions import can_view_personal_data
from approvals.selectors import application_for, application_track, applications_for
from approvals.transitions import ACTION_LABELS, TransitionNotAllowed, actions_for
from hall.catalog.models import MatterVersion, SubItem, ThemeService
from hall.models import User
from hall.privacy import is_citizen_actor, mask_id_number, mask_name, mask_person, mask_phone
from hall.ratelimit import ClientRateThrottle
from hall.services.audit import audit_record, client_ip


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


# --- One endpoint per transition ---------------------------------------------------------------------


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000)


class AcceptInput(serializers.Serializer):
    materials = MaterialStateInput(many=True, required=False, default=list)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000, label="理由")


class OptionalReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class SupplementItemInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=500)
    material_id = serializers.IntegerField(required=False, allow_null=True, default=None, label="办件材料编号")


class SupplementRequestInput(serializers.Serializer):
    items = SupplementItemInput(many=True, allow_empty=True)
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000)


class AssignInput(serializers.Serializer):
    handler = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(role=User.Role.APPROVER), label="承办人")


class PauseInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ClockPause.Kind.choices, label="特别程序类型")
    reason = serializers.CharField(allow_blank=True, max_length=2000, label="原因")
    scheduled_on = serializers.DateField(required=False, allow_null=True, default=None, label="计划日期")
    # 现场勘验 only (checked by the service): mode, place and the inspector of the department.
    mode = serializers.CharField(required=False, default="", allow_blank=True, max_length=16, label="勘验方式")
    location = serializers.CharField(required=False, default="", allow_blank=True, max_length=200, label="勘验地点")
    inspector = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=User.Role.INSPECTOR), required=False, allow_null=True, default=None
    )


class ResumeInput(serializers.Serializer):
    result = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000, label="结果")


class ExtensionRequestInput(serializers.Serializer):
    days = serializers.IntegerField(label="延长工作日数")
    reason = serializers.CharField(allow_blank=True, max_length=2000, label="延期理由")


class ExtensionApproveInput(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000, label="审批意见")


class DecideInput(serializers.Serializer):
    approved = serializers.BooleanField(label="准予许可")
    document_number = serializers.CharField(allow_blank=True, max_length=60, label="决定书文号")
    reasons = serializers.CharField(required=False, default="", allow_blank=True, max_length=4000)
    e_certificate_number = serializers.CharField(required=False, default="", allow_blank=True, max_length=60)


class DeliverInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=DeliveryMethod.choices, label="送达方式")
    tracking_number = serializers.CharField(required=False, default="", allow_blank=True, max_length=40)


class ImmediateInput(serializers.Serializer):
    document_number = serializers.CharField(required=False, default="", allow_blank=True, max_length=60)
    e_certificate_number = serializers.CharField(required=False, default="", allow_blank=True, max_length=60)


class _TransitionApi(ApprovalsApiView):
    input_serializer: type[serializers.Serializer] = NoteInput

    def perform(self, app: Application, data: dict, by: User, ip: str | None) -> Application:  # pragma: no cover
        raise NotImplementedError

    def post(self, request, number: str):
        app = self.get_application(number)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        app = self.perform(app, data.validated_data, request.user, client_ip(request))
        return _detail(request, app)


def _transition_api(name: str, summary: str, input_serializer, perform):
    """One APIView class per transition, each with its own name in the OpenAPI schema."""

    def post(self, request, number: str):
        return _TransitionApi.post(self, request, number)

    post = extend_schema(summary=summary, request=input_serializer, responses=ApplicationDetailOutput)(post)
    return type(
        name,
        (_TransitionApi,),
        {
            "input_serializer": input_serializer,
            "perform": lambda self, app, d, by, ip: perform(app, d, by, ip),
            "post": post,
            "__doc__": f"{summary}。状态不允许时返回 409。",
        },
    )


S = services
TRANSITION_APIS = {
    "start-prereview": _transition_api(
        "StartPrereviewApi",
        "网上预审",
        NoteInput,
        lambda a, d, by, ip: S.application_start_prereview(application=a, by=by, ip=ip),
    ),
    "accept": _transition_api(
        "AcceptApi",
        "受理",
        AcceptInput,
        lambda a, d, by, ip: S.application_accept(
            application=a, by=by, materials=_material_states(d["materials"]), ip=ip
        ),
    ),
    "refuse": _transition_api(
        "RefuseApi",
        "不予受理",
        ReasonInput,
        lambda a, d, by, ip: S.application_refuse(application=a, by=by, reason=d["reason"], ip=ip),
    ),
    "request-supplement": _transition_api(
        "RequestSupplementApi",
        "一次性告知补正",
        SupplementRequestInput,
        lambda a, d, by, ip: S.application_request_supplement(
            application=a, by=by, items=[S.SupplementItem(**i) for i in d["items"]], note=d["note"], ip=ip
        ),
    ),
    "supplement": _transition_api(
        "SupplementApi",
        "提交补正",
        NoteInput,
        lambda a, d, by, ip: S.application_supplement(application=a, by=by, note=d["note"], ip=ip),
    ),
    "accept-immediately": _transition_api(
        "AcceptImmediatelyApi",
        "即办件当场办结",
        ImmediateInput,
        lambda a, d, by, ip: S.application_accept_immediately(application=a, by=by, **d, ip=ip),
    ),
    "assign": _transition_api(
        "AssignApi",
        "分派承办人",
        AssignInput,
        lambda a, d, by, ip: S.application_assign(application=a, handler=d["handler"], by=by, ip=ip),
    ),
    "start-review": _transition_api(
        "StartReviewApi",
        "开始审查",
        NoteInput,
        lambda a, d, by, ip: S.application_start_review(application=a, by=by, ip=ip),
    ),
    "pause": _transition_api(
        "PauseApi",
        "启动特别程序（暂停计时）",
        PauseInput,
        lambda a, d, by, ip: S.application_pause(application=a, by=by, **d, ip=ip),
    ),
    "resume": _transition_api(
        "ResumeApi",
        "结束特别程序（恢复计时，记录结果）",
        ResumeInput,
        lambda a, d, by, ip: S.application_resume(application=a, by=by, result=d["result"], ip=ip),
    ),
    "request-extension": _transition_api(
        "RequestExtensionApi",
        "申请延期（待负责人审批）",
        ExtensionRequestInput,
        lambda a, d, by, ip: S.application_request_extension(
            application=a, days=d["days"], reason=d["reason"], by=by, ip=ip
        ),
    ),
    "approve-extension": _transition_api(
        "ApproveExtensionApi",
        "批准延期",
        ExtensionApproveInput,
        lambda a, d, by, ip: S.application_approve_extension(application=a, by=by, note=d["note"], ip=ip),
    ),
    "reject-extension": _transition_api(
        "RejectExtensionApi",
        "驳回延期",
        ReasonInput,
        lambda a, d, by, ip: S.application_reject_extension(application=a, by=by, reason=d["reason"], ip=ip),
    ),
    "decide": _transition_api(
        "DecideApi",
        "作出决定",
        DecideInput,
        lambda a, d, by, ip: S.application_decide(application=a, by=by, **d, ip=ip),
    ),
    "complete": _transition_api(
        "CompleteApi",
        "办结",
        NoteInput,
        lambda a, d, by, ip: S.application_complete(application=a, by=by, ip=ip),
    ),
    "deliver": _transition_api(
        "DeliverApi",
        "送达",
        DeliverInput,
        lambda a, d, by, ip: S.application_deliver(
            application=a, method=d["method"], tracking_number=d["tracking_number"], by=by, ip=ip
        ),
    ),
    "withdraw": _transition_api(
        "WithdrawApi",
        "撤回",
        OptionalReasonInput,
        lambda a, d, by, ip: S.application_withdraw(application=a, by=by, reason=d["reason"], ip=ip),
    ),
    "revoke": _transition_api(
        "RevokeApi",
        "撤销",
        ReasonInput,
        lambda a, d, by, ip: S.application_revoke(application=a, by=by, reason=d["reason"], ip=ip),
    ),
}


# --- Uploads ---------------------------------------------------------------------------------------


class MaterialUploadInput(serializers.Serializer):
    file = serializers.FileField(label="文件", allow_empty_file=True)


class MaterialUploadApi(ApprovalsApiView):
    """Upload a file of one material (PDF/JPG/PNG ≤ 20 MB, type checked from the content)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="上传材料", request=MaterialUploadInput, responses={201: ApplicationFileOutput})
    def post(self, request, number: str, material_id: int):
        app = self.get_application(number)
        material = next((m for m in app.materials.all() if m.pk == material_id), None)
        if material is None:
            raise NotFound("该办件没有这项材料。")
        data = MaterialUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = services.material_upload(
            application_material=material, file=data.validated_data["file"], by=request.user, ip=client_ip(request)
        )
        return Response(ApplicationFileOutput(upload).data, status=status.HTTP_201_CREATED)


# --- Public -----------------------------------------------------------------------------------------


class TrackThrottle(ClientRateThrottle):
    """Per client address, against guessing numbers and phones (settings.APPROVALS_TRACK_RATE)."""

    scope = "approvals_track"
    rate_setting = "APPROVALS_TRACK_RATE"


class RegisterThrottle(ClientRateThrottle):
    """Creating accounts: one budget for this API and the sign-up page (settings.SENSITIVE_RATE)."""

    scope = "approvals_register"


class TrackInput(serializers.Serializer):
    number = serializers.CharField(max_length=24, label="办件编号")
    phone = serializers.CharField(max_length=11, label="申请人手机号码")


class TrackEventOutput(serializers.Serializer):
    action_display = serializers.SerializerMethodField()
    to_status_display = serializers.CharField(source="get_to_status_display")
    created_at = serializers.DateTimeField()

    def get_action_display(self, obj) -> str:
        return ACTION_LABELS.get(obj.action, "上传材料" if obj.action == "material_upload" else obj.action)


class TrackOutput(serializers.Serializer):
    number = serializers.CharField()
    matter_name = serializers.CharField(source="matter_version.name")
    department_name = serializers.CharField(source="department.name")
    applicant_name = serializers.SerializerMethodField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    received_on = serializers.DateField()
    promised_deadline = serializers.DateField(allow_null=True)
    events = TrackEventOutput(many=True)

    def get_applicant_name(self, obj) -> str:
        return mask_name(obj.applicant_name)


class TrackApi(APIView):
    """Anyone: an application's status and timeline by number + applicant phone (办件查询)."""

    permission_classes = [AllowAny]
    throttle_classes = [TrackThrottle]

    @extend_schema(summary="办件进度查询", request=TrackInput, responses=TrackOutput)
    def post(self, request):
        data = TrackInput(data=request.data)
        data.is_valid(raise_exception=True)
        app = application_track(number=data.validated_data["number"], phone=data.validated_data["phone"])
        if app is None:
            # The same answer for a wrong phone and a missing number: nothing to learn by guessing.
            raise NotFound("未找到匹配的办件，请核对办件编号和申请人手机号码。")
        return Response(TrackOutput(app).data)


class CitizenRegisterInput(serializers.Serializer):
    phone = serializers.CharField(max_length=11, label="手机号码")
    password = serializers.CharField(max_length=128, label="密码", style={"input_type": "password"})
    full_name = serializers.CharField(max_length=50, label="姓名")
    id_number = serializers.CharField(max_length=18, label="身份证号码")


class CitizenRegisterOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()


class CitizenRegisterApi(APIView):
    """Citizens sign up (群众注册) with phone and password; name and ID number checked."""

    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema(summary="群众注册", request=CitizenRegisterInput, responses={201: CitizenRegisterOutput})
    def post(self, request):
        data = CitizenRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.citizen_register(**data.validated_data, ip=client_ip(request))
        return Response(CitizenRegisterOutput(user).data, status=status.HTTP_201_CREATED)

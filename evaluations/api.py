"""REST API of evaluations (好差评): lists, figures, rating by link, 差评 case actions, phone
callbacks and the provincial platform's push. Thin: parse, scope, call a service. Same
permission model as applications; 400 with field messages, 409 for a step not allowed now."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals.models import Application
from approvals.selectors import application_for
from evaluations import services
from evaluations.links import read_link_token
from evaluations.models import Channel
from evaluations.selectors import case_for, cases_for, evaluations_for, figures, parse_period, scope_for
from evaluations.services import AlreadyEvaluated, ExternalEvaluation, Rating
from evaluations.transitions import CASE_ACTION_LABELS, CaseAction, CaseTransitionNotAllowed, case_actions_for
from hall.models import User
from hall.privacy import mask_name, mask_phone
from hall.queue.models import ServiceRecord
from hall.services.audit import client_ip

R = User.Role
STAFF = (R.CLERK, R.APPROVER, R.INSPECTOR, R.SUPERVISOR, R.LEADER, R.ADMIN)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "当前状态不允许该操作。"
    default_code = "conflict"


class EvaluationsApiView(APIView):
    """Base view: already-rated and not-allowed-now become a 409 that says why."""

    def handle_exception(self, exc):
        if isinstance(exc, (AlreadyEvaluated, CaseTransitionNotAllowed)):
            exc = Conflict(detail=exc.message)
        return super().handle_exception(exc)


class RatingInput(serializers.Serializer):
    # Plain strings: the service says which level or tag is wrong, in Chinese, per field.
    level = serializers.CharField(max_length=40, help_text="非常满意 very_satisfied … 非常不满意 very_dissatisfied")
    tags = serializers.ListField(child=serializers.IntegerField(), required=False, default=list, max_length=20)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    scores = serializers.DictField(child=serializers.IntegerField(), required=False, default=dict)
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    is_public = serializers.BooleanField(required=False, default=True)

    def rating(self) -> Rating:
        d = self.validated_data
        return Rating(
            level=d["level"],
            tag_ids=tuple(d["tags"]),
            text=d["text"],
            scores=d["scores"],
            phone=d["phone"].strip(),
            is_public=d["is_public"],
        )


class EvaluationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    channel = serializers.CharField()
    channel_display = serializers.CharField(source="get_channel_display")
    level = serializers.CharField()
    level_display = serializers.CharField(source="get_level_display")
    application_number = serializers.CharField(source="application.number", default="")
    department = serializers.CharField(source="department.name", default="")
    window = serializers.CharField(source="window.name", default="")
    matter_name = serializers.CharField()
    tags = serializers.SerializerMethodField()
    text = serializers.CharField()
    evaluator_type = serializers.CharField()
    evaluator_name = serializers.SerializerMethodField()
    evaluator_phone = serializers.SerializerMethodField()
    is_follow_up = serializers.BooleanField()
    case_status = serializers.CharField(source="case.status", default="")
    rated_at = serializers.DateTimeField()

    def get_tags(self, obj) -> list[str]:
        return [t.text for t in obj.tags.all()]

    def get_evaluator_name(self, obj) -> str:
        return mask_name(obj.evaluator_name)

    def get_evaluator_phone(self, obj) -> str:
        return mask_phone(obj.evaluator_phone)


class EvaluationListApi(EvaluationsApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=EvaluationOutput(many=True), summary="评价记录（按权限范围，个人信息脱敏）")
    def get(self, request):
        rows = evaluations_for(request.user)[:200]
        return Response(EvaluationOutput(rows, many=True).data)


class FigureOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    formula = serializers.CharField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)


class FiguresApi(EvaluationsApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=FigureOutput(many=True), summary="好差评指标（含计算公式）")
    def get(self, request):
        if request.user.role not in (R.APPROVER, R.SUPERVISOR, R.LEADER, R.ADMIN):
            raise PermissionDenied("您的角色无权查看好差评统计。")
        start, end = parse_period(request.query_params)
        return Response(FigureOutput(figures(scope_for(request.user, start, end)), many=True).data)


class LinkRateApi(EvaluationsApiView):
    """Rate through a signed link (QR code, SMS): an application, a window service or a 追评."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=RatingInput, responses={201: EvaluationOutput}, summary="扫码/短信链接评价")
    def post(self, request, token: str):
        target = read_link_token(token)
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        channel = Channel.SMS if request.query_params.get("via") == "sms" else Channel.QR
        ip = client_ip(request)
        if target.kind == "application":
            application = Application.objects.filter(pk=target.pk).first()
            if application is None:
                raise NotFound("评价对象不存在。")
            evaluation = services.evaluation_submit_for_application(
                application=application, rating=data.rating(), channel=channel, ip=ip
            )
        elif target.kind == "service":
            record = ServiceRecord.objects.filter(pk=target.pk).first()
            if record is None:
                raise NotFound("评价对象不存在。")
            evaluation = services.evaluation_submit_for_service(
                service_record=record, rating=data.rating(), channel=channel, ip=ip
            )
        else:
            from evaluations.models import Evaluation

            original = Evaluation.objects.filter(pk=target.pk).first()
            if original is None:
                raise NotFound("评价对象不存在。")
            evaluation = services.evaluation_follow_up(
                evaluation=original, rating=data.rating(), channel=channel, via_link=True, ip=ip
            )
        return Response(EvaluationOutput(evaluation).data, status=status.HTTP_201_CREATED)


class CallbackInput(RatingInput):
    application_number = serializers.CharField(max_length=24)


class PhoneCallbackApi(EvaluationsApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CallbackInput, responses={201: EvaluationOutput}, summary="电话回访评价")
    def post(self, request):
        if request.user.role not in (R.CLERK, R.APPROVER, R.SUPERVISOR):
            raise PermissionDenied("您的角色无权记录电话回访。")
        data = CallbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = application_for(request.user, data.validated_data["application_number"])
        if application is None:
            raise NotFound("未找到该办件，或您无权查看。")
        evaluation = services.evaluation_submit_for_application(
            application=application, rating=data.rating(), channel=Channel.PHONE, by=request.user, ip=client_ip(request)
        )
        return Response(EvaluationOutput(evaluation).data, status=status.HTTP_201_CREATED)


class ExternalInput(RatingInput):
    external_id = serializers.CharField(max_length=64)
    application_number = serializers.CharField(max_length=24)
    rated_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ExternalPushApi(EvaluationsApiView):
    """The provincial 好差评 platform pushes evaluations; idempotent by its ``external_id``."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=ExternalInput, responses={201: EvaluationOutput, 200: EvaluationOutput}, summary="省平台推送评价"
    )
    def post(self, request):
        key = settings.EVALUATIONS_PLATFORM_KEY
        given = request.headers.get("X-Platform-Key", "")
        if not key or not hmac.compare_digest(key.encode(), given.encode()):
            raise PermissionDenied("平台密钥不正确。")
        data = ExternalInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        evaluation, created = services.evaluation_import_external(
            data=ExternalEvaluation(
                external_id=d["external_id"],
                application_number=d["application_number"],
                rating=data.rating(),
                rated_at=d["rated_at"],
            ),
            ip=client_ip(request),
        )
        return Response(EvaluationOutput(evaluation).data, status=201 if created else 200)


class CaseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    due_on = serializers.DateField(allow_null=True)
    warning_level = serializers.CharField()
    department = serializers.CharField(source="department.name", default="")
    verification = serializers.CharField()
    called_back_at = serializers.DateTimeField(allow_null=True)
    rectified_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    evaluation = EvaluationOutput()
    actions = serializers.SerializerMethodField()

    def get_actions(self, obj) -> list[str]:
        return case_actions_for(obj, self.context["user"])


class CaseListApi(EvaluationsApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CaseOutput(many=True), summary="差评整改列表")
    def get(self, request):
        filters = {k: request.query_params.get(k, "") for k in ("status", "warning")}
        rows = cases_for(request.user, filters=filters)[:200]
        return Response(CaseOutput(rows, many=True, context={"user": request.user}).data)


class CaseDetailApi(EvaluationsApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CaseOutput, summary="差评整改详情")
    def get(self, request, pk: int):
        case = case_for(request.user, pk)
        if case is None:
            raise NotFound("未找到该差评，或不在您的处理范围内。")
        return Response(CaseOutput(case, context={"user": request.user}).data)


class CaseActionInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    verdict = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)


class CaseActionApi(EvaluationsApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CaseActionInput, responses=CaseOutput, summary="差评整改操作（409：当前状态不允许）")
    def post(self, request, pk: int, action: str):
        case = case_for(request.user, pk)
        if case is None:
            raise NotFound("未找到该差评，或不在您的处理范围内。")
        if action not in CASE_ACTION_LABELS or action == CaseAction.CREATE:
            raise NotFound("未知操作。")
        data = CaseActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        note, by, ip = data.validated_data["note"], request.user, client_ip(request)
        calls = {
            CaseAction.START_VERIFY: lambda: services.case_start_verify(case=case, by=by, ip=ip),
            CaseAction.CALLBACK: lambda: services.case_callback(case=case, note=note, by=by, ip=ip),
            CaseAction.CONFIRM: lambda: services.case_confirm(case=case, note=note, by=by, ip=ip),
            CaseAction.DISPUTE: lambda: services.case_dispute(
                case=case, verdict=data.validated_data["verdict"], note=note, by=by, ip=ip
            ),
            CaseAction.START_RECTIFY: lambda: services.case_start_rectify(case=case, by=by, ip=ip),
            CaseAction.RECTIFY: lambda: services.case_rectify(case=case, note=note, by=by, ip=ip),
            CaseAction.CLOSE: lambda: services.case_close(case=case, note=note, by=by, ip=ip),
            CaseAction.UPHOLD_APPEAL: lambda: services.case_uphold_appeal(case=case, note=note, by=by, ip=ip),
            CaseAction.REJECT_APPEAL: lambda: services.case_reject_appeal(case=case, note=note, by=by, ip=ip),
        }
        calls[action]()
        return Response(CaseOutput(case_for(request.user, pk), context={"user": request.user}).data)

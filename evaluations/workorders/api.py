"""REST API of work orders (诉求工单): list and intake, the 12345 endpoint (idempotent by the
hotline's number), one order, one endpoint per transition, the board, front-desk records, imports
and figures. Thin: parse, look up within the user's scope, call a service. Same permission model
as applications: 403 outside the role, 404 outside the scope, 409 when the status forbids."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluations.workorders import extensions, selectors, services
from evaluations.workorders.frontdesk import front_desk_record
from evaluations.workorders.importer import SYNC_MAX_BYTES, hotline_import_create, hotline_import_run, progress_of
from evaluations.workorders.metrics import METRICS, figures_for
from evaluations.workorders.models import (
    CallbackResult,
    FrontDeskRecord,
    HotlineImport,
    Kind,
    Source,
    Urgency,
    WorkOrder,
)
from evaluations.workorders.permissions import can_view_personal_data
from evaluations.workorders.transitions import ACTION_LABELS, TransitionNotAllowed, actions_for
from hall.metrics import Scope
from hall.models import Department, User, Window
from hall.privacy import mask_name, mask_phone
from hall.services.audit import client_ip

R = User.Role


class TransitionConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "当前状态不允许该操作。"
    default_code = "transition_not_allowed"


class WorkOrderApiView(APIView):
    allowed_roles: tuple[str, ...] = (R.CLERK, R.APPROVER, R.INSPECTOR, R.SUPERVISOR, R.LEADER, R.ADMIN)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.user.role not in self.allowed_roles:
            raise PermissionDenied("您的角色无权使用该接口。")

    def handle_exception(self, exc):
        if isinstance(exc, TransitionNotAllowed):
            exc = TransitionConflict(detail=exc.message)
        return super().handle_exception(exc)

    def get_order(self, number: str) -> WorkOrder:
        order = selectors.order_for(self.request.user, number)
        if order is None:
            raise NotFound("未找到该工单，或您无权查看。")
        return order


def _choice(choices, label: str, **kwargs):
    return serializers.ChoiceField(
        choices=choices, label=label, error_messages={"invalid_choice": f"未知的{label}“{{input}}”。"}, **kwargs
    )


# --- Output ----------------------------------------------------------------------------------------------


class WorkOrderListOutput(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    kind_display = serializers.CharField(source="get_kind_display")
    source_display = serializers.CharField(source="get_source_display")
    department_name = serializers.CharField(source="department.name", default="")
    requester_name = serializers.SerializerMethodField()
    requester_phone = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrder
        fields = [
            "number",
            "hotline_number",
            "source",
            "source_display",
            "kind",
            "kind_display",
            "urgency",
            "status",
            "status_display",
            "title",
            "requester_name",
            "requester_phone",
            "is_market_entity",
            "department_name",
            "received_at",
            "deadline_at",
            "warning_level",
            "is_supervised",
            "on_time",
        ]

    def get_requester_name(self, obj) -> str:
        return mask_name(obj.requester_name)

    def get_requester_phone(self, obj) -> str:
        return mask_phone(obj.requester_phone)


class WorkOrderEventOutput(serializers.Serializer):
    action = serializers.CharField()
    action_display = serializers.SerializerMethodField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor_repr")
    department = serializers.CharField(source="department.name", default="")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_action_display(self, obj) -> str:
        return ACTION_LABELS.get(obj.action, obj.action)


class WorkOrderDetailOutput(WorkOrderListOutput):
    content = serializers.CharField()
    reply_text = serializers.CharField()
    callback_result = serializers.CharField()
    events = WorkOrderEventOutput(many=True)
    actions = serializers.SerializerMethodField()

    class Meta(WorkOrderListOutput.Meta):
        fields = [
            *WorkOrderListOutput.Meta.fields,
            "content",
            "entity_name",
            "entity_credit_code",
            "limit_amount",
            "limit_unit",
            "extended_amount",
            "pending_extension",
            "reply_text",
            "replied_at",
            "callback_result",
            "callback_at",
            "reopen_count",
            "return_count",
            "closed_at",
            "handling_working_days",
            "events",
            "actions",
        ]

    def get_requester_phone(self, obj) -> str:
        # Full phone only to staff handling the order, and only on the detail (never on lists).
        request = self.context.get("request")
        if (
            request is not None
            and request.query_params.get("reveal") == "1"
            and can_view_personal_data(request.user, obj)
        ):
            return obj.requester_phone
        return mask_phone(obj.requester_phone)

    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return actions_for(obj, request.user) if request is not None else []


def _detail(request, order: WorkOrder, code=status.HTTP_200_OK) -> Response:
    fresh = selectors.order_for(request.user, order.number) or order
    return Response(WorkOrderDetailOutput(fresh, context={"request": request}).data, status=code)


# --- Intake ----------------------------------------------------------------------------------------------


class OrderInputSerializer(serializers.Serializer):
    source = _choice(Source.choices, "工单来源", default=Source.UNRESOLVED_WINDOW)
    kind = _choice(Kind.choices, "诉求类型")
    urgency = _choice(Urgency.choices, "紧急程度", default=Urgency.NORMAL)
    hotline_number = serializers.CharField(required=False, default="", allow_blank=True, max_length=40)
    title = serializers.CharField(max_length=200, label="诉求标题")
    content = serializers.CharField(max_length=10000, label="诉求内容")
    requester_name = serializers.CharField(required=False, default="", allow_blank=True, max_length=50)
    requester_phone = serializers.CharField(required=False, default="", allow_blank=True, max_length=20)
    is_market_entity = serializers.BooleanField(required=False, default=False)
    entity_name = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    entity_credit_code = serializers.CharField(required=False, default="", allow_blank=True, max_length=18)
    department_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    matter_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    window_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    application_numbers = serializers.ListField(
        child=serializers.CharField(max_length=24), required=False, default=list, max_length=20
    )
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def order_input(self, user) -> services.OrderInput:
        d = self.validated_data
        return services.OrderInput(
            source=d["source"],
            kind=d["kind"],
            urgency=d["urgency"],
            title=d["title"],
            content=d["content"],
            hotline_number=d["hotline_number"],
            requester=services.Requester(
                name=d["requester_name"],
                phone=d["requester_phone"],
                is_market_entity=d["is_market_entity"],
                entity_name=d["entity_name"],
                entity_credit_code=d["entity_credit_code"],
            ),
            department_id=d["department_id"],
            matter_id=d["matter_id"],
            window_id=d["window_id"],
            site_id=user.site_id,
            application_numbers=d["application_numbers"],
            received_at=d["received_at"],
        )


class OrderListCreateApi(WorkOrderApiView):
    """工单列表（脱敏）与登记。"""

    @extend_schema(summary="工单列表", responses=WorkOrderListOutput(many=True))
    def get(self, request):
        filters = {k: v for k, v in request.query_params.items() if k in ("status", "kind", "source", "q")}
        qs = selectors.order_list(request.user, filters=filters)
        from rest_framework.pagination import PageNumberPagination

        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(WorkOrderListOutput(page, many=True).data)

    @extend_schema(
        summary="登记工单（办不成事/来信/网上投诉）", request=OrderInputSerializer, responses=WorkOrderDetailOutput
    )
    def post(self, request):
        data = OrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order, _ = services.workorder_receive(
            data=data.order_input(request.user), by=request.user, ip=client_ip(request)
        )
        return _detail(request, order, status.HTTP_201_CREATED)


class HotlineOrderInput(OrderInputSerializer):
    source = _choice([(Source.HOTLINE, Source.HOTLINE.label)], "工单来源", default=Source.HOTLINE)
    hotline_number = serializers.CharField(max_length=40, label="热线工单号")


class HotlineOrderApi(WorkOrderApiView):
    """12345 平台推送一件工单：按热线工单号幂等，重复推送返回已有工单（200）。"""

    allowed_roles = (R.SUPERVISOR, R.ADMIN)

    @extend_schema(summary="接收 12345 热线工单", request=HotlineOrderInput, responses=WorkOrderDetailOutput)
    def post(self, request):
        data = HotlineOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        order, created = services.workorder_receive(
            data=data.order_input(request.user), by=request.user, ip=client_ip(request)
        )
        return _detail(request, order, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OrderDetailApi(WorkOrderApiView):
    @extend_schema(summary="工单详情（含处理过程与可执行操作）", responses=WorkOrderDetailOutput)
    def get(self, request, number: str):
        return _detail(request, self.get_order(number))


# --- Transitions -----------------------------------------------------------------------------------------


class WorkOrderDispatchInput(serializers.Serializer):
    department_id = serializers.IntegerField(label="承办部门")
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000)


class WorkOrderReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000, label="理由")


class WorkOrderReplyInput(serializers.Serializer):
    text = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000, label="答复内容")


class WorkOrderCallbackInput(serializers.Serializer):
    result = _choice([c for c in CallbackResult.choices if c[0]], "回访结果")
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class WorkOrderExtensionInput(serializers.Serializer):
    amount = serializers.IntegerField(label="延长时限", min_value=1, max_value=services.MAX_EXTENSION)
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class WorkOrderNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


def _department(d):
    department = Department.objects.filter(pk=d["department_id"], is_active=True).first()
    if department is None:
        raise serializers.ValidationError({"department_id": "所选部门不存在或已停用。"})
    return department


S = services
E = extensions
TRANSITIONS = {
    "dispatch": (
        "DispatchApi",
        "派单",
        WorkOrderDispatchInput,
        lambda o, d, by, ip: S.workorder_dispatch(order=o, department=_department(d), note=d["note"], by=by, ip=ip),
    ),
    "sign": ("SignApi", "签收", WorkOrderNoteInput, lambda o, d, by, ip: S.workorder_sign(order=o, by=by, ip=ip)),
    "return": (
        "ReturnApi",
        "退回",
        WorkOrderReasonInput,
        lambda o, d, by, ip: S.workorder_return(order=o, reason=d["reason"], by=by, ip=ip),
    ),
    "reply": (
        "ReplyApi",
        "答复",
        WorkOrderReplyInput,
        lambda o, d, by, ip: S.workorder_reply(order=o, text=d["text"], by=by, ip=ip),
    ),
    "callback": (
        "CallbackApi",
        "回访",
        WorkOrderCallbackInput,
        lambda o, d, by, ip: S.workorder_callback(order=o, result=d["result"], note=d["note"], by=by, ip=ip),
    ),
    "close": ("CloseApi", "办结", WorkOrderNoteInput, lambda o, d, by, ip: S.workorder_close(order=o, by=by, ip=ip)),
    "request-extension": (
        "RequestExtensionApi",
        "申请延期",
        WorkOrderExtensionInput,
        lambda o, d, by, ip: E.workorder_request_extension(
            order=o, amount=d["amount"], reason=d["reason"], by=by, ip=ip
        ),
    ),
    "approve-extension": (
        "ApproveExtensionApi",
        "批准延期",
        WorkOrderNoteInput,
        lambda o, d, by, ip: E.workorder_approve_extension(order=o, note=d["note"], by=by, ip=ip),
    ),
    "reject-extension": (
        "RejectExtensionApi",
        "驳回延期",
        WorkOrderReasonInput,
        lambda o, d, by, ip: E.workorder_reject_extension(order=o, reason=d["reason"], by=by, ip=ip),
    ),
    "supervise": (
        "SuperviseApi",
        "督办",
        WorkOrderNoteInput,
        lambda o, d, by, ip: E.workorder_supervise(order=o, note=d["note"], by=by, ip=ip),
    ),
}


def _transition_api(name: str, summary: str, input_serializer, perform):
    def post(self, request, number: str):
        order = self.get_order(number)
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = perform(order, data.validated_data, request.user, client_ip(request))
        return _detail(request, order)

    post = extend_schema(summary=summary, request=input_serializer, responses=WorkOrderDetailOutput)(post)
    return type(name, (WorkOrderApiView,), {"post": post, "__doc__": f"{summary}。状态不允许时返回 409。"})


TRANSITION_APIS = {slug: _transition_api(*spec) for slug, spec in TRANSITIONS.items()}


# --- Board, front desk, imports, figures ------------------------------------------------------------------


class BoardApi(WorkOrderApiView):
    """派单台：新工单、退回、超期优先。"""

    allowed_roles = (R.SUPERVISOR, R.LEADER)

    @extend_schema(summary="工单派单台", responses=dict)
    def get(self, request):
        data = selectors.board(request.user)
        sections = ("returned", "new", "overdue", "due_soon", "to_call_back", "to_close")
        return Response(
            {
                **{key: WorkOrderListOutput(data[key], many=True).data for key in sections},
                "counts": data["counts"],
                "levels": data["levels"],
            }
        )


class FrontDeskInput(serializers.Serializer):
    kind = _choice(FrontDeskRecord.Kind.choices, "登记类别")
    topic = serializers.CharField(max_length=200, label="事由")
    outcome = serializers.ChoiceField(choices=FrontDeskRecord.Outcome.choices, required=False, default="")
    window_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    staff_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class FrontDeskApi(WorkOrderApiView):
    allowed_roles = (R.CLERK, R.SUPERVISOR)

    @extend_schema(summary="前台登记（咨询/导办帮办代办/表扬/企业服务窗口）", request=FrontDeskInput, responses=dict)
    def post(self, request):
        data = FrontDeskInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        window = Window.objects.filter(pk=d["window_id"]).first() if d["window_id"] else None
        staff = User.objects.filter(pk=d["staff_id"]).first() if d["staff_id"] else None
        if d["window_id"] and window is None:
            raise serializers.ValidationError({"window_id": "所选窗口不存在。"})
        if d["staff_id"] and staff is None:
            raise serializers.ValidationError({"staff_id": "所选工作人员不存在。"})
        record = front_desk_record(
            kind=d["kind"],
            topic=d["topic"],
            outcome=d["outcome"],
            window=window,
            staff=staff,
            by=request.user,
            ip=client_ip(request),
        )
        return Response({"id": record.pk, "kind": record.kind, "topic": record.topic}, status=status.HTTP_201_CREATED)


class HotlineImportInput(serializers.Serializer):
    file = serializers.FileField(label="热线导出文件")


class ImportCreateApi(WorkOrderApiView):
    allowed_roles = (R.SUPERVISOR, R.ADMIN)
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="上传 12345 热线导出文件（小文件当即导入，大文件后台导入）", request=HotlineImportInput, responses=dict
    )
    def post(self, request):
        data = HotlineImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        job = hotline_import_create(upload=upload, by=request.user, ip=client_ip(request))
        if upload.size <= SYNC_MAX_BYTES:
            hotline_import_run(import_id=job.pk)
            job.refresh_from_db()
        else:
            from django.db import transaction

            from evaluations.workorders.tasks import import_hotline

            transaction.on_commit(lambda: import_hotline.delay(job.pk))
        return Response(progress_of(job), status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(WorkOrderApiView):
    allowed_roles = (R.SUPERVISOR, R.ADMIN)

    @extend_schema(summary="导入进度与结果（错误按行列出）", responses=dict)
    def get(self, request, import_id: int):
        job = HotlineImport.objects.filter(pk=import_id).first()
        if job is None:
            raise NotFound("没有该导入任务。")
        return Response(progress_of(job))


class WorkOrderPeriodInput(serializers.Serializer):
    start = serializers.DateField(label="开始日期")
    end = serializers.DateField(label="结束日期")
    department_id = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": "结束日期不能早于开始日期。"})
        return attrs


class FiguresApi(WorkOrderApiView):
    allowed_roles = (R.SUPERVISOR, R.LEADER, R.ADMIN)

    @extend_schema(summary="工单统计指标（含公式）", parameters=[WorkOrderPeriodInput], responses=dict)
    def get(self, request):
        data = WorkOrderPeriodInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        scope = Scope(start=d["start"], end=d["end"], department_id=d["department_id"])
        values = figures_for(scope)
        return Response(
            [
                {
                    "code": m.code,
                    "name": m.name,
                    "unit": m.unit,
                    "formula": m.formula,
                    "value": values[m.code],
                    "drilldown": m.drilldown(scope) if m.drilldown else None,
                }
                for m in METRICS
            ]
        )

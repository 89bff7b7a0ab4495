"""REST API of the register (市场主体): search, entity with history, 企业开办 bundle, figures, public
notice and objections, registration acts. Thin: parse, call a selector or service; service
``ValidationError`` becomes a 400 with messages per field (hall.api_errors)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises import selectors, services
from enterprises.metrics import METRICS
from enterprises.models import Deregistration, EntityStatus, EntityType
from hall.metrics import Scope
from hall.models import User
from hall.privacy import mask_id_number
from hall.services.audit import client_ip

R = User.Role
READ_ROLES = (R.CLERK, R.APPROVER, R.SUPERVISOR, R.LEADER, R.ADMIN)
WRITE_ROLES = (R.CLERK, R.SUPERVISOR)


class StaffApi(APIView):
    permission_classes = [IsAuthenticated]
    roles = READ_ROLES

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.user.role not in self.roles:
            raise PermissionDenied("您的角色无权访问市场主体登记。")

    def entity(self, pk: int):
        entity = selectors.entity_with_history(pk)
        if entity is None:
            raise NotFound("没有找到该市场主体。")
        return entity


class EntityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    credit_code = serializers.CharField()
    name = serializers.CharField()
    entity_type = serializers.CharField()
    entity_type_display = serializers.CharField(source="get_entity_type_display")
    legal_representative = serializers.CharField()
    legal_representative_id_number = serializers.SerializerMethodField()
    registered_capital = serializers.DecimalField(max_digits=14, decimal_places=2)
    address = serializers.CharField()
    industry = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    registered_on = serializers.DateField()
    deregistered_on = serializers.DateField(allow_null=True)

    def get_legal_representative_id_number(self, obj) -> str:
        return mask_id_number(obj.legal_representative_id_number)


class ActOutput(serializers.Serializer):
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    occurred_on = serializers.DateField()
    changes = serializers.JSONField()
    note = serializers.CharField()
    application_number = serializers.CharField(source="application.number", default="")
    related_entity_id = serializers.IntegerField(allow_null=True)


class EntityListApi(StaffApi):
    class EntityFilterInput(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=200)
        entity_type = serializers.ChoiceField(choices=EntityType.choices, required=False)
        status = serializers.ChoiceField(choices=EntityStatus.choices, required=False)
        on = serializers.DateField(required=False)

    @extend_schema(parameters=[EntityFilterInput], responses=EntityOutput(many=True), summary="市场主体查询")
    def get(self, request):
        params = self.EntityFilterInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        queryset = selectors.entity_search(**params.validated_data)[:100]
        return Response(EntityOutput(queryset, many=True).data)


class EntityDetailApi(StaffApi):
    class EntityDetailOutput(EntityOutput):
        acts = ActOutput(many=True)
        converted_from_id = serializers.IntegerField(allow_null=True)

    @extend_schema(responses=EntityDetailOutput, summary="市场主体及其登记档案")
    def get(self, request, pk: int):
        return Response(self.EntityDetailOutput(self.entity(pk)).data)


class EntityChangeApi(StaffApi):
    roles = WRITE_ROLES

    class EntityChangeInput(serializers.Serializer):
        changes = serializers.DictField(child=serializers.CharField(allow_blank=True))

    @extend_schema(request=EntityChangeInput, responses=EntityOutput, summary="变更登记")
    def post(self, request, pk: int):
        data = self.EntityChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        entity = services.entity_change(
            entity=self.entity(pk), changes=data.validated_data["changes"], by=request.user, ip=client_ip(request)
        )
        return Response(EntityOutput(entity).data)


class DeregistrationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    notice_ends_on = serializers.DateField(allow_null=True)


class DormancyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class EntityFigureRowOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.IntegerField()


class EntityFigureOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    formula = serializers.CharField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    by_type = EntityFigureRowOutput(many=True)


class NoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    credit_code = serializers.CharField()
    notice_starts_on = serializers.DateField()
    notice_ends_on = serializers.DateField()


class ObjectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    received_on = serializers.DateField()


class DeregistrationApi(StaffApi):
    roles = WRITE_ROLES

    class DeregistrationInput(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Deregistration.Kind.choices)
        no_unsettled_debts = serializers.BooleanField(default=False)
        investors_promise = serializers.BooleanField(default=False)
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        request=DeregistrationInput, responses={201: DeregistrationOutput}, summary="注销登记（简易注销进入 20 日公示）"
    )
    def post(self, request, pk: int):
        data = self.DeregistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.deregistration_file(
            entity=self.entity(pk), by=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response({"id": record.pk, "state": record.state, "notice_ends_on": record.notice_ends_on}, status=201)


class EntityRevokeApi(StaffApi):
    roles = WRITE_ROLES

    class RevokeInput(serializers.Serializer):
        decision_number = serializers.CharField(max_length=100)
        reason = serializers.CharField(max_length=1000)

    @extend_schema(request=RevokeInput, responses={201: EntityOutput}, summary="吊销营业执照（记入登记档案）")
    def post(self, request, pk: int):
        data = self.RevokeInput(data=request.data)
        data.is_valid(raise_exception=True)
        entity = services.entity_revoke(
            entity=self.entity(pk), by=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response(EntityOutput(entity).data, status=201)


class DormancyApi(StaffApi):
    roles = WRITE_ROLES

    class DormancyInput(serializers.Serializer):
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=DormancyInput, responses={201: DormancyOutput}, summary="歇业备案")
    def post(self, request, pk: int):
        data = self.DormancyInput(data=request.data)
        data.is_valid(raise_exception=True)
        dormancy = services.dormancy_file(
            entity=self.entity(pk), by=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response({"id": dormancy.pk, "starts_on": dormancy.starts_on, "ends_on": dormancy.ends_on}, status=201)


class StartupTaskOutput(serializers.Serializer):
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    application_number = serializers.CharField(source="application.number")
    department = serializers.CharField(source="application.department.name")
    status = serializers.CharField(source="application.status")
    window = serializers.IntegerField(source="window.number", default=None, allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)


class StartupDetailApi(StaffApi):
    roles = (R.CLERK, R.APPROVER, R.SUPERVISOR, R.LEADER)

    class StartupOutput(serializers.Serializer):
        number = serializers.CharField(source="bundle.number")
        name = serializers.CharField()
        state = serializers.CharField()
        submitted_at = serializers.DateTimeField()
        finished_at = serializers.DateTimeField(allow_null=True)
        elapsed_minutes = serializers.IntegerField(allow_null=True)
        target_minutes = serializers.IntegerField()
        within_target = serializers.BooleanField(allow_null=True)
        return_count = serializers.IntegerField()
        credit_code = serializers.CharField(source="entity.credit_code", default="")
        tasks = StartupTaskOutput(many=True)

    @extend_schema(responses=StartupOutput, summary="企业开办办理情况")
    def get(self, request, number: str):
        startup = selectors.startup_detail(number)
        if startup is None:
            raise NotFound("没有找到该企业开办申请。")
        return Response(self.StartupOutput(startup).data)


class EntityFiguresApi(StaffApi):
    roles = (R.SUPERVISOR, R.LEADER, R.ADMIN)

    class EntityFiguresInput(serializers.Serializer):
        start = serializers.DateField()
        end = serializers.DateField()

        def validate(self, attrs):
            if attrs["start"] > attrs["end"]:
                raise serializers.ValidationError({"end": "结束日期不能早于开始日期。"})
            return attrs

    @extend_schema(
        parameters=[EntityFiguresInput], responses=EntityFigureOutput(many=True), summary="市场主体统计指标（含公式）"
    )
    def get(self, request):
        params = self.EntityFiguresInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        scope = Scope(**params.validated_data)
        return Response(
            [
                {
                    "code": m.code,
                    "name": m.name,
                    "unit": m.unit,
                    "formula": m.formula,
                    "value": m.value(scope),
                    "by_type": [
                        {"key": r.key, "label": r.label, "value": r.value} for r in m.breakdown(scope, "entity_type")
                    ]
                    if m.breakdown
                    else [],
                }
                for m in METRICS
            ]
        )


class NoticeListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=NoticeOutput(many=True), summary="简易注销公示（公开）")
    def get(self, request):
        return Response(
            [
                {
                    "id": d.pk,
                    "name": d.entity.name,
                    "credit_code": d.entity.credit_code,
                    "notice_starts_on": d.notice_starts_on,
                    "notice_ends_on": d.notice_ends_on,
                }
                for d in selectors.entities_in_notice()[:500]
            ]
        )


class ObjectionApi(APIView):
    permission_classes = [AllowAny]

    class ObjectionInput(serializers.Serializer):
        objector_name = serializers.CharField(max_length=100)
        objector_phone = serializers.CharField(max_length=11)
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=ObjectionInput, responses={201: ObjectionOutput}, summary="对简易注销提出异议（公开）")
    def post(self, request, pk: int):
        record = Deregistration.objects.filter(pk=pk).first()
        if record is None:
            raise NotFound("没有找到该注销公示。")
        data = self.ObjectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        objection = services.objection_file(deregistration=record, ip=client_ip(request), **data.validated_data)
        return Response({"id": objection.pk, "received_on": timezone.localdate(objection.created_at)}, status=201)

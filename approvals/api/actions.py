"""One endpoint per transition of an application (办理操作), generated from one table."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from approvals import services
from approvals.api.common import (
    ApprovalsApiView,
    MaterialStateInput,
    _material_states,
)
from approvals.api.outputs import (
    ApplicationDetailOutput,
    _detail,
)
from approvals.models import (
    Application,
    ClockPause,
    DeliveryMethod,
)
from hall.models import User
from hall.services.audit import client_ip

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

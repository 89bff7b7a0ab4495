"""The public online complaint and consultation form (网上投诉咨询): citizens, signed in or not.

An anonymous citizen leaves a mobile phone number for the reply and the callback; a signed-in one
may keep the account's. Submissions are rate limited per client like the sign-up
(``SENSITIVE_RATE``, scope ``workorders_online``). Each becomes a work order of source 网上投诉,
received (待派单) for the hall supervisor to dispatch.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from evaluations.workorders.forms import add_service_errors
from evaluations.workorders.models import Kind, Source, WorkOrder, WorkOrderEvent
from evaluations.workorders.services import OrderInput, Requester, workorder_receive
from evaluations.workorders.transitions import Action
from hall.models import Department, User
from hall.privacy import mask_phone
from hall.ratelimit import rate_limited
from hall.services.audit import audit_record, client_ip
from hall.validators import validate_mobile_phone

ONLINE_KINDS = [
    (Kind.COMPLAINT, "投诉"),
    (Kind.CONSULTATION, "咨询"),
    (Kind.HELP, "求助"),
    (Kind.SUGGESTION, "建议"),
    (Kind.REPORT, "举报"),
    (Kind.PRAISE, "表扬"),
]
SESSION_KEY = "workorders_online_numbers"


class OnlineForm(forms.Form):
    """网上投诉咨询表单: every message in Chinese, per field."""

    kind = forms.ChoiceField(
        label="诉求类型",
        choices=ONLINE_KINDS,
        initial=Kind.COMPLAINT,
        error_messages={"invalid_choice": "请选择诉求类型。"},
    )
    title = forms.CharField(
        label="标题", max_length=100, error_messages={"required": "请填写标题。", "max_length": "标题不超过 100 字。"}
    )
    content = forms.CharField(
        label="具体内容",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="请写明事情经过、涉及的事项或窗口，以及您的诉求。",
        error_messages={"required": "请填写具体内容。", "max_length": "具体内容不超过 2000 字。"},
    )
    department = forms.ModelChoiceField(
        label="涉及部门（不清楚可不选）",
        queryset=Department.objects.none(),
        required=False,
        error_messages={"invalid_choice": "所选部门不存在。"},
    )
    name = forms.CharField(
        label="您的姓名", max_length=50, required=False, error_messages={"max_length": "姓名不超过 50 字。"}
    )
    phone = forms.CharField(
        label="手机号码",
        max_length=11,
        required=False,
        help_text="用于答复和回访，不会公开。",
        error_messages={"max_length": "请输入 11 位有效的手机号码。"},
    )
    is_market_entity = forms.BooleanField(label="以企业（市场主体）名义反映", required=False)
    entity_name = forms.CharField(label="企业名称", max_length=200, required=False)
    entity_credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)

    def __init__(self, *args, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        self.fields["department"].queryset = Department.objects.filter(
            kind=Department.Kind.DEPARTMENT, is_active=True
        ).order_by("sort_order", "id")
        if self.user is not None:
            self.fields["phone"].help_text = "不填则使用您账号的手机号码；用于答复和回访，不会公开。"

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not phone and self.user is not None:
            phone = self.user.phone or ""
        if not phone:
            raise ValidationError("请填写手机号码，以便答复和回访。")
        validate_mobile_phone(phone)
        return phone

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError("请填写标题。")
        return title

    def clean_content(self) -> str:
        content = self.cleaned_data["content"].strip()
        if len(content) < 5:
            raise ValidationError("具体内容至少 5 个字，请写明事情经过和诉求。")
        return content

    def clean(self):
        data = super().clean()
        if data.get("is_market_entity"):
            if not (data.get("entity_name") or "").strip():
                self.add_error("entity_name", "以企业名义反映时请填写企业名称。")
            if not (data.get("entity_credit_code") or "").strip():
                self.add_error("entity_credit_code", "以企业名义反映时请填写统一社会信用代码。")
        return data

    def order_input(self) -> OrderInput:
        d = self.cleaned_data
        name = d["name"].strip() or (self.user.full_name if self.user is not None else "")
        entity = d["is_market_entity"]
        return OrderInput(
            source=Source.ONLINE,
            kind=d["kind"],
            title=d["title"],
            content=d["content"],
            requester=Requester(
                name=name,
                phone=d["phone"],
                is_market_entity=entity,
                entity_name=d["entity_name"].strip() if entity else "",
                entity_credit_code=d["entity_credit_code"].strip() if entity else "",
            ),
            department_id=d["department"].pk if d["department"] else None,
        )


def workorder_submit_online(*, data: OrderInput, user: User | None, ip: str | None = None) -> WorkOrder:
    """网上投诉: receive a citizen's online request as a work order (source 网上投诉); the history
    names the citizen (or 网上投诉群众 when anonymous) and the audit log keeps the submission."""
    if data.source != Source.ONLINE:
        raise ValidationError({"source": "网上投诉表单只能提交网上投诉工单。"})
    with transaction.atomic():
        order, _ = workorder_receive(data=data, by=None, ip=ip)
        who = user if user is not None and user.is_authenticated else None
        label = f"{who.full_name or who.username}（网上投诉）" if who else "网上投诉群众"
        WorkOrderEvent.objects.filter(order=order, action=Action.RECEIVE).update(actor=who, actor_repr=label[:100])
        audit_record(
            actor=who,
            action="workorder.online_submit",
            obj=order,
            after={"number": order.number, "kind": order.kind, "phone": mask_phone(order.requester_phone)},
            ip=ip,
        )
    return order


@rate_limited("workorders_online")  # per client, the sign-up's budget (SENSITIVE_RATE)
def online_form(request):
    """网上投诉咨询: the public form; on success, the confirmation page with the order number."""
    user = request.user if request.user.is_authenticated else None
    if request.method == "POST":
        form = OnlineForm(request.POST, user=user)
        if form.is_valid():
            try:
                order = workorder_submit_online(data=form.order_input(), user=user, ip=client_ip(request))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                numbers = [*request.session.get(SESSION_KEY, [])[-9:], order.number]
                request.session[SESSION_KEY] = numbers
                return redirect(reverse("workorder_online_done", args=[order.number]))
        return render(request, "workorders/online.html", {"form": form}, status=400)
    return render(request, "workorders/online.html", {"form": OnlineForm(user=user)})


def online_done(request, number: str):
    """The confirmation of one submission: only in the session that submitted it."""
    if number not in request.session.get(SESSION_KEY, []):
        return render(request, "workorders/online_done.html", {"order": None}, status=404)
    order = get_object_or_404(WorkOrder, number=number, source=Source.ONLINE)
    return render(
        request,
        "workorders/online_done.html",
        {"order": order, "phone": mask_phone(order.requester_phone), "today": timezone.localdate()},
    )

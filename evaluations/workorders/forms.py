"""Forms of the work-order pages: intake (办不成事), actions, front-desk quick entry, import, figures."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from evaluations.workorders.models import CallbackResult, FrontDeskRecord, Kind, Source, Urgency
from evaluations.workorders.services import OrderInput, Requester
from hall.models import Department, User, Window


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: per field where the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _departments():
    return Department.objects.filter(kind=Department.Kind.DEPARTMENT, is_active=True).order_by("sort_order", "id")


class IntakeForm(forms.Form):
    """办不成事 intake (and any staff-entered request)."""

    source = forms.ChoiceField(label="来源", choices=[c for c in Source.choices if c[0] != Source.BAD_REVIEW])
    kind = forms.ChoiceField(label="诉求类型", choices=Kind.choices, initial=Kind.COMPLAINT)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    hotline_number = forms.CharField(label="热线工单号", max_length=40, required=False)
    title = forms.CharField(label="诉求标题", max_length=200)
    content = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 4}))
    requester_name = forms.CharField(label="诉求人", max_length=50, required=False)
    requester_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    is_market_entity = forms.BooleanField(label="市场主体诉求", required=False)
    entity_name = forms.CharField(label="市场主体名称", max_length=200, required=False)
    entity_credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    department = forms.ModelChoiceField(label="涉及部门", queryset=Department.objects.none(), required=False)
    application_numbers = forms.CharField(label="涉及办件编号", required=False, help_text="多个编号用空格或逗号分隔。")
    matter_code = forms.CharField(label="涉及事项实施编码", max_length=64, required=False)
    attachment = forms.FileField(label="附件（PDF/JPG/PNG）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments()

    def clean_matter_code(self):
        code = self.cleaned_data["matter_code"].strip()
        if not code:
            return None
        from hall.catalog.models import Matter

        matter = Matter.objects.filter(code=code).first()
        if matter is None:
            raise ValidationError("没有该实施编码的事项。")
        return matter

    def order_input(self, *, window: Window | None, site_id: int | None) -> OrderInput:
        d = self.cleaned_data
        numbers = [n for n in d["application_numbers"].replace("，", ",").replace(",", " ").split() if n]
        return OrderInput(
            source=d["source"],
            kind=d["kind"],
            urgency=d["urgency"],
            title=d["title"],
            content=d["content"],
            hotline_number=d["hotline_number"],
            requester=Requester(
                name=d["requester_name"],
                phone=d["requester_phone"],
                is_market_entity=d["is_market_entity"],
                entity_name=d["entity_name"],
                entity_credit_code=d["entity_credit_code"],
            ),
            department_id=d["department"].pk if d["department"] else None,
            matter_id=d["matter_code"].pk if d["matter_code"] else None,
            window_id=window.pk if window else None,
            site_id=site_id,
            application_numbers=numbers,
        )


class EmptyForm(forms.Form):
    def service_kwargs(self) -> dict:
        return {}


class DispatchForm(forms.Form):
    department = forms.ModelChoiceField(label="承办部门", queryset=Department.objects.none())
    note = forms.CharField(label="派单说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments()

    def service_kwargs(self) -> dict:
        return {"department": self.cleaned_data["department"], "note": self.cleaned_data["note"]}


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class ReplyForm(forms.Form):
    text = forms.CharField(label="答复内容", required=False, widget=forms.Textarea(attrs={"rows": 5}))
    attachment = forms.FileField(label="答复附件（PDF/JPG/PNG）", required=False)

    def service_kwargs(self) -> dict:
        return {"text": self.cleaned_data["text"]}


class CallbackForm(forms.Form):
    result = forms.ChoiceField(
        label="回访结果", choices=[c for c in CallbackResult.choices if c[0]], widget=forms.RadioSelect
    )
    note = forms.CharField(label="回访记录", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def service_kwargs(self) -> dict:
        return {"result": self.cleaned_data["result"], "note": self.cleaned_data["note"]}


class ExtensionRequestForm(forms.Form):
    amount = forms.IntegerField(label="延长时限（与原时限单位相同）", min_value=1, max_value=30)
    reason = forms.CharField(label="延期理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def service_kwargs(self) -> dict:
        return {"amount": self.cleaned_data["amount"], "reason": self.cleaned_data["reason"]}


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def service_kwargs(self) -> dict:
        return {"note": self.cleaned_data["note"]}


class FrontDeskForm(forms.Form):
    """前台快速登记: every field reachable by Tab, submitted with Enter."""

    kind = forms.ChoiceField(label="类别", choices=FrontDeskRecord.Kind.choices)
    topic = forms.CharField(label="事由", max_length=200)
    outcome = forms.ChoiceField(label="处理结果", choices=FrontDeskRecord.Outcome.choices, required=False)
    window = forms.ModelChoiceField(label="窗口（表扬对象）", queryset=Window.objects.none(), required=False)
    staff = forms.ModelChoiceField(label="工作人员（表扬对象）", queryset=User.objects.none(), required=False)

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        windows = Window.objects.select_related("zone").order_by("site_id", "number")
        staff = User.objects.filter(role__in=User.STAFF_ROLES, is_active=True).order_by("full_name")
        if site is not None:
            windows = windows.filter(site=site)
            staff = staff.filter(site=site)
        self.fields["window"].queryset = windows
        self.fields["staff"].queryset = staff
        self.fields["staff"].label_from_instance = lambda u: u.full_name or u.username


class ImportForm(forms.Form):
    file = forms.FileField(label="12345 热线导出文件（.xlsx 或 .csv）")


class PeriodForm(forms.Form):
    start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError({"end": "结束日期不能早于开始日期。"})
        if data.get("start") and data.get("end") and (data["end"] - data["start"]).days > 3 * 366:
            raise ValidationError({"end": "统计期间不能超过三年。"})
        return data

"""Forms of the register pages: they parse input; the rules live in ``enterprises.services``."""

from __future__ import annotations

from django import forms

from approvals.forms import DateInput, add_service_errors
from enterprises.models import Deregistration, EntityStatus, EntityType, Industry

__all__ = ["add_service_errors"]

REGISTRATION_FIELDS = (
    "name",
    "entity_type",
    "legal_representative",
    "legal_representative_id_number",
    "registered_capital",
    "address",
    "industry",
)


class StartupIntakeForm(forms.Form):
    """企业开办 one-window intake: the registration data and the delivery choice."""

    name = forms.CharField(label="拟设立企业名称", max_length=200)
    entity_type = forms.ChoiceField(
        label="企业类型", choices=[(v, label) for v, label in EntityType.choices if v != EntityType.INDIVIDUAL]
    )
    legal_representative = forms.CharField(label="法定代表人", max_length=50)
    legal_representative_id_number = forms.CharField(label="法定代表人身份证号码", max_length=18)
    registered_capital = forms.CharField(label="注册资本（万元）", max_length=20)
    address = forms.CharField(label="住所", max_length=200)
    industry = forms.ChoiceField(label="行业门类（GB/T 4754）", choices=Industry.choices)
    phone = forms.CharField(label="联系电话", max_length=11)
    postal_delivery = forms.BooleanField(label="免费寄递营业执照和印章", required=False)
    postal_address = forms.CharField(label="寄递地址", max_length=200, required=False)

    def registration(self) -> dict:
        return {name: self.cleaned_data[name] for name in REGISTRATION_FIELDS}


class TaskFinishForm(forms.Form):
    e_licence_number = forms.CharField(label="电子营业执照编号", max_length=60, required=False)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退件理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class DeliveryForm(forms.Form):
    tracking_number = forms.CharField(label="邮寄单号", max_length=40)


class EntitySearchForm(forms.Form):
    q = forms.CharField(label="名称或统一社会信用代码", max_length=200, required=False)
    entity_type = forms.ChoiceField(label="主体类型", choices=[("", "全部类型"), *EntityType.choices], required=False)
    status = forms.ChoiceField(label="登记状态", choices=[("", "全部状态"), *EntityStatus.choices], required=False)
    on = forms.DateField(label="存续于", required=False, widget=DateInput())
    registered_from = forms.DateField(label="成立日期自", required=False, widget=DateInput())
    registered_to = forms.DateField(label="至", required=False, widget=DateInput())
    deregistered_from = forms.DateField(label="注销（吊销）日期自", required=False, widget=DateInput())
    deregistered_to = forms.DateField(label="注销（吊销）日期至", required=False, widget=DateInput())
    dormant_from = forms.DateField(label="歇业开始日期自", required=False, widget=DateInput())
    dormant_to = forms.DateField(label="歇业开始日期至", required=False, widget=DateInput())


class ChangeForm(forms.Form):
    name = forms.CharField(label="名称", max_length=200, required=False)
    legal_representative = forms.CharField(label="法定代表人（经营者）", max_length=50, required=False)
    legal_representative_id_number = forms.CharField(label="法定代表人身份证号码", max_length=18, required=False)
    registered_capital = forms.CharField(label="注册资本（万元）", max_length=20, required=False)
    address = forms.CharField(label="住所（经营场所）", max_length=200, required=False)
    industry = forms.ChoiceField(label="行业门类", choices=[("", "不变更"), *Industry.choices], required=False)

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class DeregistrationForm(forms.Form):
    kind = forms.ChoiceField(label="注销方式", choices=Deregistration.Kind.choices)
    no_unsettled_debts = forms.BooleanField(label="无债权债务或已清算完结", required=False)
    investors_promise = forms.BooleanField(label="已提交全体投资人书面承诺", required=False)
    reason = forms.CharField(label="注销原因", max_length=500, required=False)


class RevokeForm(forms.Form):
    decision_number = forms.CharField(label="行政处罚决定书文号", max_length=100)
    reason = forms.CharField(label="吊销事实和依据", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class DormancyForm(forms.Form):
    starts_on = forms.DateField(label="歇业开始日期", widget=DateInput())
    ends_on = forms.DateField(label="歇业结束日期", widget=DateInput())
    reason = forms.CharField(label="歇业原因", max_length=500, required=False)


class DormancyExtendForm(forms.Form):
    ends_on = forms.DateField(label="延期至", widget=DateInput())


class ConvertForm(forms.Form):
    entity_type = forms.ChoiceField(
        label="转为", choices=[(v, label) for v, label in EntityType.choices if v != EntityType.INDIVIDUAL]
    )
    name = forms.CharField(label="企业名称", max_length=200)
    registered_capital = forms.CharField(label="注册资本（万元）", max_length=20, required=False)


class ObjectionForm(forms.Form):
    objector_name = forms.CharField(label="异议人（单位或个人）", max_length=100)
    objector_phone = forms.CharField(label="联系电话", max_length=11)
    reason = forms.CharField(label="异议理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ImportForm(forms.Form):
    file = forms.FileField(label="导入文件（.xlsx）")


class FiguresForm(forms.Form):
    start = forms.DateField(label="统计期自", widget=DateInput())
    end = forms.DateField(label="至", widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "结束日期不能早于开始日期。")
        return data

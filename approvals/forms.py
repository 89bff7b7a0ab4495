"""Forms of the application pages: they parse input only; every rule is checked by the services.

Field names follow the keys of the services' ``ValidationError`` dicts, so a service error lands
on the field it is about (:func:`add_service_errors`).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from approvals.models import (
    ApplicantType,
    ApplicationMaterial,
    ClockPause,
    DeliveryMethod,
    IdType,
)
from approvals.services import ApplicantData, MaterialState, SupplementItem

MaterialStates = ApplicationMaterial.State
# The states a clerk ticks at the window (缺少 is what remains unticked).
INTAKE_STATE_CHOICES = [
    (MaterialStates.PROVIDED, "已提交"),
    (MaterialStates.MISSING_PROMISED, "容缺"),
    (MaterialStates.NOT_APPLICABLE, "不适用"),
    (MaterialStates.MISSING, "未提交"),
]


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


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# --- Applicant ------------------------------------------------------------------------------------


class ApplicantForm(forms.Form):
    """申请人与代理人. Everything optional here: the service says what is missing, per field."""

    applicant_type = forms.ChoiceField(
        label="申请人类型",
        choices=ApplicantType.choices,
        initial=ApplicantType.NATURAL_PERSON,
        widget=forms.RadioSelect,
    )
    applicant_name = forms.CharField(label="申请人名称", max_length=200, required=False)
    applicant_id_type = forms.ChoiceField(label="证件类型", choices=IdType.choices, required=False)
    applicant_id_number = forms.CharField(label="证件号码", max_length=30, required=False)
    applicant_credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    legal_representative = forms.CharField(label="法定代表人", max_length=50, required=False)
    applicant_phone = forms.CharField(
        label="联系电话", max_length=11, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    agent_name = forms.CharField(label="代理人姓名", max_length=50, required=False)
    agent_id_type = forms.ChoiceField(label="代理人证件类型", choices=[("", "—"), *IdType.choices], required=False)
    agent_id_number = forms.CharField(label="代理人证件号码", max_length=30, required=False)
    agent_phone = forms.CharField(
        label="代理人电话", max_length=11, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )

    def applicant_data(self) -> ApplicantData:
        data = self.cleaned_data
        return ApplicantData(
            applicant_type=data["applicant_type"],
            name=data.get("applicant_name", ""),
            phone=data.get("applicant_phone", "").strip(),
            id_type=data.get("applicant_id_type") or IdType.RESIDENT_ID,
            id_number=data.get("applicant_id_number", ""),
            credit_code=data.get("applicant_credit_code", ""),
            legal_representative=data.get("legal_representative", ""),
            agent_name=data.get("agent_name", ""),
            agent_id_type=data.get("agent_id_type", ""),
            agent_id_number=data.get("agent_id_number", ""),
            agent_phone=data.get("agent_phone", "").strip(),
        )


def applicant_initial(application) -> dict:
    """The applicant of an earlier application, as initial data of :class:`ApplicantForm`."""
    names = [
        "applicant_type",
        "applicant_name",
        "applicant_id_type",
        "applicant_id_number",
        "applicant_credit_code",
        "legal_representative",
        "applicant_phone",
    ]
    return {name: getattr(application, name) for name in names}


# --- Materials ---------------------------------------------------------------------------------------


class MaterialStatesMixin:
    """One state / promise date / note per catalog material, named ``m<id>_state`` etc."""

    def add_material_fields(self, materials, *, current: dict | None = None) -> None:
        """``materials``: catalog ``Material`` rows; ``current``: {material id: ApplicationMaterial}."""
        self.material_rows = []
        for material in materials:
            existing = (current or {}).get(material.pk)
            default = MaterialStates.PROVIDED if material.is_required else MaterialStates.NOT_APPLICABLE
            if existing is not None:
                default = existing.state
            choices = [
                c for c in INTAKE_STATE_CHOICES if c[0] != MaterialStates.MISSING_PROMISED or material.may_be_missing
            ]
            prefix = f"m{material.pk}"
            self.fields[f"{prefix}_state"] = forms.ChoiceField(
                label=material.name, choices=choices, initial=default, widget=forms.RadioSelect, required=False
            )
            self.fields[f"{prefix}_due"] = forms.DateField(
                label="承诺补交日期",
                required=False,
                widget=DateInput(),
                initial=existing.promise_due_on if existing is not None else None,
            )
            self.fields[f"{prefix}_note"] = forms.CharField(
                label="容缺说明",
                max_length=300,
                required=False,
                initial=existing.promise_note if existing is not None else "",
            )
            self.material_rows.append(
                {
                    "material": material,
                    "state": self[f"{prefix}_state"],
                    "due": self[f"{prefix}_due"],
                    "note": self[f"{prefix}_note"],
                }
            )

    def material_states(self) -> list[MaterialState]:
        states = []
        for row in self.material_rows:
            prefix = f"m{row['material'].pk}"
            state = self.cleaned_data.get(f"{prefix}_state") or MaterialStates.MISSING
            states.append(
                MaterialState(
                    material_id=row["material"].pk,
                    state=state,
                    promise_due_on=self.cleaned_data.get(f"{prefix}_due"),
                    promise_note=self.cleaned_data.get(f"{prefix}_note", ""),
                )
            )
        return states


class IntakeForm(MaterialStatesMixin, ApplicantForm):
    """一窗受理 (窗口接件): applicant, materials, 帮办代办."""

    is_assisted = forms.BooleanField(label="帮办代办（由本窗口工作人员免费代为办理）", required=False)

    def __init__(self, *args, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_material_fields(materials)


class ThemeIntakeForm(MaterialStatesMixin, ApplicantForm):
    """一件事一次办: the applicant once, the materials of every matter of the theme service."""

    is_assisted = forms.BooleanField(label="帮办代办（由本窗口工作人员免费代为办理）", required=False)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = []
        for version in versions:
            self.add_material_fields(list(version.materials.all()))
            self.versions.append({"version": version, "material_rows": self.material_rows})
        self.material_rows = [row for group in self.versions for row in group["material_rows"]]


class OnlineApplyForm(ApplicantForm):
    """网上申请: a citizen for themself or for their enterprise, and the business handling item
    (业务办理项: 新办/变更/延续/注销) when the matter has them (the service checks it is required)."""

    sub_item = forms.TypedChoiceField(label="业务办理项", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sub_items = {s.pk: s for s in version.sub_items.all()} if version is not None else {}
        if self.sub_items:
            self.fields["sub_item"].choices = [(pk, s.name) for pk, s in self.sub_items.items()]
            self.fields["sub_item"].widget = forms.RadioSelect(choices=self.fields["sub_item"].choices)
            self.fields["sub_item"].error_messages["invalid_choice"] = "请从列出的业务办理项中选择。"
        else:
            del self.fields["sub_item"]

    def chosen_sub_item(self):
        return self.sub_items.get(self.cleaned_data.get("sub_item"))


# --- Actions ---------------------------------------------------------------------------------------


class EmptyForm(forms.Form):
    """Actions without input (开始审查, 办结 …)."""

    def service_kwargs(self) -> dict:
        return {}


class AcceptForm(MaterialStatesMixin, forms.Form):
    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        rows = [m for m in application.materials.all() if m.material_id]
        catalog = [m.material for m in rows]
        self.add_material_fields(catalog, current={m.material_id: m for m in rows})

    def service_kwargs(self) -> dict:
        return {"materials": self.material_states()}


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data.get("reason", "")}


class RefuseForm(ReasonForm):
    reason = forms.CharField(
        label="不予受理理由", widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=2000
    )


class WithdrawForm(ReasonForm):
    reason = forms.CharField(label="撤回原因", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RevokeForm(ReasonForm):
    reason = forms.CharField(label="撤销理由", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class SupplementRequestForm(forms.Form):
    """一次性告知补正: every missing material ticked, plus free lines, in one notice."""

    items = forms.MultipleChoiceField(
        label="需补正的材料", required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    extra_items = forms.CharField(
        label="其他需补正事项（每行一项）", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    note = forms.CharField(label="补正说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.materials = {str(m.pk): m for m in application.materials.all()}
        self.fields["items"].choices = [(pk, m.name) for pk, m in self.materials.items()]
        if not self.is_bound:
            self.fields["items"].initial = [
                pk for pk, m in self.materials.items() if m.is_required and m.state == MaterialStates.MISSING
            ]

    def service_kwargs(self) -> dict:
        items = [
            SupplementItem(name=self.materials[pk].name, material_id=self.materials[pk].pk)
            for pk in self.cleaned_data.get("items", [])
        ]
        for line in self.cleaned_data.get("extra_items", "").splitlines():
            if line.strip():
                name, _, note = line.strip().partition("：")
                items.append(SupplementItem(name=name.strip(), note=note.strip()))
        return {"items": items, "note": self.cleaned_data.get("note", "")}


class AssignForm(forms.Form):
    handler = forms.ModelChoiceField(label="承办人", queryset=None, required=False, empty_label="请选择")

    def __init__(self, *args, approvers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = approvers

    def clean_handler(self):
        handler = self.cleaned_data.get("handler")
        if handler is None:
            raise ValidationError("请选择承办人。")
        return handler

    def service_kwargs(self) -> dict:
        return {"handler": self.cleaned_data["handler"]}


class PauseForm(forms.Form):
    """特别程序: 现场勘验 (with date, mode, place and inspector), 专家评审, 听证, 检验检测 …"""

    kind = forms.ChoiceField(label="特别程序类型", choices=[("", "请选择"), *ClockPause.Kind.choices], required=False)
    scheduled_on = forms.DateField(label="计划日期（勘验/评审/听证）", required=False, widget=DateInput())
    mode = forms.ChoiceField(label="勘验方式", choices=[("", "—"), *ClockPause.Mode.choices], required=False)
    location = forms.CharField(label="勘验地点", max_length=200, required=False)
    inspector = forms.ModelChoiceField(label="勘验人员", queryset=None, required=False, empty_label="请选择")
    reason = forms.CharField(label="原因（将书面告知申请人）", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, inspectors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "kind": data.get("kind", ""),
            "reason": data.get("reason", ""),
            "scheduled_on": data.get("scheduled_on"),
        }
        # The inspection fields stay hidden for the other kinds: what was typed there is dropped.
        if kwargs["kind"] == ClockPause.Kind.INSPECTION:
            kwargs.update(mode=data.get("mode", ""), location=data.get("location", ""), inspector=data.get("inspector"))
        return kwargs


class ResumeForm(forms.Form):
    result = forms.CharField(
        label="特别程序结果", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def service_kwargs(self) -> dict:
        return {"result": self.cleaned_data.get("result", "")}


class ExtensionRequestForm(forms.Form):
    """申请延期: the days and the written reason; a supervisor approves it afterwards."""

    days = forms.IntegerField(label="延长工作日数", required=False, min_value=1, max_value=60)
    reason = forms.CharField(label="延期理由（书面）", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def service_kwargs(self) -> dict:
        return {"days": self.cleaned_data.get("days"), "reason": self.cleaned_data.get("reason", "")}


class ExtensionApproveForm(forms.Form):
    note = forms.CharField(label="审批意见（可选）", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def service_kwargs(self) -> dict:
        return {"note": self.cleaned_data.get("note", "")}


class ExtensionRejectForm(ReasonForm):
    reason = forms.CharField(label="驳回理由", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DecideForm(forms.Form):
    approved = forms.TypedChoiceField(
        label="审批结果",
        choices=[("1", "准予许可"), ("0", "不予许可")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    document_number = forms.CharField(label="决定书文号", max_length=60, required=False)
    reasons = forms.CharField(
        label="决定理由（不予许可时必填）", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    e_certificate_number = forms.CharField(label="电子证照编号", max_length=60, required=False)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "approved": data["approved"],
            "document_number": data.get("document_number", ""),
            "reasons": data.get("reasons", ""),
            "e_certificate_number": data.get("e_certificate_number", ""),
        }


class AcceptImmediatelyForm(forms.Form):
    document_number = forms.CharField(label="决定书文号（如有）", max_length=60, required=False)
    e_certificate_number = forms.CharField(label="电子证照编号（如有）", max_length=60, required=False)

    def service_kwargs(self) -> dict:
        return {
            "document_number": self.cleaned_data.get("document_number", "").strip(),
            "e_certificate_number": self.cleaned_data.get("e_certificate_number", "").strip(),
        }


class DeliverForm(forms.Form):
    method = forms.ChoiceField(
        label="送达方式", choices=DeliveryMethod.choices, widget=forms.RadioSelect, initial=DeliveryMethod.PICKUP
    )
    tracking_number = forms.CharField(label="邮寄单号", max_length=40, required=False)

    def service_kwargs(self) -> dict:
        return {"method": self.cleaned_data["method"], "tracking_number": self.cleaned_data.get("tracking_number", "")}


class SupplementForm(forms.Form):
    note = forms.CharField(label="补正说明", required=False, max_length=500)

    def service_kwargs(self) -> dict:
        return {"note": self.cleaned_data.get("note", "")}


class UploadForm(forms.Form):
    file = forms.FileField(label="选择文件（PDF、JPG、PNG，不超过 20 MB）", required=False)


# --- Citizens ------------------------------------------------------------------------------------


class SignupForm(forms.Form):
    phone = forms.CharField(
        label="手机号码", max_length=11, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    full_name = forms.CharField(label="真实姓名", max_length=50, required=False)
    id_number = forms.CharField(label="居民身份证号码", max_length=18, required=False)
    password = forms.CharField(label="密码", strip=False, required=False, widget=forms.PasswordInput())
    password2 = forms.CharField(label="确认密码", strip=False, required=False, widget=forms.PasswordInput())

    def clean(self):
        data = super().clean()
        if not data.get("password"):
            self.add_error("password", "请设置密码。")
        elif data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class TrackForm(forms.Form):
    number = forms.CharField(label="办件编号", max_length=24)
    phone = forms.CharField(label="申请时预留的手机号码", max_length=11)

    error_messages_cn = {"required": "请填写此项。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = "请填写此项。"

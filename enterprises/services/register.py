"""The register (市场主体名录): credit codes, establishment, changes (变更) and 个转企."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enterprises.models import (
    CLOSED_STATUSES,
    CREDIT_CODE_PREFIX,
    DEFAULT_CREDIT_CODE_PREFIX,
    ActKind,
    CreditCodeSequence,
    EntityStatus,
    EntityType,
    Industry,
    MarketEntity,
    RegistrationAct,
)
from enterprises.rollup import flows_record
from hall.services.audit import audit_record, model_snapshot
from hall.validators import credit_code_check_char, validate_credit_code, validate_resident_id

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Fields a 变更登记 may change, with their labels for the history.
CHANGEABLE_FIELDS = {
    "name": "名称",
    "legal_representative": "法定代表人（经营者）",
    "legal_representative_id_number": "法定代表人身份证号码",
    "registered_capital": "注册资本（万元）",
    "address": "住所（经营场所）",
    "industry": "行业门类",
    "contact_phone": "联系电话",
}


def organisation_code(serial: int) -> str:
    """A GB 11714 organisation code: 8 digits and its check character."""
    body = f"{serial:08d}"
    check = 11 - sum(int(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code_build(*, entity_type: str, division_code: str, serial: int) -> str:
    """统一社会信用代码 (GB 32100) of a market entity: 9x + division + organisation code + check."""
    first17 = (
        CREDIT_CODE_PREFIX.get(entity_type, DEFAULT_CREDIT_CODE_PREFIX) + division_code + organisation_code(serial)
    )
    return first17 + credit_code_check_char(first17)


def credit_code_issue(*, entity_type: str, division_code: str) -> str:
    """Issue a new code under the division's row lock; skips codes already on the register (imported)."""
    with transaction.atomic():
        sequence, _ = CreditCodeSequence.objects.get_or_create(division_code=division_code)
        sequence = CreditCodeSequence.objects.select_for_update().get(pk=sequence.pk)
        while True:
            sequence.last_value += 1
            code = credit_code_build(entity_type=entity_type, division_code=division_code, serial=sequence.last_value)
            if not MarketEntity.objects.filter(credit_code=code).exists():
                break
        sequence.save(update_fields=["last_value"])
    return code


def clean_capital(value: Any, errors: dict, field: str = "registered_capital") -> Decimal | None:
    try:
        capital = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        errors[field] = "注册资本应为数字（万元）。"
        return None
    if capital < 0 or capital >= Decimal("1e12"):
        errors[field] = "注册资本应为 0 至 999,999,999,999.99 万元。"
        return None
    return capital.quantize(Decimal("0.01"))


def validate_entity_fields(data: dict[str, Any], errors: dict, *, partial: bool = False) -> dict[str, Any]:
    """Check the registration fields; returns the cleaned values (only those given when ``partial``)."""
    clean: dict[str, Any] = {}

    def given(name: str) -> bool:
        return not partial or name in data

    if given("name"):
        name = str(data.get("name") or "").strip()
        if not 2 <= len(name) <= 200:
            errors["name"] = "请填写市场主体名称（2 至 200 字）。"
        clean["name"] = name
    if given("entity_type"):
        if data.get("entity_type") not in EntityType.values:
            errors["entity_type"] = "请选择市场主体类型。"
        clean["entity_type"] = data.get("entity_type")
    if given("legal_representative"):
        rep = str(data.get("legal_representative") or "").strip()
        if not 2 <= len(rep) <= 50:
            errors["legal_representative"] = "请填写法定代表人（经营者）姓名。"
        clean["legal_representative"] = rep
    if given("legal_representative_id_number"):
        id_number = str(data.get("legal_representative_id_number") or "").strip().upper()
        if id_number or not partial:
            try:
                validate_resident_id(id_number)
            except ValidationError as exc:
                errors["legal_representative_id_number"] = exc.messages[0]
        clean["legal_representative_id_number"] = id_number
    if given("registered_capital"):
        clean["registered_capital"] = clean_capital(data.get("registered_capital", 0), errors)
    if given("address"):
        address = str(data.get("address") or "").strip()
        if not 4 <= len(address) <= 200:
            errors["address"] = "请填写住所（经营场所），4 至 200 字。"
        clean["address"] = address
    if given("industry"):
        if data.get("industry") not in Industry.values:
            errors["industry"] = "请选择国民经济行业门类（GB/T 4754）。"
        clean["industry"] = data.get("industry")
    if "contact_phone" in data:
        phone = str(data.get("contact_phone") or "").strip()
        if phone and not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
            errors["contact_phone"] = "请输入 11 位有效的手机号码。"
        clean["contact_phone"] = phone
    return clean


def _act(entity, kind, *, on: date, by=None, application=None, changes=None, note="", related=None) -> RegistrationAct:
    return RegistrationAct.objects.create(
        entity=entity,
        kind=kind,
        occurred_on=on,
        changes=changes or {},
        note=note,
        application=application,
        related_entity=related,
        actor=by if by is not None and getattr(by, "pk", None) else None,
    )


def entity_register(
    *,
    data: dict[str, Any],
    site,
    by=None,
    application=None,
    credit_code: str = "",
    registered_on: date | None = None,
    converted_from: MarketEntity | None = None,
    ip: str | None = None,
) -> MarketEntity:
    """设立登记: put a new entity on the register with its credit code (issued when not given)."""
    errors: dict[str, str] = {}
    clean = validate_entity_fields(data, errors)
    if credit_code:
        try:
            validate_credit_code(credit_code)
        except ValidationError as exc:
            errors["credit_code"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    on = registered_on or timezone.localdate()
    with transaction.atomic():
        code = credit_code.strip().upper() or credit_code_issue(
            entity_type=clean["entity_type"], division_code=site.division.code
        )
        if MarketEntity.objects.filter(credit_code=code).exists():
            raise ValidationError({"credit_code": f"统一社会信用代码 {code} 已在登记名录中，不能重复登记。"})
        entity = MarketEntity.objects.create(
            credit_code=code,
            **clean,
            site=site,
            division_id=site.division_id,
            registered_on=on,
            converted_from=converted_from,
        )
        _act(entity, ActKind.ESTABLISH, on=on, by=by, application=application)
        flows_record(registered=[(on, entity.entity_type, entity.site_id)])
        audit_record(actor=by, action="entity.register", obj=entity, after=model_snapshot(entity), ip=ip)
    return entity


def _locked(entity: MarketEntity) -> MarketEntity:
    return MarketEntity.objects.select_for_update().get(pk=entity.pk)


def check_open(entity: MarketEntity, what: str) -> None:
    if entity.status in CLOSED_STATUSES:
        raise ValidationError(
            {"entity": f"{entity.name}已{entity.get_status_display().lstrip('已')}，不能办理{what}。"}
        )


def entity_change(
    *, entity: MarketEntity, changes: dict[str, Any], by, application=None, ip: str | None = None
) -> MarketEntity:
    """变更登记: change some registered fields; the old and new values go into the history."""
    unknown = sorted(set(changes) - set(CHANGEABLE_FIELDS))
    if unknown:
        raise ValidationError({"changes": f"以下事项不能通过变更登记修改：{'、'.join(unknown)}。"})
    errors: dict[str, str] = {}
    clean = validate_entity_fields(changes, errors, partial=True)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entity = _locked(entity)
        check_open(entity, "变更登记")
        if entity.status == EntityStatus.IN_NOTICE:
            raise ValidationError({"entity": f"{entity.name}正在简易注销公示期，不能办理变更登记。"})
        diff = {}
        for name, value in clean.items():
            old = getattr(entity, name)
            if old != value:
                diff[name] = {"label": CHANGEABLE_FIELDS[name], "before": str(old), "after": str(value)}
                setattr(entity, name, value)
        if not diff:
            raise ValidationError({"changes": "没有发生变化的登记事项。"})
        before = model_snapshot(entity)
        entity.save()
        _act(entity, ActKind.CHANGE, on=timezone.localdate(), by=by, application=application, changes=diff)
        audit_record(actor=by, action="entity.change", obj=entity, before=before, after=diff, ip=ip)
    return entity


def entity_convert(
    *, entity: MarketEntity, data: dict[str, Any], by, site, application=None, ip: str | None = None
) -> MarketEntity:
    """个转企: an individual business becomes an enterprise; both records link to each other."""
    if data.get("entity_type") in (EntityType.INDIVIDUAL, None, ""):
        raise ValidationError({"entity_type": "个转企须选择企业类型（如有限责任公司、个人独资企业）。"})
    with transaction.atomic():
        entity = _locked(entity)
        if entity.entity_type != EntityType.INDIVIDUAL:
            raise ValidationError({"entity": "只有个体工商户可以办理个转企。"})
        check_open(entity, "个转企")
        if entity.status != EntityStatus.ACTIVE:
            raise ValidationError(
                {"entity": f"{entity.name}当前状态为“{entity.get_status_display()}”，不能办理个转企。"}
            )
        values = {
            "name": entity.name,
            "legal_representative": entity.legal_representative,
            "legal_representative_id_number": entity.legal_representative_id_number,
            "registered_capital": entity.registered_capital,
            "address": entity.address,
            "industry": entity.industry,
            "contact_phone": entity.contact_phone,
            **{k: v for k, v in data.items() if v not in (None, "")},
        }
        enterprise = entity_register(
            data=values, site=site, by=by, application=application, converted_from=entity, ip=ip
        )
        today = timezone.localdate()
        before = model_snapshot(entity)
        entity.status = EntityStatus.DEREGISTERED
        entity.deregistered_on = today
        entity.save(update_fields=["status", "deregistered_on", "updated_at"])
        flows_record(deregistered=[(today, entity.entity_type, entity.site_id)])
        note = f"个体工商户转为{enterprise.get_entity_type_display()}"
        _act(entity, ActKind.CONVERT, on=today, by=by, application=application, related=enterprise, note=note)
        _act(enterprise, ActKind.CONVERT, on=today, by=by, application=application, related=entity, note=note)
        audit_record(actor=by, action="entity.convert", obj=entity, before=before, after=model_snapshot(entity), ip=ip)
    return enterprise

"""Exits and pauses: 简易注销 with its 20-day public notice and objections, 普通注销, 歇业 and its sweeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from approvals.models import Decision
from enterprises.models import (
    ActKind,
    Deregistration,
    Dormancy,
    EntityStatus,
    EntityType,
    MarketEntity,
    Objection,
    RegistrationAct,
)
from enterprises.rollup import flows_record
from enterprises.services.register import _act, _locked, check_open
from hall.services.audit import audit_record, model_snapshot
from hall.validators import validate_mobile_phone

NOTICE_DAYS = 20  # 简易注销公示期 (calendar days, 国务院令第746号 第三十三条)
DORMANCY_MAX_YEARS = 3
EXTENSION_WINDOW_DAYS = 30  # an extension is filed within the 30 days before the period ends


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- Deregistration (注销) ---------------------------------------------------------------------------


def _deregister(entity: MarketEntity, *, on: date, by, note: str, application=None) -> None:
    # A revoked entity (吊销) already left the stock on its revocation day: keep that exit date.
    if entity.status != EntityStatus.REVOKED:
        entity.deregistered_on = on
        flows_record(deregistered=[(on, entity.entity_type, entity.site_id)])
    entity.status = EntityStatus.DEREGISTERED
    entity.save(update_fields=["status", "deregistered_on", "updated_at"])
    _act(entity, ActKind.DEREGISTER, on=on, by=by, application=application, note=note)


def deregistration_file(
    *,
    entity: MarketEntity,
    kind: str,
    by,
    no_unsettled_debts: bool = False,
    investors_promise: bool = False,
    reason: str = "",
    application=None,
    today: date | None = None,
    ip: str | None = None,
) -> Deregistration:
    """File a deregistration. 简易注销 needs no unsettled debts and every investor's written promise,
    then opens a 20-day public notice (个体工商户 need none); 普通注销 deregisters on its decision,
    also for a revoked entity (吊销后注销), linked to its application (办件) where there is one."""
    errors = {}
    if kind not in Deregistration.Kind.values:
        errors["kind"] = "请选择注销方式。"
    if kind == Deregistration.Kind.SIMPLE:
        if not no_unsettled_debts:
            errors["no_unsettled_debts"] = "简易注销须确认无债权债务或债权债务已清算完结。"
        if not investors_promise:
            errors["investors_promise"] = "简易注销须提交全体投资人书面承诺。"
    if errors:
        raise ValidationError(errors)
    on = _today(today)
    with transaction.atomic():
        entity = _locked(entity)
        if entity.status == EntityStatus.REVOKED and kind == Deregistration.Kind.SIMPLE:
            raise ValidationError({"kind": f"{entity.name}已被吊销营业执照，须办理普通注销。"})
        if entity.status != EntityStatus.REVOKED:
            check_open(entity, "注销登记")
        if entity.status not in (EntityStatus.ACTIVE, EntityStatus.REVOKED):
            raise ValidationError({"entity": f"{entity.name}当前状态为“{entity.get_status_display()}”，不能申请注销。"})
        skip_notice = kind == Deregistration.Kind.ORDINARY or entity.entity_type == EntityType.INDIVIDUAL
        record = Deregistration(
            entity=entity,
            kind=kind,
            no_unsettled_debts=no_unsettled_debts,
            investors_promise=investors_promise,
            reason=reason.strip(),
            application=application,
            filed_by=by,
        )
        before = model_snapshot(entity)
        if skip_notice:
            record.state = Deregistration.State.DEREGISTERED
            record.decided_on = on
            record.save()
            _deregister(entity, on=on, by=by, note=record.get_kind_display(), application=application)
        else:
            record.state = Deregistration.State.IN_NOTICE
            record.notice_starts_on = on
            record.notice_ends_on = on + timedelta(days=NOTICE_DAYS - 1)
            record.save()
            entity.status = EntityStatus.IN_NOTICE
            entity.save(update_fields=["status", "updated_at"])
            note = f"简易注销公示 {record.notice_starts_on:%Y-%m-%d} 至 {record.notice_ends_on:%Y-%m-%d}"
            _act(entity, ActKind.NOTICE, on=on, by=by, application=application, note=note)
        audit_record(
            actor=by, action=f"entity.deregister_{kind}", obj=entity, before=before, after=model_snapshot(entity), ip=ip
        )
    return record


ORDINARY_DEREGISTRATION_MATTER = "注销登记"  # the catalog's words for the 普通注销 matters


def deregistration_on_decision(*, application, by) -> Deregistration | None:
    """普通注销 run as a plain application (办件): when a 注销登记 application of an entity on the
    register is approved, the entity is deregistered in the same transaction, the act linked to it.

    Called by ``on_application_transitioned``; an entity already deregistered is left alone, so a
    repeated signal changes nothing, and a state that cannot be deregistered refuses the decision.
    """
    if application.decision != Decision.APPROVED or not application.applicant_credit_code:
        return None
    names = [application.matter_version.name, application.sub_item.name if application.sub_item_id else ""]
    if not any(ORDINARY_DEREGISTRATION_MATTER in name for name in names):
        return None
    entity = MarketEntity.objects.filter(credit_code=application.applicant_credit_code).first()
    if entity is None or entity.status == EntityStatus.DEREGISTERED:
        return None
    return deregistration_file(
        entity=entity,
        kind=Deregistration.Kind.ORDINARY,
        by=by,
        reason=f"{max(names, key=len)}（办件 {application.number}）准予注销",
        application=application,
    )


def objection_file(
    *,
    deregistration: Deregistration,
    objector_name: str,
    objector_phone: str,
    reason: str,
    today: date | None = None,
    ip: str | None = None,
) -> Objection:
    """An objection (异议) during the public notice stops the 简易注销; the entity is back in existence."""
    errors = {}
    if not 2 <= len(objector_name.strip()) <= 100:
        errors["objector_name"] = "请填写异议人名称（2 至 100 字）。"
    try:
        validate_mobile_phone(objector_phone.strip())
    except ValidationError as exc:
        errors["objector_phone"] = exc.messages[0]
    if len(reason.strip()) < 5:
        errors["reason"] = "请写明异议理由（不少于 5 个字）。"
    if errors:
        raise ValidationError(errors)
    on = _today(today)
    with transaction.atomic():
        record = Deregistration.objects.select_for_update().select_related("entity").get(pk=deregistration.pk)
        if record.state != Deregistration.State.IN_NOTICE or on > record.notice_ends_on:
            raise ValidationError({"deregistration": "该简易注销已不在公示期内，不能再提出异议。"})
        objection = Objection.objects.create(
            deregistration=record,
            objector_name=objector_name.strip(),
            objector_phone=objector_phone.strip(),
            reason=reason.strip(),
        )
        record.state = Deregistration.State.OBJECTED
        record.save(update_fields=["state"])
        entity = _locked(record.entity)
        entity.status = EntityStatus.ACTIVE
        entity.save(update_fields=["status", "updated_at"])
        _act(entity, ActKind.OBJECTION, on=on, note=f"异议人：{objection.objector_name}；简易注销终止")
        audit_record(actor=None, action="entity.objection", obj=record, after={"objection": objection.pk}, ip=ip)
    return objection


def deregistrations_sweep(*, today: date | None = None) -> int:
    """Deregister every 简易注销 whose 20-day notice has passed without objection (Celery beat).

    Set-based and idempotent: only rows still in notice are taken, under ``skip_locked``.
    """
    on = _today(today)
    with transaction.atomic():
        due = list(
            Deregistration.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=Deregistration.State.IN_NOTICE, notice_ends_on__lt=on)
            .values_list("pk", "entity_id")
        )
        if not due:
            return 0
        ids, entity_ids = [pk for pk, _ in due], [e for _, e in due]
        Deregistration.objects.filter(pk__in=ids).update(state=Deregistration.State.DEREGISTERED, decided_on=on)
        MarketEntity.objects.filter(pk__in=entity_ids).update(
            status=EntityStatus.DEREGISTERED, deregistered_on=on, updated_at=timezone.now()
        )
        flows_record(
            deregistered=[
                (on, t, site)
                for t, site in MarketEntity.objects.filter(pk__in=entity_ids).values_list("entity_type", "site_id")
            ]
        )
        RegistrationAct.objects.bulk_create(
            RegistrationAct(
                entity_id=e, kind=ActKind.DEREGISTER, occurred_on=on, note="简易注销公示期满无异议，准予注销"
            )
            for e in entity_ids
        )
        audit_record(actor=None, action="entity.deregister_sweep", after={"entities": entity_ids})
    return len(due)


def entity_revoke(
    *,
    entity: MarketEntity,
    decision_number: str,
    reason: str,
    by,
    today: date | None = None,
    ip: str | None = None,
) -> MarketEntity:
    """吊销营业执照 (revocation, an administrative penalty): the entity stops trading and leaves the
    stock that day, as imported 吊销 rows do; it still exists in law until a 普通注销 (吊销后注销)."""
    errors = {}
    number = decision_number.strip()
    if not 4 <= len(number) <= 100:
        errors["decision_number"] = "请填写行政处罚决定书文号（4 至 100 字）。"
    if len(reason.strip()) < 4:
        errors["reason"] = "请写明吊销营业执照的事实和依据（不少于 4 个字）。"
    if errors:
        raise ValidationError(errors)
    on = _today(today)
    with transaction.atomic():
        entity = _locked(entity)
        check_open(entity, "吊销营业执照")
        if entity.status == EntityStatus.IN_NOTICE:
            raise ValidationError({"entity": f"{entity.name}正在简易注销公示期，请先终止公示再作出吊销决定。"})
        before = model_snapshot(entity)
        entity.status = EntityStatus.REVOKED
        entity.deregistered_on = on
        entity.save(update_fields=["status", "deregistered_on", "updated_at"])
        flows_record(deregistered=[(on, entity.entity_type, entity.site_id)])
        _act(
            entity,
            ActKind.REVOKE,
            on=on,
            by=by,
            changes={"decision_number": number},
            note=f"行政处罚决定书 {number}：{reason.strip()}",
        )
        audit_record(actor=by, action="entity.revoke", obj=entity, before=before, after=model_snapshot(entity), ip=ip)
    return entity


# --- Dormancy (歇业) --------------------------------------------------------------------------------


def _check_total(entity: MarketEntity, starts_on: date, ends_on: date) -> None:
    periods = list(Dormancy.objects.filter(entity=entity).values_list("starts_on", "ends_on"))
    first = min([starts_on, *(s for s, _ in periods)])
    limit = (_add_years(first, DORMANCY_MAX_YEARS) - first).days
    used = sum((e - s).days + 1 for s, e in periods)
    asked = (ends_on - starts_on).days + 1
    if used + asked > limit:
        raise ValidationError(
            {
                "ends_on": f"歇业期限累计不得超过 {DORMANCY_MAX_YEARS} 年（{limit} 日）：已歇业 {used} 日，"
                f"本次 {asked} 日，最多还可申请 {max(limit - used, 0)} 日。"
            }
        )


def dormancy_file(
    *,
    entity: MarketEntity,
    starts_on: date,
    ends_on: date,
    by,
    reason: str = "",
    today: date | None = None,
    ip: str | None = None,
) -> Dormancy:
    """歇业备案: filed before it starts, at most 3 years in total across all periods."""
    on = _today(today)
    errors = {}
    if starts_on is None or starts_on <= on:
        errors["starts_on"] = "歇业须在开始前备案：开始日期应晚于今天。"
    if ends_on is None or (starts_on is not None and ends_on < starts_on):
        errors["ends_on"] = "结束日期不能早于开始日期。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entity = _locked(entity)
        check_open(entity, "歇业备案")
        if entity.status != EntityStatus.ACTIVE:
            raise ValidationError({"entity": f"{entity.name}当前状态为“{entity.get_status_display()}”，不能备案歇业。"})
        if Dormancy.objects.filter(entity=entity).exclude(state=Dormancy.State.ENDED).exists():
            raise ValidationError({"starts_on": "该市场主体已有未结束的歇业备案，请办理延期。"})
        _check_total(entity, starts_on, ends_on)
        dormancy = Dormancy.objects.create(
            entity=entity, starts_on=starts_on, ends_on=ends_on, reason=reason.strip(), filed_by=by
        )
        _act(entity, ActKind.DORMANCY, on=on, by=by, note=f"歇业 {starts_on:%Y-%m-%d} 至 {ends_on:%Y-%m-%d}")
        audit_record(actor=by, action="entity.dormancy", obj=dormancy, after=model_snapshot(dormancy), ip=ip)
    return dormancy


def dormancy_extend(
    *, dormancy: Dormancy, ends_on: date, by, today: date | None = None, ip: str | None = None
) -> Dormancy:
    """歇业延期: only within the 30 days before the period ends; the 3-year total still holds."""
    on = _today(today)
    with transaction.atomic():
        current = Dormancy.objects.select_for_update().select_related("entity").get(pk=dormancy.pk)
        if current.state == Dormancy.State.ENDED or hasattr(current, "extension"):
            raise ValidationError({"ends_on": "该歇业期已结束或已延期，不能再次延期。"})
        opens = current.ends_on - timedelta(days=EXTENSION_WINDOW_DAYS - 1)
        if not opens <= on <= current.ends_on:
            raise ValidationError(
                {
                    "ends_on": f"歇业延期须在歇业期满前 {EXTENSION_WINDOW_DAYS} 日内提出："
                    f"本期歇业至 {current.ends_on:%Y-%m-%d}，可在 {opens:%Y-%m-%d} 至 {current.ends_on:%Y-%m-%d} 申请。"
                }
            )
        starts_on = current.ends_on + timedelta(days=1)
        if ends_on is None or ends_on < starts_on:
            raise ValidationError({"ends_on": f"延期后的结束日期应晚于 {current.ends_on:%Y-%m-%d}。"})
        entity = _locked(current.entity)
        _check_total(entity, starts_on, ends_on)
        extension = Dormancy.objects.create(
            entity=entity, starts_on=starts_on, ends_on=ends_on, extends=current, reason=current.reason, filed_by=by
        )
        _act(entity, ActKind.DORMANCY_EXTEND, on=on, by=by, note=f"歇业延期至 {ends_on:%Y-%m-%d}")
        audit_record(actor=by, action="entity.dormancy_extend", obj=extension, after=model_snapshot(extension), ip=ip)
    return extension


@dataclass
class DormancySweep:
    started: int = 0
    resumed: int = 0
    reminded: int = 0


def dormancies_sweep(*, today: date | None = None) -> DormancySweep:
    """Start due dormancies, resume entities whose period ended, remind registrants in advance (Celery beat).

    Set-based and idempotent: each step selects only rows still due.
    """
    from approvals.services import sms_enqueue

    on = _today(today)
    result = DormancySweep()
    remind_days = int(getattr(settings, "ENTERPRISES_DORMANCY_REMIND_DAYS", 10))
    with transaction.atomic():
        ended = list(
            Dormancy.objects.select_for_update(skip_locked=True)
            .filter(state__in=(Dormancy.State.FILED, Dormancy.State.ACTIVE), ends_on__lt=on)
            .values_list("pk", "entity_id")
        )
        Dormancy.objects.filter(pk__in=[pk for pk, _ in ended]).update(state=Dormancy.State.ENDED)
        starting = list(
            Dormancy.objects.select_for_update(skip_locked=True)
            .filter(state=Dormancy.State.FILED, starts_on__lte=on, ends_on__gte=on)
            .values_list("pk", "entity_id")
        )
        Dormancy.objects.filter(pk__in=[pk for pk, _ in starting]).update(state=Dormancy.State.ACTIVE)
        dormant_ids = {e for _, e in starting}
        resumed_ids = {e for _, e in ended} - dormant_ids
        # An entity whose extension has just started stays dormant.
        resumed_ids -= set(
            Dormancy.objects.filter(entity_id__in=resumed_ids, state=Dormancy.State.ACTIVE).values_list(
                "entity_id", flat=True
            )
        )
        result.started = MarketEntity.objects.filter(pk__in=dormant_ids, status=EntityStatus.ACTIVE).update(
            status=EntityStatus.DORMANT, updated_at=timezone.now()
        )
        resumed = list(
            MarketEntity.objects.filter(pk__in=resumed_ids, status=EntityStatus.DORMANT).values_list("pk", flat=True)
        )
        MarketEntity.objects.filter(pk__in=resumed).update(status=EntityStatus.ACTIVE, updated_at=timezone.now())
        RegistrationAct.objects.bulk_create(
            RegistrationAct(entity_id=e, kind=ActKind.RESUME, occurred_on=on, note="歇业期满，视为恢复营业")
            for e in resumed
        )
        result.resumed = len(resumed)
        due = list(
            Dormancy.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                state=Dormancy.State.ACTIVE,
                reminded_at__isnull=True,
                ends_on__lte=on + timedelta(days=remind_days),
                extension__isnull=True,
            )
            .select_related("entity")
        )
        for dormancy in due:
            if dormancy.entity.contact_phone:
                sms_enqueue(
                    phone=dormancy.entity.contact_phone,
                    body=f"{dormancy.entity.name}的歇业期将于 {dormancy.ends_on:%Y年%m月%d日} 届满，期满视为恢复营业；"
                    f"如需延期，请在期满前 {EXTENSION_WINDOW_DAYS} 日内办理。",
                    dedupe_key=f"dormancy-remind-{dormancy.pk}",
                )
        Dormancy.objects.filter(pk__in=[d.pk for d in due]).update(reminded_at=timezone.now())
        result.reminded = len(due)
        if result.started or result.resumed or result.reminded:
            audit_record(
                actor=None,
                action="entity.dormancy_sweep",
                after={"started": sorted(dormant_ids), "resumed": resumed, "reminded": [d.pk for d in due]},
            )
    return result

"""Every write of an application's life cycle (办件全流程): intake, acceptance, review, decision, delivery.

Each transition service runs in ``transaction.atomic()``, re-reads the row with
``select_for_update()``, checks the transitions table, changes the row, appends an
``ApplicationEvent``, writes the audit record and queues the SMS to the applicant after commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from approvals import clock
from approvals.models import (
    ApplicantType,
    Application,
    ApplicationBundle,
    ApplicationEvent,
    ApplicationMaterial,
    Channel,
    ClockExtension,
    ClockPause,
    ClockState,
    Decision,
    DeliveryMethod,
    IdType,
    NumberSequence,
    Status,
)
from approvals.signals import application_transitioned
from approvals.sms import sms_enqueue
from approvals.transitions import ACTION_LABELS, Action, TransitionNotAllowed, check_transition
from hall.catalog.models import Material, MatterVersion, OnlineDepth, ThemeService
from hall.models import Notification, Site, User
from hall.services.audit import audit_record
from hall.services.notifications import notification_send
from hall.validators import validate_credit_code, validate_mobile_phone, validate_resident_id
from hall.workdays import WorkingCalendar, current_calendar

# Namespace of the PostgreSQL advisory locks that serialise number issuing (first key).
NUMBER_LOCK_NAMESPACE = 734_2026
ONLINE_DEPTHS = (OnlineDepth.III, OnlineDepth.IV)
AUDIT_FIELDS = [
    "status",
    "clock_state",
    "accepted_on",
    "promised_deadline",
    "legal_deadline",
    "paused_working_days",
    "extended_working_days",
    "handler_id",
    "decision",
    "warning_level",
]


# --- Input data -----------------------------------------------------------------------------------


@dataclass
class ApplicantData:
    """The applicant (申请人) — natural or legal person — and an optional agent (代理人)."""

    applicant_type: str
    name: str
    phone: str
    id_type: str = IdType.RESIDENT_ID
    id_number: str = ""
    credit_code: str = ""
    legal_representative: str = ""
    agent_name: str = ""
    agent_id_type: str = ""
    agent_id_number: str = ""
    agent_phone: str = ""


@dataclass
class MaterialState:
    """The state of one catalog material at intake: provided, 容缺 with a due date, or not applicable."""

    material_id: int
    state: str
    promise_due_on: date | None = None
    promise_note: str = ""


@dataclass
class SupplementItem:
    """One line of the supplement notice (补正告知): a material (or free text) and what is wrong."""

    name: str
    note: str = ""
    material_id: int | None = None


@dataclass
class _Change:
    """What a transition did, for the history, audit and SMS."""

    note: str = ""
    sms: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --- Validation helpers -------------------------------------------------------------------------


def _check_id(id_type: str, id_number: str, field_name: str, errors: dict) -> None:
    if not id_number:
        errors[field_name] = "请填写证件号码。"
        return
    if id_type == IdType.RESIDENT_ID:
        try:
            validate_resident_id(id_number)
        except ValidationError as exc:
            errors[field_name] = exc.messages
    elif len(id_number) < 5:
        errors[field_name] = "证件号码格式不正确。"


def _check_phone(phone: str, field_name: str, errors: dict) -> None:
    try:
        validate_mobile_phone(phone)
    except ValidationError as exc:
        errors[field_name] = exc.messages


def validate_applicant(applicant: ApplicantData) -> None:
    """Check the applicant: ID numbers and credit codes with their check digits, phones by format."""
    errors: dict[str, Any] = {}
    if applicant.applicant_type not in ApplicantType.values:
        errors["applicant_type"] = "请选择申请人类型（自然人或法人）。"
    if not applicant.name.strip():
        errors["applicant_name"] = "请填写申请人名称。"
    _check_phone(applicant.phone, "applicant_phone", errors)
    if applicant.applicant_type == ApplicantType.NATURAL_PERSON:
        if applicant.id_type not in IdType.values:
            errors["applicant_id_type"] = "请选择证件类型。"
        else:
            _check_id(applicant.id_type, applicant.id_number.strip().upper(), "applicant_id_number", errors)
    elif applicant.applicant_type == ApplicantType.LEGAL_PERSON:
        try:
            validate_credit_code(applicant.credit_code)
        except ValidationError as exc:
            errors["applicant_credit_code"] = exc.messages
        if not applicant.legal_representative.strip():
            errors["legal_representative"] = "请填写法定代表人姓名。"
    if applicant.agent_name or applicant.agent_id_number or applicant.agent_phone:
        if not applicant.agent_name.strip():
            errors["agent_name"] = "请填写代理人姓名。"
        agent_id_type = applicant.agent_id_type or IdType.RESIDENT_ID
        if agent_id_type not in IdType.values:
            errors["agent_id_type"] = "请选择代理人证件类型。"
        _check_id(agent_id_type, applicant.agent_id_number.strip().upper(), "agent_id_number", errors)
        _check_phone(applicant.agent_phone, "agent_phone", errors)
    if errors:
        raise ValidationError(errors)


def _applicant_fields(applicant: ApplicantData) -> dict[str, Any]:
    natural = applicant.applicant_type == ApplicantType.NATURAL_PERSON
    has_agent = bool(applicant.agent_name)
    return {
        "applicant_type": applicant.applicant_type,
        "applicant_name": applicant.name.strip(),
        "applicant_id_type": applicant.id_type if natural else "",
        "applicant_id_number": applicant.id_number.strip().upper() if natural else "",
        "applicant_credit_code": "" if natural else applicant.credit_code.strip().upper(),
        "legal_representative": "" if natural else applicant.legal_representative.strip(),
        "applicant_phone": applicant.phone,
        "agent_name": applicant.agent_name.strip(),
        "agent_id_type": (applicant.agent_id_type or IdType.RESIDENT_ID) if has_agent else "",
        "agent_id_number": applicant.agent_id_number.strip().upper() if has_agent else "",
        "agent_phone": applicant.agent_phone if has_agent else "",
    }


def _material_rows(
    version: MatterVersion, states: list[MaterialState] | None, *, today: date
) -> list[ApplicationMaterial]:
    """One row per catalog material of ``version``; unspecified ones are missing (or n/a if optional)."""
    catalog = list(version.materials.all())
    by_id = {m.pk: m for m in catalog}
    given = {s.material_id: s for s in states or []}
    errors = []
    for material_id, entry in given.items():
        material = by_id.get(material_id)
        if material is None:
            errors.append(f"材料编号 {material_id} 不属于事项“{version.name}”。")
            continue
        if entry.state not in ApplicationMaterial.State.values:
            errors.append(f"“{material.name}”的状态无效。")
        elif entry.state == ApplicationMaterial.State.MISSING_PROMISED:
            if not material.may_be_missing:
                errors.append(f"“{material.name}”不属于可容缺受理的材料。")
            elif entry.promise_due_on is None or entry.promise_due_on <= today:
                errors.append(f"“{material.name}”容缺受理须填写今天以后的承诺补交日期。")
    if errors:
        raise ValidationError({"materials": errors})
    rows = []
    for material in catalog:
        entry = given.get(material.pk)
        default = (
            ApplicationMaterial.State.MISSING if material.is_required else ApplicationMaterial.State.NOT_APPLICABLE
        )
        state = entry.state if entry else default
        rows.append(
            ApplicationMaterial(
                material=material,
                name=material.name,
                is_required=material.is_required,
                state=state,
                promise_due_on=entry.promise_due_on if entry and state == "promised" else None,
                promise_note=entry.promise_note if entry and state == "promised" else "",
                sort_order=material.sort_order,
            )
        )
    return rows


# --- Numbers ------------------------------------------------------------------------------------


def issue_numbers(*, year: int, division_code: str, count: int = 1) -> list[str]:
    """Issue ``count`` application numbers ``YYYY`` + division code + 6-digit sequence (办件编号).

    Call inside a transaction. On PostgreSQL an advisory lock serialises issuers (also the very
    first one of a year, when the sequence row does not exist yet); on SQLite the IMMEDIATE
    transaction mode already does. The unique constraint on ``Application.number`` is the backstop.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NUMBER_LOCK_NAMESPACE + year, int(division_code)])
    sequence, _ = NumberSequence.objects.select_for_update().get_or_create(year=year, division_code=division_code)
    start = sequence.last_value + 1
    sequence.last_value += count
    if sequence.last_value > 999_999:
        raise ValidationError({"number": "本年度办件编号已用尽，请联系系统管理员。"})
    sequence.save(update_fields=["last_value"])
    return [f"{year}{division_code}{n:06d}" for n in range(start, start + count)]


# --- Shared steps ---------------------------------------------------------------------------------


def _snapshot(app: Application) -> dict[str, Any]:
    data = {}
    for name in AUDIT_FIELDS:
        value = getattr(app, name)
        data[name] = value if isinstance(value, (int, bool, str, type(None))) else str(value)
    return data


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _record(
    app: Application,
    *,
    action: str,
    from_status: str,
    by: User | None,
    before: dict | None,
    change: _Change,
    ip: str | None,
) -> ApplicationEvent:
    """Append the history entry, the audit record and the SMS of one transition."""
    event = ApplicationEvent.objects.create(
        application=app,
        action=action,
        from_status=from_status,
        to_status=app.status,
        actor=by if by is not None and by.pk else None,
        actor_repr=str(by) if by is not None else "系统",
        note=change.note,
    )
    audit_record(
        actor=by,
        action=f"application.{action}",
        obj=app,
        before=before,
        after={**_snapshot(app), **change.extra},
        note=change.note,
        ip=ip,
    )
    if change.sms:
        sms_enqueue(phone=app.applicant_phone, body=change.sms, application=app)
    application_transitioned.send(
        sender=Application, application=app, action=action, from_status=from_status, to_status=app.status, by=by
    )
    return event


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _start_clock(app: Application, *, on: date, today: date, calendar: WorkingCalendar) -> None:
    """Start the clock with acceptance on ``on`` (the receipt date when deemed accepted)."""
    app.accepted_at = timezone.now()
    app.accepted_on = on
    app.clock_state = ClockState.RUNNING
    app.promised_deadline, app.legal_deadline = clock.deadlines_for(app, calendar=calendar)
    app.warning_level = clock.warning_level_on(today, app.promised_deadline, app.promised_limit_days, calendar=calendar)


def _stop_clock(app: Application, *, on: date, calendar: WorkingCalendar) -> None:
    """Stop the clock (withdrawal, revocation): close an open pause so its days are counted."""
    if app.clock_state == ClockState.PAUSED and app.paused_since:
        days = clock.paused_working_days(app.paused_since, on, calendar=calendar)
        app.paused_working_days += days
        ClockPause.objects.filter(application=app, ended_on__isnull=True).update(ended_on=on, working_days=days)
        app.paused_since = None
    if app.clock_state != ClockState.NOT_STARTED:
        app.clock_state = ClockState.STOPPED


def _missing_required(app: Application) -> list[str]:
    return list(
        app.materials.filter(is_required=True, state=ApplicationMaterial.State.MISSING).values_list("name", flat=True)
    )


def _matter_name(app: Application) -> str:
    return app.matter_version.name


# --- Intake -----------------------------------------------------------------------------------------


def _open_application(
    *,
    version: MatterVersion,
    applicant: ApplicantData,
    number: str,
    channel: str,
    site: Site,
    status: str,
    material_states: list[MaterialState] | None,
    received_by: User | None = None,
    applicant_user: User | None = None,
    is_assisted: bool = False,
    assisted_by: User | None = None,
    bundle: ApplicationBundle | None = None,
    promised_limit_days: int | None = None,
) -> Application:
    """Create one application with a row for each material its matter version requires."""
    now = timezone.now()
    rows = _material_rows(version, material_states, today=timezone.localdate(now))
    app = Application(
        number=number,
        matter_version=version,
        bundle=bundle,
        **_applicant_fields(applicant),
        applicant_user=applicant_user,
        channel=channel,
        site=site,
        received_by=received_by,
        department_id=version.department_id,
        is_assisted=is_assisted,
        assisted_by=assisted_by if is_assisted else None,
        status=status,
        received_at=now,
        received_on=timezone.localdate(now),
        promised_limit_days=version.promised_limit_days if promised_limit_days is None else promised_limit_days,
        legal_limit_days=version.legal_limit_days,
    )
    app.save()
    for row in rows:
        row.application = app
    ApplicationMaterial.objects.bulk_create(rows)
    return app


def _link_current_ticket(*, by: User, numbers: list[str], ip: str | None) -> None:
    """Link new application numbers to the queue ticket being served at the clerk's window (叫号关联办件).

    Called inside the intake's transaction, so the link and the application commit together.
    """
    if not by.window_id:
        return
    from hall.queue.selectors import window_current_ticket
    from hall.queue.services import ticket_link_application

    ticket = window_current_ticket(by.window)
    if ticket is None:
        return
    for number in numbers:
        ticket_link_application(ticket=ticket, application_number=number, by=by, ip=ip)


def _check_version(version: MatterVersion) -> None:
    if version.status != MatterVersion.Status.PUBLISHED:
        raise ValidationError({"matter_version": f"事项“{version.name}”当前版本未发布，不能申请。"})


def _check_assisted(is_assisted: bool, assisted_by: User | None) -> None:
    if is_assisted and (assisted_by is None or not assisted_by.is_bureau_staff):
        raise ValidationError({"assisted_by": "帮办代办须选择提供帮办的工作人员。"})


def application_receive(
    *,
    version: MatterVersion,
    applicant: ApplicantData,
    by: User,
    channel: str = Channel.WINDOW,
    materials: list[MaterialState] | None = None,
    is_assisted: bool = False,
    assisted_by: User | None = None,
    applicant_user: User | None = None,
    ip: str | None = None,
) -> Application:
    """Receive (接件) an application at a window of the clerk's site, with the materials' states."""
    check_transition(None, Action.RECEIVE, by)
    _check_version(version)
    validate_applicant(applicant)
    _check_assisted(is_assisted, assisted_by)
    if channel not in (Channel.WINDOW, Channel.TOWN_SITE, Channel.POST):
        raise ValidationError({"channel": "窗口接件的渠道应为窗口、乡镇便民服务中心或邮寄。"})
    if by.site_id is None:
        raise ValidationError({"site": "您的账号未设置工作场所，不能接件。"})
    with transaction.atomic():
        site = Site.objects.select_related("division").get(pk=by.site_id)
        (number,) = issue_numbers(year=timezone.localdate().year, division_code=site.division.code)
        app = _open_application(
            version=version,
            applicant=applicant,
            number=number,
            channel=channel,
            site=site,
            status=Status.RECEIVED,
            material_states=materials,
            received_by=by,
            applicant_user=applicant_user,
            is_assisted=is_assisted,
            assisted_by=assisted_by,
        )
        change = _Change(sms=f"您的办件 {app.number}（{version.name}）已接件，可凭办件编号和手机号查询办理进度。")
        _record(app, action=Action.RECEIVE, from_status="", by=by, before=None, change=change, ip=ip)
        _link_current_ticket(by=by, numbers=[app.number], ip=ip)
    return app


def _online_site(site: Site | None) -> Site:
    if site is not None:
        return site
    site = Site.objects.filter(level=Site.Level.COUNTY, is_active=True).select_related("division").first()
    if site is None:
        raise ValidationError({"site": "尚未设置受理网上申请的政务服务中心。"})
    return site


def application_submit_online(
    *,
    version: MatterVersion,
    by: User,
    applicant: ApplicantData | None = None,
    channel: str = Channel.ONLINE_PC,
    site: Site | None = None,
    ip: str | None = None,
) -> Application:
    """A citizen applies online (网上申请) for a matter whose online depth allows it (Ⅲ/Ⅳ级).

    Without ``applicant`` the citizen applies as a natural person with their account's name,
    ID number and phone. Materials are then uploaded with :func:`material_upload`.
    """
    check_transition(None, Action.SUBMIT_ONLINE, by)
    _check_version(version)
    if version.online_depth not in ONLINE_DEPTHS:
        raise ValidationError({"matter_version": f"事项“{version.name}”不支持网上申请，请到窗口办理。"})
    if channel not in (Channel.ONLINE_PC, Channel.MOBILE):
        raise ValidationError({"channel": "网上申请的渠道应为电脑端或移动端。"})
    if applicant is None:
        applicant = ApplicantData(
            applicant_type=ApplicantType.NATURAL_PERSON,
            name=by.full_name,
            phone=by.phone,
            id_type=IdType.RESIDENT_ID,
            id_number=by.id_number,
        )
    validate_applicant(applicant)
    with transaction.atomic():
        site = _online_site(site)
        (number,) = issue_numbers(year=timezone.localdate().year, division_code=site.division.code)
        app = _open_application(
            version=version,
            applicant=applicant,
            number=number,
            channel=channel,
            site=site,
            status=Status.SUBMITTED,
            material_states=None,
            applicant_user=by,
        )
        change = _Change(sms=f"您的网上申请 {app.number}（{version.name}）已提交，请按要求上传材料，我们将尽快预审。")
        _record(app, action=Action.SUBMIT_ONLINE, from_status="", by=by, before=None, change=change, ip=ip)
    return app


def theme_application_receive(
    *,
    theme_service: ThemeService,
    applicant: ApplicantData,
    by: User,
    channel: str = Channel.WINDOW,
    materials: list[MaterialState] | None = None,
    is_assisted: bool = False,
    assisted_by: User | None = None,
    applicant_user: User | None = None,
    ip: str | None = None,
) -> ApplicationBundle:
    """One intake of a theme service (一件事一次办): one linked application per matter, one bundle."""
    check_transition(None, Action.RECEIVE, by)
    if not theme_service.is_active:
        raise ValidationError({"theme_service": "该主题服务已停用。"})
    validate_applicant(applicant)
    _check_assisted(is_assisted, assisted_by)
    if by.site_id is None:
        raise ValidationError({"site": "您的账号未设置工作场所，不能接件。"})
    matters = list(theme_service.matters.all())
    versions = {
        v.matter_id: v
        for v in MatterVersion.objects.filter(matter__in=matters, status=MatterVersion.Status.PUBLISHED)
        .select_related("matter")
        .prefetch_related("materials")
    }
    missing = [m.code for m in matters if m.pk not in versions]
    if not matters or missing:
        raise ValidationError(
            {"theme_service": f"主题服务包含的事项没有已发布版本：{'、'.join(missing) or '无事项'}。"}
        )
    states_by_version: dict[int, list[MaterialState]] = {}
    material_version = dict(Material.objects.filter(version__in=versions.values()).values_list("pk", "version_id"))
    for entry in materials or []:
        version_id = material_version.get(entry.material_id)
        if version_id is None:
            raise ValidationError({"materials": f"材料编号 {entry.material_id} 不属于该主题服务的事项。"})
        states_by_version.setdefault(version_id, []).append(entry)
    today = timezone.localdate()
    with transaction.atomic():
        site = Site.objects.select_related("division").get(pk=by.site_id)
        numbers = issue_numbers(year=today.year, division_code=site.division.code, count=len(matters))
        bundle = ApplicationBundle.objects.create(
            number=f"YJS{numbers[0]}", theme_service=theme_service, received_by=by
        )
        apps = []
        for number, matter in zip(numbers, matters, strict=True):
            version = versions[matter.pk]
            app = _open_application(
                version=version,
                applicant=applicant,
                number=number,
                channel=channel,
                site=site,
                status=Status.RECEIVED,
                material_states=states_by_version.get(version.pk),
                received_by=by,
                applicant_user=applicant_user,
                is_assisted=is_assisted,
                assisted_by=assisted_by,
                bundle=bundle,
            )
            _record(
                app,
                action=Action.RECEIVE,
                from_status="",
                by=by,
                before=None,
                change=_Change(note=f"一件事“{theme_service.name}”（{bundle.number}）"),
                ip=ip,
            )
            apps.append(app)
        sms_enqueue(
            phone=applicant.phone,
            body=f"您的“{theme_service.name}”一件事申请已接件（{bundle.number}），共 {len(apps)} 个办件："
            + "、".join(a.number for a in apps)
            + "。",
            application=apps[0],
        )
        _link_current_ticket(by=by, numbers=[a.number for a in apps], ip=ip)
    return bundle


# --- Pre-acceptance -------------------------------------------------------------------------------


def application_start_prereview(*, application: Application, by: User, ip: str | None = None) -> Application:
    """Start the pre-review (网上预审) of an online application."""
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.START_PREREVIEW, by)
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.save()
        change = _Change(sms=f"您的网上申请 {app.number} 已进入预审。")
        _record(app, action=Action.START_PREREVIEW, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def _apply_material_states(app: Application, states: list[MaterialState] | None, *, today: date) -> None:
    if not states:
        return
    rows = {m.material_id: m for m in app.materials.select_related("material") if m.material_id}
    errors = []
    for entry in states:
        row = rows.get(entry.material_id)
        if row is None:
            errors.append(f"材料编号 {entry.material_id} 不属于该办件。")
            continue
        if entry.state not in ApplicationMaterial.State.values:
            errors.append(f"“{row.name}”的状态无效。")
            continue
        if entry.state == ApplicationMaterial.State.MISSING_PROMISED:
            if not row.material.may_be_missing:
                errors.append(f"“{row.name}”不属于可容缺受理的材料。")
                continue
            if entry.promise_due_on is None or entry.promise_due_on <= today:
                errors.append(f"“{row.name}”容缺受理须填写今天以后的承诺补交日期。")
                continue
        row.state = entry.state
        row.promise_due_on = entry.promise_due_on if entry.state == "promised" else None
        row.promise_note = entry.promise_note if entry.state == "promised" else ""
        row.save(update_fields=["state", "promise_due_on", "promise_note"])
    if errors:
        raise ValidationError({"materials": errors})


def application_accept(
    *,
    application: Application,
    by: User,
    materials: list[MaterialState] | None = None,
    today: date | None = None,
    ip: str | None = None,
) -> Application:
    """Accept (受理): starts the legal clock; every required material is provided or 容缺-promised.

    An application deemed accepted (art. 32, unanswered for 5 working days) counts from its
    receipt date.
    """
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.ACCEPT, by)
        on = _today(today)
        _apply_material_states(app, materials, today=on)
        missing = _missing_required(app)
        if missing:
            raise ValidationError(
                {
                    "materials": f"以下必要材料尚未提交：{'、'.join(missing)}。"
                    "请一次性告知补正，或对可容缺材料办理容缺受理。"
                }
            )
        before, from_status = _snapshot(app), app.status
        calendar = current_calendar()
        app.status = to_status
        _start_clock(app, on=app.received_on if app.deemed_accepted else on, today=on, calendar=calendar)
        app.save()
        promised = app.materials.filter(state=ApplicationMaterial.State.MISSING_PROMISED).count()
        note = f"容缺受理，{promised} 项材料承诺补交" if promised else ""
        change = _Change(
            note=note,
            sms=f"您的办件 {app.number}（{_matter_name(app)}）已受理，"
            f"承诺办结期限为 {app.promised_deadline:%Y年%m月%d日}。",
        )
        _record(app, action=Action.ACCEPT, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def application_refuse(*, application: Application, by: User, reason: str, ip: str | None = None) -> Application:
    """Refuse to accept (不予受理), with a written reason."""
    if not reason.strip():
        raise ValidationError({"reason": "不予受理须说明理由。"})
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.REFUSE, by)
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.refusal_reason = reason.strip()
        app.save()
        change = _Change(note=app.refusal_reason, sms=f"您的办件 {app.number} 不予受理，理由：{app.refusal_reason}")
        _record(app, action=Action.REFUSE, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def application_request_supplement(
    *, application: Application, by: User, items: list[SupplementItem], note: str = "", ip: str | None = None
) -> Application:
    """Tell the applicant in one go everything missing (一次性告知补正, art. 32); sent once only."""
    if not items or any(not item.name.strip() for item in items):
        raise ValidationError({"items": "请列明需要补正的全部材料（一次性告知）。"})
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.REQUEST_SUPPLEMENT, by)
        if app.supplement_requested_at is not None:
            raise TransitionNotAllowed(
                f"办件 {app.number} 已于 {timezone.localtime(app.supplement_requested_at):%Y-%m-%d} "
                "一次性告知补正，不能再次要求补正。",
                status=app.status,
                action=Action.REQUEST_SUPPLEMENT,
            )
        own = set(app.materials.values_list("pk", flat=True))
        bad = [item.material_id for item in items if item.material_id is not None and item.material_id not in own]
        if bad:
            raise ValidationError({"items": f"材料编号 {bad} 不属于该办件。"})
        before, from_status = _snapshot(app), app.status
        material_ids = [item.material_id for item in items if item.material_id is not None]
        app.materials.filter(pk__in=material_ids).update(state=ApplicationMaterial.State.MISSING)
        app.status = to_status
        app.supplement_items = [{"name": i.name.strip(), "note": i.note, "material_id": i.material_id} for i in items]
        app.supplement_note = note
        app.supplement_requested_at = timezone.now()
        app.save()
        listing = "；".join(f"{i.name}{'（' + i.note + '）' if i.note else ''}" for i in items)
        change = _Change(note=listing, sms=f"您的办件 {app.number} 需补正以下材料：{listing}。请一次性补齐后提交。")
        _record(
            app, action=Action.REQUEST_SUPPLEMENT, from_status=from_status, by=by, before=before, change=change, ip=ip
        )
    return app


def application_supplement(*, application: Application, by: User, note: str = "", ip: str | None = None) -> Application:
    """The applicant answers the supplement request (补正) once the missing files are uploaded."""
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.SUPPLEMENT, by)
        missing_ids = [i["material_id"] for i in app.supplement_items if i.get("material_id")]
        still = list(
            app.materials.filter(pk__in=missing_ids, state=ApplicationMaterial.State.MISSING).values_list(
                "name", flat=True
            )
        )
        if still:
            raise ValidationError({"materials": f"以下补正材料尚未上传：{'、'.join(still)}。"})
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.supplemented_at = timezone.now()
        app.save()
        change = _Change(note=note, sms=f"您的办件 {app.number} 补正材料已收到，我们将尽快审核。")
        _record(app, action=Action.SUPPLEMENT, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def application_accept_immediately(
    *,
    application: Application,
    by: User,
    document_number: str = "",
    e_certificate_number: str = "",
    today: date | None = None,
    ip: str | None = None,
) -> Application:
    """即办件: accepted and completed in one step at the window (当场办结)."""
    with transaction.atomic():
        app = _locked(application)
        # The table's guard refuses matters that are not 即办件.
        to_status = check_transition(app, Action.ACCEPT_IMMEDIATELY, by)
        missing = _missing_required(app)
        if missing:
            raise ValidationError({"materials": f"以下必要材料尚未提交：{'、'.join(missing)}。"})
        on = _today(today)
        before, from_status = _snapshot(app), app.status
        now = timezone.now()
        app.status = to_status
        app.accepted_at = app.completed_at = app.decided_at = now
        app.accepted_on = app.completed_on = on
        app.promised_deadline = app.legal_deadline = on
        app.clock_state = ClockState.STOPPED
        app.elapsed_working_days = 0
        app.on_time = True
        app.decision = Decision.APPROVED
        app.decision_document_number = document_number
        app.e_certificate_number = e_certificate_number
        app.save()
        change = _Change(sms=f"您的办件 {app.number}（{_matter_name(app)}）已当场办结。")
        _record(
            app, action=Action.ACCEPT_IMMEDIATELY, from_status=from_status, by=by, before=before, change=change, ip=ip
        )
    return app


# --- Back office -------------------------------------------------------------------------------------


def application_assign(*, application: Application, handler: User, by: User, ip: str | None = None) -> Application:
    """Assign the person handling it (承办人): an approver of the application's department."""
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.ASSIGN, by)
        from approvals.permissions import can_act_on

        if handler.role != User.Role.APPROVER or not handler.is_active or not can_act_on(handler, app):
            raise ValidationError({"handler": "承办人须为该办件承办部门的审批人员。"})
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.handler = handler
        app.save()
        change = _Change(note=f"承办人：{handler.full_name}")
        _record(app, action=Action.ASSIGN, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def application_start_review(*, application: Application, by: User, ip: str | None = None) -> Application:
    """Start the review (承办/审核); the approver taking it becomes the handler if none was assigned."""
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.START_REVIEW, by)
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        if app.handler_id is None and by.role == User.Role.APPROVER:
            app.handler = by
        app.save()
        change = _Change(sms=f"您的办件 {app.number} 已进入审查环节。")
        _record(app, action=Action.START_REVIEW, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def _check_inspector(inspector: User | None, app: Application) -> None:
    from approvals.permissions import can_see

    if (
        inspector is None
        or inspector.role != User.Role.INSPECTOR
        or not inspector.is_active
        or not can_see(inspector, app)
    ):
        raise ValidationError({"inspector": "勘验人员须为该办件承办部门的勘验人员。"})


def application_pause(
    *,
    application: Application,
    kind: str,
    reason: str,
    by: User,
    scheduled_on: date | None = None,
    mode: str = "",
    location: str = "",
    inspector: User | None = None,
    today: date | None = None,
    ip: str | None = None,
) -> Application:
    """Start a special procedure (特别程序: 现场勘验, 专家评审, 听证, 检验检测 …): the clock pauses (art. 45).

    A site inspection (现场勘验) names its date, mode (标准/联合/视频勘验) and the inspector of the
    department who carries it out; the other kinds need their kind and reason (a date is optional).
    """
    errors: dict[str, str] = {}
    if kind not in ClockPause.Kind.values:
        errors["kind"] = "请选择特别程序类型。"
    if not reason.strip():
        errors["reason"] = "请说明启动特别程序的原因（将书面告知申请人）。"
    if kind == ClockPause.Kind.INSPECTION:
        if scheduled_on is None:
            errors["scheduled_on"] = "现场勘验须填写计划勘验日期。"
        if mode not in ClockPause.Mode.values:
            errors["mode"] = "请选择勘验方式（标准勘验、联合勘验或视频勘验）。"
        if inspector is None:
            errors["inspector"] = "请指派勘验人员。"
    elif mode or inspector is not None or location.strip():
        errors["mode"] = "只有现场勘验需要填写勘验方式、地点和勘验人员。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.PAUSE, by)
        if kind == ClockPause.Kind.INSPECTION:
            _check_inspector(inspector, app)
        on = _today(today)
        if scheduled_on is not None and scheduled_on < on:
            raise ValidationError({"scheduled_on": "计划日期不能早于今天。"})
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.clock_state = ClockState.PAUSED
        app.paused_since = on
        app.save()
        pause = ClockPause.objects.create(
            application=app,
            kind=kind,
            reason=reason.strip(),
            scheduled_on=scheduled_on,
            mode=mode if kind == ClockPause.Kind.INSPECTION else "",
            location=location.strip(),
            inspector=inspector if kind == ClockPause.Kind.INSPECTION else None,
            started_on=on,
            started_by=by,
        )
        label = pause.get_kind_display()
        arrangement = []
        if pause.mode:
            arrangement.append(pause.get_mode_display())
        if pause.scheduled_on:
            arrangement.append(f"计划于{pause.scheduled_on:%Y年%m月%d日}进行")
        if pause.inspector_id:
            arrangement.append(f"勘验人员：{inspector.full_name}")
        detail = f"（{'，'.join(arrangement)}）" if arrangement else ""
        change = _Change(
            note=f"{label}{detail}：{pause.reason}",
            sms=f"您的办件 {app.number} 需进行{label}"
            + (f"，计划于{pause.scheduled_on:%Y年%m月%d日}进行" if pause.scheduled_on else "")
            + "，所需时间不计入办理时限，详见《特别程序告知书》。",
            extra={"pause_id": pause.pk},
        )
        _record(app, action=Action.PAUSE, from_status=from_status, by=by, before=before, change=change, ip=ip)
        if pause.inspector_id:
            notification_send(
                recipients=[inspector],
                title=f"新的勘验任务：办件 {app.number}",
                body=f"{_matter_name(app)}，{pause.get_mode_display()}，计划 {pause.scheduled_on:%Y-%m-%d}。",
                link=reverse("inspections"),
                dedupe_key=f"inspection-{pause.pk}",
            )
    return app


def application_resume(
    *, application: Application, by: User, result: str = "", today: date | None = None, ip: str | None = None
) -> Application:
    """End the special procedure and record its result: the paused working days (start, resume]
    push the deadline back. A site inspection needs its result (勘验结论); an inspector ends only
    the inspections assigned to them (the table's actor rule)."""
    result = result.strip()
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.RESUME, by)
        pause = ClockPause.objects.select_for_update().filter(application=app, ended_on__isnull=True).first()
        if pause is not None and pause.kind == ClockPause.Kind.INSPECTION and not result:
            raise ValidationError({"result": "请记录现场勘验的结果。"})
        on = _today(today)
        if app.paused_since and on < app.paused_since:
            raise ValidationError({"today": "结束日期不能早于特别程序开始日期。"})
        calendar = current_calendar()
        before, from_status = _snapshot(app), app.status
        days = clock.paused_working_days(app.paused_since, on, calendar=calendar)
        if pause is not None:
            pause.ended_on, pause.working_days, pause.ended_by = on, days, by
            pause.result = result
            pause.result_recorded_at = timezone.now() if result else None
            pause.save(update_fields=["ended_on", "working_days", "ended_by", "result", "result_recorded_at"])
        app.status = to_status
        app.paused_working_days += days
        app.paused_since = None
        app.clock_state = ClockState.RUNNING
        app.promised_deadline, app.legal_deadline = clock.deadlines_for(app, calendar=calendar)
        app.warning_level = clock.warning_level_on(
            on, app.promised_deadline, app.promised_limit_days, calendar=calendar
        )
        app.save()
        note = f"特别程序结束，暂停 {days} 个工作日"
        change = _Change(
            note=f"{note}。结果：{result}" if result else note,
            sms=f"您的办件 {app.number} 特别程序已结束，恢复计时，"
            f"办结期限调整为 {app.promised_deadline:%Y年%m月%d日}。",
        )
        _record(app, action=Action.RESUME, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


# --- Extension (延期, art. 42): requested by the handler, decided by a supervisor ---------------------


def _check_extension_room(app: Application, days: int) -> None:
    """The total extension cannot exceed :func:`approvals.clock.max_extension_days` of the legal limit."""
    allowed = clock.max_extension_days(app.legal_limit_days)
    if app.extended_working_days + days > allowed:
        raise ValidationError(
            {
                "days": f"延期不得超过法律允许的 {allowed} 个工作日"
                f"（法定时限 {app.legal_limit_days} 个工作日，已延期 {app.extended_working_days} 个工作日）。"
            }
        )


def extension_approvers(app: Application) -> list[User]:
    """Who is told of a request (延期待审批): the active supervisors of the application's department
    (or its sections); all active supervisors when the department has none of its own."""
    from hall.models import Department

    ids = [app.department_id, *Department.objects.filter(parent_id=app.department_id).values_list("pk", flat=True)]
    supervisors = User.objects.filter(role=User.Role.SUPERVISOR, is_active=True)
    own = list(supervisors.filter(department_id__in=ids))
    return own or list(supervisors)


def application_request_extension(
    *, application: Application, days: int, reason: str, by: User, ip: str | None = None
) -> Application:
    """Ask for an extension (申请延期) of ``days`` working days with a written reason.

    Nothing moves yet: the clock extends only when a supervisor approves. One pending request at
    a time (the table's guard, and a partial unique constraint behind it).
    """
    errors: dict[str, str] = {}
    if days is None or days <= 0:
        errors["days"] = "延期天数应为正整数（工作日）。"
    if not reason.strip():
        errors["reason"] = "延期须书面说明理由。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        app = _locked(application)
        check_transition(app, Action.REQUEST_EXTENSION, by)
        _check_extension_room(app, days)
        before = _snapshot(app)
        extension = ClockExtension.objects.create(
            application=app, working_days=days, reason=reason.strip(), requested_by=by
        )
        change = _Change(
            note=f"申请延期 {days} 个工作日：{extension.reason}", extra={"extension_id": extension.pk, "days": days}
        )
        _record(
            app, action=Action.REQUEST_EXTENSION, from_status=app.status, by=by, before=before, change=change, ip=ip
        )
        notification_send(
            recipients=[u for u in extension_approvers(app) if u.pk != by.pk],
            title=f"延期待审批：办件 {app.number}",
            body=f"{by.full_name} 申请延期 {days} 个工作日：{extension.reason}",
            level=Notification.Level.WARNING,
            link=reverse("application_extensions"),
            dedupe_key=f"extension-request-{extension.pk}",
        )
    return app


def _pending_locked(app: Application) -> ClockExtension:
    return ClockExtension.objects.select_for_update().get(application=app, status=ClockExtension.Status.PENDING)


def application_approve_extension(
    *, application: Application, by: User, note: str = "", today: date | None = None, ip: str | None = None
) -> Application:
    """A supervisor approves the pending extension (批准延期): only now the deadlines move back.

    The legal maximum is checked again: the request was checked when made, but is decided later.
    """
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.APPROVE_EXTENSION, by)
        extension = _pending_locked(app)
        _check_extension_room(app, extension.working_days)
        calendar = current_calendar()
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.extended_working_days += extension.working_days
        app.promised_deadline, app.legal_deadline = clock.deadlines_for(app, calendar=calendar)
        if app.clock_state == ClockState.RUNNING:
            app.warning_level = clock.warning_level_on(
                _today(today), app.promised_deadline, app.promised_limit_days, calendar=calendar
            )
        app.save()
        extension.status = ClockExtension.Status.APPROVED
        extension.decided_by, extension.decided_at = by, timezone.now()
        extension.decision_note = note.strip()
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        days = extension.working_days
        change = _Change(
            note=f"批准延期 {days} 个工作日（{extension.requested_by.full_name} 申请：{extension.reason}）"
            + (f"。审批意见：{extension.decision_note}" if extension.decision_note else ""),
            sms=f"您的办件 {app.number} 经批准延期 {days} 个工作日，"
            f"办结期限调整为 {app.promised_deadline:%Y年%m月%d日}。延期理由：{extension.reason}",
            extra={"extension_id": extension.pk},
        )
        _record(
            app, action=Action.APPROVE_EXTENSION, from_status=from_status, by=by, before=before, change=change, ip=ip
        )
        _tell_requester(extension, app, f"延期申请已批准：办件 {app.number}")
    return app


def application_reject_extension(
    *, application: Application, by: User, reason: str, ip: str | None = None
) -> Application:
    """A supervisor rejects the pending extension (驳回延期) with a reason; the deadlines stay."""
    if not reason.strip():
        raise ValidationError({"reason": "驳回延期申请须说明理由。"})
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.REJECT_EXTENSION, by)
        extension = _pending_locked(app)
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.save()
        extension.status = ClockExtension.Status.REJECTED
        extension.decided_by, extension.decided_at = by, timezone.now()
        extension.decision_note = reason.strip()
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        change = _Change(
            note=f"驳回延期 {extension.working_days} 个工作日的申请：{extension.decision_note}",
            extra={"extension_id": extension.pk},
        )
        _record(
            app, action=Action.REJECT_EXTENSION, from_status=from_status, by=by, before=before, change=change, ip=ip
        )
        _tell_requester(extension, app, f"延期申请被驳回：办件 {app.number}")
    return app


def _tell_requester(extension: ClockExtension, app: Application, title: str) -> None:
    notification_send(
        recipients=[extension.requested_by],
        title=title,
        body=extension.decision_note,
        link=reverse("application_detail", args=[app.number]),
        dedupe_key=f"extension-decided-{extension.pk}",
    )


def application_decide(
    *,
    application: Application,
    approved: bool,
    document_number: str,
    by: User,
    reasons: str = "",
    e_certificate_number: str = "",
    ip: str | None = None,
) -> Application:
    """Decide (作出决定): 准予许可 or 不予许可 (with reasons), with the decision document number."""
    errors = {}
    if not document_number.strip():
        errors["document_number"] = "请填写决定书文号。"
    if not approved and not reasons.strip():
        errors["reasons"] = "不予许可须说明理由。"
    if not approved and e_certificate_number:
        errors["e_certificate_number"] = "不予许可的办件没有电子证照。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.DECIDE, by)
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.decision = Decision.APPROVED if approved else Decision.DENIED
        app.decision_document_number = document_number.strip()
        app.decision_reasons = reasons.strip()
        app.e_certificate_number = e_certificate_number.strip()
        app.decided_at = timezone.now()
        app.save()
        label = app.get_decision_display()
        sms = f"您的办件 {app.number} 已作出{label}决定（{app.decision_document_number}）。"
        if not approved:
            sms += f"理由：{app.decision_reasons}"
        change = _Change(note=f"{label}：{app.decision_reasons}" if app.decision_reasons else label, sms=sms)
        _record(app, action=Action.DECIDE, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def application_complete(
    *, application: Application, by: User, today: date | None = None, ip: str | None = None
) -> Application:
    """Complete (办结): stop the clock, record the working days used and whether it was on time."""
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.COMPLETE, by)
        on = _today(today)
        calendar = current_calendar()
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.completed_at = timezone.now()
        app.completed_on = on
        app.clock_state = ClockState.STOPPED
        app.elapsed_working_days = clock.elapsed_working_days(
            app.accepted_on, on, paused=app.paused_working_days, calendar=calendar
        )
        app.on_time = on <= app.promised_deadline
        app.save()
        result = "按时办结" if app.on_time else "超期办结"
        change = _Change(
            note=f"{result}，用时 {app.elapsed_working_days} 个工作日",
            sms=f"您的办件 {app.number} 已办结，请按约定方式领取办理结果。",
        )
        _record(app, action=Action.COMPLETE, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def application_deliver(
    *, application: Application, method: str, by: User, tracking_number: str = "", ip: str | None = None
) -> Application:
    """Deliver the result (送达 / 已领取): pickup at the window, post (with tracking number) or electronic."""
    errors = {}
    if method not in DeliveryMethod.values:
        errors["method"] = "请选择送达方式。"
    elif method == DeliveryMethod.POST and not tracking_number.strip():
        errors["tracking_number"] = "邮寄送达须填写邮寄单号。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.DELIVER, by)
        before, from_status = _snapshot(app), app.status
        app.status = to_status
        app.delivery_method = method
        app.tracking_number = tracking_number.strip() if method == DeliveryMethod.POST else ""
        app.delivered_at = timezone.now()
        app.save()
        if method == DeliveryMethod.POST:
            sms = f"您的办件 {app.number} 办理结果已邮寄，单号 {app.tracking_number}。"
        elif method == DeliveryMethod.PICKUP:
            sms = f"您的办件 {app.number} 办理结果已领取。"
        else:
            sms = f"您的办件 {app.number} 办理结果已电子送达。"
        change = _Change(note=app.get_delivery_method_display(), sms=sms)
        _record(app, action=Action.DELIVER, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


# --- Closing before the end ------------------------------------------------------------------------


def application_withdraw(
    *, application: Application, by: User, reason: str = "", today: date | None = None, ip: str | None = None
) -> Application:
    """Withdraw (撤回) at the applicant's request, before the decision."""
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.WITHDRAW, by)
        before, from_status = _snapshot(app), app.status
        _stop_clock(app, on=_today(today), calendar=current_calendar())
        app.status = to_status
        app.closing_reason = reason.strip()
        app.save()
        change = _Change(note=app.closing_reason, sms=f"您的办件 {app.number} 已撤回。")
        _record(app, action=Action.WITHDRAW, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


def application_revoke(
    *, application: Application, by: User, reason: str, today: date | None = None, ip: str | None = None
) -> Application:
    """Revoke (撤销) an application, by a supervisor, with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": "撤销须说明理由。"})
    with transaction.atomic():
        app = _locked(application)
        to_status = check_transition(app, Action.REVOKE, by)
        before, from_status = _snapshot(app), app.status
        _stop_clock(app, on=_today(today), calendar=current_calendar())
        app.status = to_status
        app.closing_reason = reason.strip()
        app.save()
        change = _Change(note=app.closing_reason, sms=f"您的办件 {app.number} 已被撤销，理由：{app.closing_reason}")
        _record(app, action=Action.REVOKE, from_status=from_status, by=by, before=before, change=change, ip=ip)
    return app


# --- Citizens --------------------------------------------------------------------------------------


def citizen_register(*, phone: str, password: str, full_name: str, id_number: str, ip: str | None = None) -> User:
    """Sign up a citizen (群众注册): the phone number is the login name; name and ID number checked."""
    from hall.services.accounts import user_create

    errors: dict[str, Any] = {}
    if not full_name.strip():
        errors["full_name"] = "请填写真实姓名。"
    _check_phone(phone, "phone", errors)
    try:
        validate_resident_id(id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    if "phone" not in errors and User.objects.filter(username=phone).exists():
        errors["phone"] = "该手机号码已注册，请直接登录。"
    if errors:
        raise ValidationError(errors)
    return user_create(
        username=phone,
        password=password,
        full_name=full_name.strip(),
        role=User.Role.PUBLIC,
        phone=phone,
        id_number=id_number.strip().upper(),
        ip=ip,
    )


# Re-exported so that every write of the app is importable from here.
from approvals.uploads import material_upload  # noqa: E402

__all__ = [
    "ACTION_LABELS",
    "ApplicantData",
    "MaterialState",
    "SupplementItem",
    "application_accept",
    "application_accept_immediately",
    "application_approve_extension",
    "application_assign",
    "application_complete",
    "application_decide",
    "application_deliver",
    "application_pause",
    "application_receive",
    "application_refuse",
    "application_reject_extension",
    "application_request_extension",
    "application_request_supplement",
    "application_resume",
    "application_revoke",
    "application_start_prereview",
    "application_start_review",
    "application_submit_online",
    "application_supplement",
    "application_withdraw",
    "citizen_register",
    "issue_numbers",
    "material_upload",
    "theme_application_receive",
    "validate_applicant",
]

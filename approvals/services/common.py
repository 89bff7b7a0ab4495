"""Shared steps of every application write (办件写操作的公共步骤): input data, checks, lock, record.

Each transition service runs in ``transaction.atomic()``, re-reads the row with
``select_for_update()`` (:func:`_locked`), checks the transitions table, changes the row and calls
:func:`_record`, which appends an ``ApplicationEvent``, writes the audit record, tells the
applicant (SMS and in-app 消息) after commit and sends ``application_transitioned``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from approvals import clock
from approvals.models import (
    ApplicantType,
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    ClockPause,
    ClockState,
    IdType,
    WarningLevel,
)
from approvals.services.notify import applicant_notify
from approvals.signals import application_transitioned
from hall.models import User
from hall.services.audit import audit_record
from hall.validators import validate_credit_code, validate_mobile_phone, validate_resident_id
from hall.workdays import WorkingCalendar

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
    """Append the history entry and the audit record of one transition, tell the applicant
    (SMS and 消息) and send ``application_transitioned`` inside the transaction."""
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
        applicant_notify(application=app, body=change.sms, dedupe_key=f"application-event-{event.pk}")
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
    # The pre-review clock's warning (if any) was another clock's: this one announces its own levels.
    app.warned_level = WarningLevel.NONE


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

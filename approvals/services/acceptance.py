"""Acceptance and supplements (受理与补正): pre-review, accept, refuse, one-go supplement notice, 即办.

The pre-review answer period (art. 32) and deemed acceptance (视为受理) live in
:mod:`approvals.services.prereview`.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from approvals.models import Application, ApplicationMaterial, ClockState, Decision, WarningLevel
from approvals.services.common import (
    MaterialState,
    SupplementItem,
    _Change,
    _locked,
    _matter_name,
    _missing_required,
    _record,
    _snapshot,
    _start_clock,
    _today,
)
from approvals.services.prereview import answer_deadline_for, answer_period_over, materials_received_on
from approvals.transitions import Action, TransitionNotAllowed, check_transition
from hall.models import User
from hall.workdays import current_calendar


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

    Accepted after its answer deadline (art. 32, unanswered for 5 working days), it is deemed
    accepted (视为受理) and counts from the day its materials arrived.
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
        # Past the answer deadline the law already counts it as accepted on the materials' day.
        late = answer_period_over(app, on)
        received_on = materials_received_on(app)
        app.status = to_status
        _start_clock(app, on=received_on if late else on, today=on, calendar=calendar)
        app.deemed_accepted = app.deemed_accepted or late
        app.save()
        promised = app.materials.filter(state=ApplicationMaterial.State.MISSING_PROMISED).count()
        notes = [f"容缺受理，{promised} 项材料承诺补交" if promised else ""]
        if late:
            notes.append(f"已超过预审答复期限，视为自 {received_on:%Y-%m-%d} 起受理")
        note = "；".join(n for n in notes if n)
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
        # The answer is given: the pre-review clock stops until the applicant supplies the materials.
        app.answer_deadline = None
        app.warning_level = app.warned_level = WarningLevel.NONE
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
        # The complete materials arrived: a new answer period of 5 working days starts (art. 32).
        app.answer_deadline = answer_deadline_for(timezone.localdate(app.supplemented_at), calendar=current_calendar())
        app.warning_level = app.warned_level = WarningLevel.NONE
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

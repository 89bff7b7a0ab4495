"""The 差评 loop (差评整改): open, verify with a callback, confirm, rectify, close — or appeal review.

Every action locks the case, checks ``evaluations.transitions``, moves the status, appends a
history row, writes the audit record, tells the evaluator by SMS where they left a phone and
enqueues the rollup refresh of the evaluation's day after commit. Deadlines are working days
from the calendar service (核实 1, 整改 15, 复核 3 by default; settings ``EVALUATIONS_*_DAYS``).
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from approvals.services import sms_enqueue
from evaluations.links import link_path
from evaluations.models import (
    BadReviewCase,
    BadReviewEvent,
    BadReviewEvidence,
    CaseStatus,
    CaseWarning,
    Evaluation,
    Verification,
)
from evaluations.signals import bad_review_submitted
from evaluations.transitions import CASE_ACTION_LABELS, CaseAction, check_case_transition
from hall.models import Notification, User
from hall.services.audit import audit_record
from hall.services.notifications import notification_send
from hall.workdays import add_working_days

NOTE_MAX = 2000
EVIDENCE_SIGNATURES = ((b"%PDF-", "pdf"), (b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"))
MAX_EVIDENCE_FILES = 10


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _department_staff(case: BadReviewCase) -> list[User]:
    """Who answers for the department (责任部门): its active approvers."""
    if case.department_id is None:
        return list(User.objects.filter(role=User.Role.SUPERVISOR, is_active=True))
    return list(
        User.objects.filter(role=User.Role.APPROVER, is_active=True, department_id=case.department_id).order_by("pk")
    )


def _tell_evaluator(case: BadReviewCase, body: str, key: str) -> None:
    evaluation = case.evaluation
    if evaluation.evaluator_phone:
        sms_enqueue(
            phone=evaluation.evaluator_phone,
            body=body,
            application=evaluation.application,
            dedupe_key=f"evalcase-{case.pk}-{key}",
        )
    if evaluation.evaluator_user_id:
        notification_send(
            recipients=[evaluation.evaluator_user],
            title="您的差评处理进度",
            body=body,
            link=reverse("my_evaluations"),
            dedupe_key=f"evalcase-{case.pk}-{key}",
        )


def _event(case: BadReviewCase, *, action: str, from_status: str, by: User | None, note: str) -> None:
    BadReviewEvent.objects.create(
        case=case,
        action=action,
        from_status=from_status,
        to_status=case.status,
        actor=by if by is not None and getattr(by, "pk", None) else None,
        actor_repr=str(by) if by is not None else "系统",
        note=note[:NOTE_MAX],
    )


def _snapshot(case: BadReviewCase) -> dict:
    return {
        "status": case.status,
        "due_on": str(case.due_on) if case.due_on else None,
        "verification": case.verification,
        "called_back_at": str(case.called_back_at) if case.called_back_at else None,
        "rectified_at": str(case.rectified_at) if case.rectified_at else None,
    }


def _set_due(case: BadReviewCase, due: date | None) -> None:
    case.due_on = due
    case.warning_level = CaseWarning.NONE
    case.warned_level = CaseWarning.NONE


def case_open(*, evaluation: Evaluation, today: date | None = None) -> BadReviewCase:
    """Open the case of a new 差评 (inside the evaluation's transaction): verification due in
    ``EVALUATIONS_VERIFY_DAYS`` working days; the department is told; the signal goes out."""
    from evaluations.rollups import rollup_enqueue

    day = _today(today)
    case = BadReviewCase.objects.create(
        evaluation=evaluation,
        department_id=evaluation.department_id,
        site_id=evaluation.site_id,
        status=CaseStatus.SUBMITTED,
        due_on=add_working_days(day, settings.EVALUATIONS_VERIFY_DAYS),
        created_at=timezone.now(),
    )
    _event(case, action=CaseAction.CREATE, from_status="", by=None, note=f"{evaluation.get_level_display()}")
    audit_record(actor=None, action="evaluation_case.create", obj=case, after=_snapshot(case))
    notification_send(
        recipients=_department_staff(case),
        title=f"收到差评（{evaluation.get_level_display()}），请于 {case.due_on:%m月%d日} 前核实",
        body=evaluation.text[:200],
        level=Notification.Level.WARNING,
        link=reverse("evaluation_case_detail", args=[case.pk]),
        dedupe_key=f"evalcase-{case.pk}-open",
    )
    _tell_evaluator(case, "您的评价已收到，责任部门将在 1 个工作日内核实并与您联系。", "open")
    bad_review_submitted.send(sender=Evaluation, evaluation=evaluation)
    rollup_enqueue(evaluation.rated_on)
    return case


def _act(
    case: BadReviewCase,
    action: str,
    *,
    by: User,
    ip: str | None,
    note: str = "",
    change=None,
    tell: str = "",
) -> BadReviewCase:
    """Lock, check the table, apply ``change(case, to_status)``, record; returns the saved case."""
    from evaluations.rollups import rollup_enqueue

    with transaction.atomic():
        locked = BadReviewCase.objects.select_for_update().select_related("evaluation").get(pk=case.pk)
        to_status = check_case_transition(locked, action, by)
        before, from_status = _snapshot(locked), locked.status
        locked.status = to_status
        if change is not None:
            change(locked)
        locked.save()
        label = CASE_ACTION_LABELS[action]
        _event(locked, action=action, from_status=from_status, by=by, note=note or label)
        audit_record(
            actor=by, action=f"evaluation_case.{action}", obj=locked, before=before, after=_snapshot(locked), ip=ip
        )
        if tell:
            _tell_evaluator(locked, tell, action)
        rollup_enqueue(locked.evaluation.rated_on)
    return locked


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > NOTE_MAX:
        raise ValidationError({field: f"内容不能超过 {NOTE_MAX} 字。"})
    return value


def case_start_verify(*, case: BadReviewCase, by: User, ip: str | None = None) -> BadReviewCase:
    """签收核实: the department takes the 差评 in hand (the verification deadline stands)."""
    return _act(case, CaseAction.START_VERIFY, by=by, ip=ip)


def case_callback(*, case: BadReviewCase, note: str, by: User, ip: str | None = None) -> BadReviewCase:
    """回访: the department called the evaluator back; what they said is recorded."""
    note = _required(note, "note", "请填写回访情况。")

    def change(c: BadReviewCase) -> None:
        c.called_back_at = c.called_back_at or timezone.now()
        c.callback_note = note

    return _act(case, CaseAction.CALLBACK, by=by, ip=ip, note=f"回访：{note}", change=change)


def case_confirm(
    *, case: BadReviewCase, note: str, by: User, today: date | None = None, ip: str | None = None
) -> BadReviewCase:
    """核实属实: the 差评 is true; rectification is due in ``EVALUATIONS_RECTIFY_DAYS`` working days."""
    note = _required(note, "note", "请填写核实情况。")
    due = add_working_days(_today(today), settings.EVALUATIONS_RECTIFY_DAYS)

    def change(c: BadReviewCase) -> None:
        c.verification = Verification.TRUE
        c.verification_note = note
        _set_due(c, due)

    return _act(
        case,
        CaseAction.CONFIRM,
        by=by,
        ip=ip,
        note=f"核实属实：{note}",
        change=change,
        tell=f"您反映的问题经核实属实，责任部门将于 {due:%Y年%m月%d日} 前完成整改。",
    )


def case_dispute(
    *, case: BadReviewCase, verdict: str, note: str, by: User, today: date | None = None, ip: str | None = None
) -> BadReviewCase:
    """认定误评或恶意差评: goes to the hall supervisor's appeal review (申诉复核)."""
    if verdict not in (Verification.MISTAKEN, Verification.MALICIOUS):
        raise ValidationError({"verdict": "请选择“误评”或“恶意差评”。"})
    note = _required(note, "note", "请填写认定理由。")
    due = add_working_days(_today(today), settings.EVALUATIONS_APPEAL_DAYS)

    def change(c: BadReviewCase) -> None:
        c.verification = verdict
        c.verification_note = note
        _set_due(c, due)

    label = Verification(verdict).label
    return _act(case, CaseAction.DISPUTE, by=by, ip=ip, note=f"申请认定为{label}：{note}", change=change)


def case_start_rectify(*, case: BadReviewCase, by: User, ip: str | None = None) -> BadReviewCase:
    """开始整改 (the rectification deadline set at confirmation stands)."""
    return _act(case, CaseAction.START_RECTIFY, by=by, ip=ip)


def _sniff(upload) -> str:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, extension in EVIDENCE_SIGNATURES:
        if head.startswith(magic):
            return extension
    raise ValidationError({"files": "整改佐证材料仅支持 PDF、JPG、PNG 格式（按文件内容识别）。"})


def case_rectify(*, case: BadReviewCase, note: str, files=(), by: User, ip: str | None = None) -> BadReviewCase:
    """提交整改结果: a description and evidence files (PDF/JPG/PNG, ≤ 10 MB each)."""
    note = _required(note, "note", "请填写整改情况。")
    files = list(files or [])
    if len(files) > MAX_EVIDENCE_FILES:
        raise ValidationError({"files": f"佐证材料最多 {MAX_EVIDENCE_FILES} 个文件。"})
    kinds = []
    for upload in files:
        size = getattr(upload, "size", 0) or 0
        if size == 0 or size > BadReviewEvidence.MAX_BYTES:
            raise ValidationError({"files": "每个佐证材料须为 10 MB 以内的非空文件。"})
        kinds.append(_sniff(upload))
    now = timezone.now()
    saved: list[BadReviewEvidence] = []

    def change(c: BadReviewCase) -> None:
        c.rectification_note = note
        c.rectified_at = now
        _set_due(c, None)
        for upload, extension in zip(files, kinds, strict=True):
            evidence = BadReviewEvidence(
                case=c,
                token=uuid.uuid4().hex,
                extension=extension,
                original_name=(getattr(upload, "name", "") or f"evidence.{extension}")[-200:],
                size=upload.size,
                uploaded_by=by,
                uploaded_at=now,
            )
            evidence.file.save(f"{evidence.token}.{extension}", upload, save=False)
            saved.append(evidence)
            evidence.save()

    try:
        result = _act(case, CaseAction.RECTIFY, by=by, ip=ip, note=f"整改：{note}", change=change)
    except Exception:
        for evidence in saved:  # no orphan file when the transaction fails
            evidence.file.delete(save=False)
        raise
    return result


def case_close(*, case: BadReviewCase, note: str = "", by: User, ip: str | None = None) -> BadReviewCase:
    """审核办结: the supervisor accepts the rectification; the evaluator may add one 追评."""

    def change(c: BadReviewCase) -> None:
        c.closed_at = timezone.now()
        _set_due(c, None)

    closed = _act(
        case,
        CaseAction.CLOSE,
        by=by,
        ip=ip,
        note=(note or "").strip()[:NOTE_MAX] or "整改到位，办结",
        change=change,
    )
    _tell_follow_up(closed, "您反映的问题已整改完毕。")
    return closed


def _tell_follow_up(case: BadReviewCase, opening: str) -> None:
    link = link_path(kind="follow_up", pk=case.evaluation_id)
    with transaction.atomic():
        _tell_evaluator(case, f"{opening}如需追评，请打开 {settings.EVALUATIONS_PUBLIC_URL}{link}", "follow-up")


def case_uphold_appeal(*, case: BadReviewCase, note: str, by: User, ip: str | None = None) -> BadReviewCase:
    """复核：认定不实 (误评/恶意差评 upheld by the hall supervisor); the case ends."""
    note = _required(note, "note", "请填写复核意见。")

    def change(c: BadReviewCase) -> None:
        c.appeal_note = note
        c.closed_at = timezone.now()
        _set_due(c, None)

    result = _act(case, CaseAction.UPHOLD_APPEAL, by=by, ip=ip, note=f"复核认定不实：{note}", change=change)
    _tell_follow_up(result, "您的评价经复核认定为不实评价。")
    return result


def case_reject_appeal(
    *, case: BadReviewCase, note: str, by: User, today: date | None = None, ip: str | None = None
) -> BadReviewCase:
    """复核：驳回申诉 — the 差评 is true after all; rectification due in 15 working days."""
    note = _required(note, "note", "请填写复核意见。")
    due = add_working_days(_today(today), settings.EVALUATIONS_RECTIFY_DAYS)

    def change(c: BadReviewCase) -> None:
        c.appeal_note = note
        c.verification = Verification.TRUE
        _set_due(c, due)

    return _act(
        case,
        CaseAction.REJECT_APPEAL,
        by=by,
        ip=ip,
        note=f"复核驳回申诉：{note}",
        change=change,
        tell=f"您反映的问题经复核属实，责任部门将于 {due:%Y年%m月%d日} 前完成整改。",
    )

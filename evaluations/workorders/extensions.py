"""Extensions (延期) and supervision (督办) of work orders: the department asks, the hall decides;
an overdue order is put under supervision. Same pattern as ``services``: locked, checked, audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from evaluations.workorders import clock
from evaluations.workorders.models import WorkOrder
from evaluations.workorders.services import (
    MAX_EXTENSION,
    _link,
    _locked,
    _notify_after_commit,
    _record,
    _snapshot,
    department_staff,
    hall_supervisors,
)
from evaluations.workorders.transitions import Action, check_transition
from hall.models import User
from hall.workdays import current_calendar

# --- Extension and supervision ---------------------------------------------------------------------


def workorder_request_extension(
    *, order: WorkOrder, by: User, amount: int, reason: str, ip: str | None = None
) -> WorkOrder:
    """申请延期: the department asks for more time (in the order's unit) with a written reason."""
    reason = (reason or "").strip()
    with transaction.atomic():
        order = _locked(order)
        to_status = check_transition(order, Action.REQUEST_EXTENSION, by)
        errors = {}
        if not isinstance(amount, int) or amount <= 0:
            errors["amount"] = "延长时限应为正整数。"
        elif order.extended_amount + amount > MAX_EXTENSION:
            errors["amount"] = f"累计延期不能超过 {MAX_EXTENSION} {order.get_limit_unit_display()}。"
        if not reason:
            errors["reason"] = "请填写延期理由。"
        if errors:
            raise ValidationError(errors)
        before, from_status = _snapshot(order), order.status
        order.status = to_status
        order.pending_extension, order.pending_extension_reason, order.pending_extension_by = amount, reason, by
        order.save()
        event = _record(
            order,
            action=Action.REQUEST_EXTENSION,
            from_status=from_status,
            by=by,
            before=before,
            note=f"申请延期 {amount} {order.get_limit_unit_display()}：{reason}",
            department=order.department,
            ip=ip,
        )
        _notify_after_commit(
            hall_supervisors(),
            title=f"工单延期待审批：{order.number}",
            body=reason,
            link=_link(order),
            key=f"wo-ext-{event.pk}",
        )
    return order


def workorder_approve_extension(*, order: WorkOrder, by: User, note: str = "", ip: str | None = None) -> WorkOrder:
    """批准延期: the deadline moves back by the requested working days/hours."""
    with transaction.atomic():
        order = _locked(order)
        to_status = check_transition(order, Action.APPROVE_EXTENSION, by)
        before, from_status = _snapshot(order), order.status
        calendar = current_calendar()
        amount = order.pending_extension
        order.status = to_status
        order.extended_amount += amount
        order.deadline_at = clock.deadline_for(
            order.clock_started_at, order.limit_amount + order.extended_amount, order.limit_unit, calendar=calendar
        )
        order.warning_level = clock.warning_level_at(timezone.now(), order.deadline_at, calendar=calendar)
        order.pending_extension, order.pending_extension_reason, order.pending_extension_by = None, "", None
        order.save()
        _record(
            order,
            action=Action.APPROVE_EXTENSION,
            from_status=from_status,
            by=by,
            before=before,
            note=f"批准延期 {amount} {order.get_limit_unit_display()}，办理期限调整为 "
            f"{timezone.localtime(order.deadline_at):%Y-%m-%d %H:%M}" + (f"。{note.strip()}" if note.strip() else ""),
            ip=ip,
        )
    return order


def workorder_reject_extension(*, order: WorkOrder, by: User, reason: str, ip: str | None = None) -> WorkOrder:
    """驳回延期: the deadline stays; the reason is required."""
    reason = (reason or "").strip()
    with transaction.atomic():
        order = _locked(order)
        to_status = check_transition(order, Action.REJECT_EXTENSION, by)
        if not reason:
            raise ValidationError({"reason": "驳回延期须说明理由。"})
        before, from_status = _snapshot(order), order.status
        order.status = to_status
        order.pending_extension, order.pending_extension_reason, order.pending_extension_by = None, "", None
        order.save()
        _record(
            order,
            action=Action.REJECT_EXTENSION,
            from_status=from_status,
            by=by,
            before=before,
            note=f"驳回延期：{reason}",
            ip=ip,
        )
    return order


def workorder_supervise(*, order: WorkOrder, by: User, note: str = "", ip: str | None = None) -> WorkOrder:
    """督办: an overdue order is put under the supervisor's watch; the department is told."""
    with transaction.atomic():
        order = _locked(order)
        to_status = check_transition(order, Action.SUPERVISE, by)
        before, from_status = _snapshot(order), order.status
        order.status = to_status
        order.is_supervised = True
        order.save()
        event = _record(
            order,
            action=Action.SUPERVISE,
            from_status=from_status,
            by=by,
            before=before,
            note=note.strip() or "超期督办",
            department=order.department,
            ip=ip,
        )
        if order.department_id:
            _notify_after_commit(
                department_staff(order.department_id),
                title=f"工单已被督办：{order.number}",
                body=note.strip() or order.title,
                link=_link(order),
                key=f"wo-supervise-{event.pk}",
                level="danger",
            )
    return order

"""Every write of a work order's life cycle (工单全流程): receipt, dispatch, sign, return, reply,
callback, reopen, close, extensions and supervision.

Each transition service runs in ``transaction.atomic()``, re-reads the row with
``select_for_update()``, checks the transitions table, changes the row, appends a
``WorkOrderEvent`` and writes the audit record; notifications and the reply pushed back to the
12345 platform go out after commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from evaluations.workorders import clock
from evaluations.workorders.models import (
    CallbackResult,
    Kind,
    LimitUnit,
    NumberSequence,
    Source,
    Status,
    TimeLimit,
    Urgency,
    WarningLevel,
    WorkOrder,
    WorkOrderEvent,
)
from evaluations.workorders.transitions import Action, check_transition
from hall.models import Department, Site, User, Window
from hall.services.audit import audit_record
from hall.services.notifications import notification_send
from hall.validators import validate_credit_code
from hall.workdays import current_calendar

# Defaults of the time-limit table (DOMAIN.md §6), used when an administrator removed a row.
DEFAULT_LIMITS = {
    Kind.CONSULTATION: (3, LimitUnit.WORKING_DAYS),
    Kind.HELP: (13, LimitUnit.WORKING_DAYS),
    Kind.COMPLAINT: (13, LimitUnit.WORKING_DAYS),
    Kind.REPORT: (13, LimitUnit.WORKING_DAYS),
    Kind.SUGGESTION: (13, LimitUnit.WORKING_DAYS),
    Kind.PRAISE: (3, LimitUnit.WORKING_DAYS),
}
URGENT_LIMIT = (24, LimitUnit.WORKING_HOURS)
MAX_EXTENSION = 30
AUDIT_FIELDS = [
    "status",
    "department_id",
    "deadline_at",
    "extended_amount",
    "pending_extension",
    "callback_result",
    "reopen_count",
    "is_supervised",
    "on_time",
]


@dataclass
class Requester:
    """The person or market entity behind a request (诉求人)."""

    name: str = ""
    phone: str = ""
    is_market_entity: bool = False
    entity_name: str = ""
    entity_credit_code: str = ""


@dataclass
class OrderInput:
    """What a receipt needs: source, kind, urgency, the request and where it was taken."""

    source: str
    kind: str
    title: str
    content: str
    requester: Requester = field(default_factory=Requester)
    urgency: str = Urgency.NORMAL
    hotline_number: str = ""
    matter_id: int | None = None
    department_id: int | None = None
    site_id: int | None = None
    window_id: int | None = None
    application_numbers: list[str] = field(default_factory=list)
    received_at: datetime | None = None
    evaluation_id: int | None = None  # 差评转办: the 差评 routed here (idempotent per evaluation)


# --- Helpers ------------------------------------------------------------------------------------------


def time_limit_for(kind: str, urgency: str) -> tuple[int, str]:
    """(amount, unit) from the admin-editable table, else the national/local default."""
    row = TimeLimit.objects.filter(kind=kind, urgency=urgency).values_list("amount", "unit").first()
    if row:
        return row
    return URGENT_LIMIT if urgency == Urgency.URGENT else DEFAULT_LIMITS[kind]


def issue_numbers(*, year: int, count: int = 1) -> list[str]:
    """Reserve ``count`` consecutive numbers GD<year><7 digits> under the sequence row's lock."""
    with transaction.atomic():
        NumberSequence.objects.get_or_create(year=year)
        seq = NumberSequence.objects.select_for_update().get(year=year)
        first = seq.last_value + 1
        seq.last_value = F("last_value") + count
        seq.save(update_fields=["last_value"])
    return [f"GD{year}{n:07d}" for n in range(first, first + count)]


def validate_order_input(data: OrderInput) -> dict[str, Any]:
    """Check one receipt; returns the looked-up relations. Raises ``ValidationError`` per field."""
    errors: dict[str, Any] = {}
    if data.source not in Source.values:
        errors["source"] = f"未知的工单来源“{data.source}”。"
    if data.kind not in Kind.values:
        errors["kind"] = f"未知的诉求类型“{data.kind}”，应为：{'、'.join(Kind.labels)}。"
    if data.urgency not in Urgency.values:
        errors["urgency"] = f"未知的紧急程度“{data.urgency}”，应为：一般、紧急。"
    if not data.title.strip():
        errors["title"] = "请填写诉求标题。"
    elif len(data.title) > 200:
        errors["title"] = "诉求标题不能超过 200 字。"
    if not data.content.strip():
        errors["content"] = "请填写诉求内容。"
    if data.source == Source.HOTLINE and not data.hotline_number.strip():
        errors["hotline_number"] = "12345 热线工单须填写热线工单号。"
    if len(data.hotline_number) > 40:
        errors["hotline_number"] = "热线工单号不能超过 40 个字符。"
    person = data.requester
    if len(person.name) > 50:
        errors["requester_name"] = "诉求人姓名不能超过 50 字。"
    phone = person.phone.strip()
    if phone and (len(phone) > 20 or not phone.replace("-", "").isdigit()):
        errors["requester_phone"] = "联系电话只能包含数字和“-”，不超过 20 位。"
    if person.is_market_entity:
        if not person.entity_name.strip():
            errors["entity_name"] = "市场主体诉求须填写市场主体名称。"
        try:
            validate_credit_code(person.entity_credit_code.strip().upper())
        except ValidationError as exc:
            errors["entity_credit_code"] = exc.messages
    related: dict[str, Any] = {}
    if data.matter_id is not None:
        from hall.catalog.models import Matter

        related["matter"] = Matter.objects.filter(pk=data.matter_id).first()
        if related["matter"] is None:
            errors["matter"] = "所选事项不存在。"
    if data.department_id is not None:
        related["department"] = Department.objects.filter(pk=data.department_id, is_active=True).first()
        if related["department"] is None:
            errors["department"] = "所选部门不存在或已停用。"
    if data.site_id is not None:
        related["site"] = Site.objects.filter(pk=data.site_id).first()
        if related["site"] is None:
            errors["site"] = "所选服务场所不存在。"
    if data.window_id is not None:
        related["window"] = Window.objects.filter(pk=data.window_id).first()
        if related["window"] is None:
            errors["window"] = "所选窗口不存在。"
    if data.application_numbers:
        from approvals.models import Application

        numbers = [n.strip() for n in data.application_numbers if n.strip()]
        apps = list(Application.objects.filter(number__in=numbers))
        missing = sorted(set(numbers) - {a.number for a in apps})
        if missing:
            errors["application_numbers"] = f"办件编号不存在：{'、'.join(missing)}。"
        related["applications"] = apps
    if errors:
        raise ValidationError(errors)
    return related


def _snapshot(order: WorkOrder) -> dict[str, Any]:
    data = {}
    for name in AUDIT_FIELDS:
        value = getattr(order, name)
        data[name] = value if isinstance(value, (int, bool, str, type(None))) else str(value)
    return data


def _locked(order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.select_for_update().get(pk=order.pk)


def _record(
    order: WorkOrder,
    *,
    action: str,
    from_status: str,
    by: User | None,
    before: dict | None,
    note: str = "",
    department=None,
    ip: str | None = None,
    extra: dict | None = None,
) -> WorkOrderEvent:
    """Append the history entry and the audit record of one step."""
    event = WorkOrderEvent.objects.create(
        order=order,
        action=action,
        from_status=from_status,
        to_status=order.status,
        department=department,
        actor=by if by is not None and by.pk else None,
        actor_repr=str(by) if by is not None else "系统",
        note=note,
        created_at=timezone.now(),
    )
    audit_record(
        actor=by,
        action=f"workorder.{action}",
        obj=order,
        before=before,
        after={**_snapshot(order), **(extra or {})},
        note=note,
        ip=ip,
    )
    return event


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _link(order: WorkOrder) -> str:
    return reverse("workorder_detail", args=[order.number])


def _notify_after_commit(recipients, *, title: str, body: str, link: str, key: str, level: str = "info") -> None:
    ids = [u.pk for u in recipients]

    def send():
        notification_send(
            recipients=User.objects.filter(pk__in=ids), title=title, body=body, link=link, level=level, dedupe_key=key
        )

    transaction.on_commit(send)


def department_staff(department_id: int) -> list[User]:
    """Who receives a department's orders: its approvers (and those of its sections)."""
    return list(
        User.objects.filter(role=User.Role.APPROVER, is_active=True, department__in=_dept_and_sections(department_id))
    )


def _dept_and_sections(department_id: int) -> list[int]:
    return [department_id, *Department.objects.filter(parent_id=department_id).values_list("pk", flat=True)]


def hall_supervisors() -> list[User]:
    return list(User.objects.filter(role=User.Role.SUPERVISOR, is_active=True))


# --- Receipt -----------------------------------------------------------------------------------------


def workorder_receive(*, data: OrderInput, by: User | None, ip: str | None = None) -> tuple[WorkOrder, bool]:
    """Register a request (登记受理). Idempotent by the hotline's number: an order already received
    with the same 12345 number is returned unchanged, with ``created`` False."""
    check_transition(None, Action.RECEIVE, by)
    related = validate_order_input(data)
    hotline_number = data.hotline_number.strip()
    with transaction.atomic():
        if hotline_number:
            existing = WorkOrder.objects.select_for_update().filter(hotline_number=hotline_number).first()
            if existing is not None:
                return existing, False
        if data.evaluation_id is not None:
            existing = WorkOrder.objects.select_for_update().filter(evaluation_id=data.evaluation_id).first()
            if existing is not None:
                return existing, False
        calendar = current_calendar()
        received_at = data.received_at or timezone.now()
        amount, unit = time_limit_for(data.kind, data.urgency)
        person = data.requester
        window = related.get("window")
        site = related.get("site") or (window.site if window else None) or getattr(by, "site", None)
        order = WorkOrder(
            number=issue_numbers(year=timezone.localdate(received_at).year)[0],
            source=data.source,
            kind=data.kind,
            urgency=data.urgency,
            status=Status.RECEIVED,
            hotline_number=hotline_number,
            evaluation_id=data.evaluation_id,
            title=data.title.strip(),
            content=data.content.strip(),
            requester_name=person.name.strip(),
            requester_phone=person.phone.strip(),
            is_market_entity=person.is_market_entity,
            entity_name=person.entity_name.strip() if person.is_market_entity else "",
            entity_credit_code=person.entity_credit_code.strip().upper() if person.is_market_entity else "",
            matter=related.get("matter"),
            department=related.get("department"),
            site=site,
            window=window,
            received_by=by if by is not None and by.pk else None,
            received_at=received_at,
            received_on=timezone.localdate(received_at),
            clock_started_at=received_at,
            limit_amount=amount,
            limit_unit=unit,
            deadline_at=clock.deadline_for(received_at, amount, unit, calendar=calendar),
        )
        order.warning_level = clock.warning_level_at(timezone.now(), order.deadline_at, calendar=calendar)
        order.save()
        if related.get("applications"):
            order.applications.set(related["applications"])
        _record(
            order,
            action=Action.RECEIVE,
            from_status="",
            by=by,
            before=None,
            note=f"{order.get_source_display()}·{order.get_kind_display()}：{order.title}",
            ip=ip,
        )
        _notify_after_commit(
            hall_supervisors(),
            title=f"新工单待派单：{order.number}",
            body=order.title,
            link=_link(order),
            key=f"wo-new-{order.pk}",
        )
    return order, True


# --- Dispatch, sign, return ----------------------------------------------------------------------------


def workorder_dispatch(
    *, order: WorkOrder, department: Department | None, by: User, note: str = "", ip: str | None = None
) -> WorkOrder:
    """派单: a hall supervisor sends the order to a department (again, after a return)."""
    if department is None or not isinstance(department, Department):
        raise ValidationError({"department": "请选择承办部门。"})
    with transaction.atomic():
        order = _locked(order)
        to_status = check_transition(order, Action.DISPATCH, by)
        if not Department.objects.filter(pk=department.pk, is_active=True).exists():
            raise ValidationError({"department": "所选部门不存在或已停用。"})
        before, from_status = _snapshot(order), order.status
        now = timezone.now()
        order.status = to_status
        order.department = department
        if order.dispatched_at is None:
            order.dispatched_at, order.dispatched_on = now, timezone.localdate(now)
        order.save()
        text = f"派至{department.name}" + (f"：{note.strip()}" if note.strip() else "")
        event = _record(
            order,
            action=Action.DISPATCH,
            from_status=from_status,
            by=by,
            before=before,
            note=text,
            department=department,
            ip=ip,
        )
        _notify_after_commit(
            department_staff(department.pk),
            title=f"新派工单待签收：{order.number}",
            body=f"{order.get_kind_display()}：{order.title}，办理期限 {_when(order.deadline_at)}",
            link=_link(order),
            key=f"wo-dispatch-{event.pk}",
        )
    return order


def workorder_sign(*, order: WorkOrder, by: User, ip: str | None = None) -> WorkOrder:
    """签收: the department takes the order; it is now in handling."""
    with transaction.atomic():
        order = _locked(order)
        to_status = check_transition(order, Action.SIGN, by)
        before, from_status = _snapshot(order), order.status
        order.status = to_status
        order.signed_at = timezone.now()
        order.save()
        _record(
            order, action=Action.SIGN, from_status=from_status, by=by, before=before, department=order.department, ip=ip
        )
    return order


def workorder_return(*, order: WorkOrder, by: User, reason: str, ip: str | None = None) -> WorkOrder:
    """退回: the department sends the order back to the supervisor with a reason (e.g. not its duty)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        order = _locked(order)
        to_status = check_transition(order, Action.RETURN, by)
        if not reason:
            raise ValidationError({"reason": "退回须说明理由。"})
        before, from_status = _snapshot(order), order.status
        order.status = to_status
        order.return_count += 1
        order.save()
        event = _record(
            order,
            action=Action.RETURN,
            from_status=from_status,
            by=by,
            before=before,
            note=f"{order.department.name}退回：{reason}",
            department=order.department,
            ip=ip,
        )
        _notify_after_commit(
            hall_supervisors(),
            title=f"工单被退回，请重新派单：{order.number}",
            body=f"{order.department.name}：{reason}",
            link=_link(order),
            key=f"wo-return-{event.pk}",
            level="warning",
        )
    return order


# --- Reply, callback, close ----------------------------------------------------------------------------


def workorder_reply(*, order: WorkOrder, by: User, text: str, ip: str | None = None) -> WorkOrder:
    """答复: the department answers the requester; a 12345 order's reply is pushed back after commit."""
    text = (text or "").strip()
    with transaction.atomic():
        order = _locked(order)
        to_status = check_transition(order, Action.REPLY, by)
        if not text:
            raise ValidationError({"text": "请填写答复内容。"})
        if len(text) > 5000:
            raise ValidationError({"text": "答复内容不能超过 5000 字。"})
        before, from_status = _snapshot(order), order.status
        now = timezone.now()
        order.status = to_status
        order.reply_text = text
        order.replied_at = now
        order.callback_due_on = current_calendar().add_working_days(timezone.localdate(now), 1)
        order.save()
        event = _record(
            order,
            action=Action.REPLY,
            from_status=from_status,
            by=by,
            before=before,
            note=text,
            department=order.department,
            ip=ip,
        )
        if order.source == Source.HOTLINE:
            from evaluations.workorders.hotline import reply_enqueue

            reply_enqueue(order=order, event=event)
    return order


def workorder_callback(*, order: WorkOrder, by: User, result: str, note: str = "", ip: str | None = None) -> WorkOrder:
    """回访: the requester is called back after the reply. "Not satisfied" reopens the order once
    (重办, the clock starts again); otherwise the order waits to be closed."""
    valid = (CallbackResult.SATISFIED, CallbackResult.DISSATISFIED, CallbackResult.NOT_REACHED)
    if result not in valid:
        raise ValidationError({"result": "请选择回访结果：满意、不满意或未接通。"})
    with transaction.atomic():
        order = _locked(order)
        reopen = result == CallbackResult.DISSATISFIED and order.reopen_count == 0 and order.status == Status.REPLIED
        action = Action.REOPEN if reopen else Action.CALLBACK
        to_status = check_transition(order, action, by)
        before, from_status = _snapshot(order), order.status
        now = timezone.now()
        order.status = to_status
        order.callback_result = result
        order.callback_note = note.strip()
        order.callback_at = now
        text = f"回访结果：{CallbackResult(result).label}" + (f"。{note.strip()}" if note.strip() else "")
        if reopen:
            calendar = current_calendar()
            order.reopen_count += 1
            order.clock_started_at = now
            order.deadline_at = clock.deadline_for(
                now, order.limit_amount + order.extended_amount, order.limit_unit, calendar=calendar
            )
            order.warning_level = clock.warning_level_at(now, order.deadline_at, calendar=calendar)
            order.warned_level = WarningLevel.NONE
            text += f"；退回{order.department.name}重新办理，办理期限 {_when(order.deadline_at)}"
        order.save()
        event = _record(
            order,
            action=action,
            from_status=from_status,
            by=by,
            before=before,
            note=text,
            department=order.department,
            ip=ip,
        )
        if reopen:
            _notify_after_commit(
                department_staff(order.department_id),
                title=f"工单回访不满意，请重新办理：{order.number}",
                body=note.strip() or order.title,
                link=_link(order),
                key=f"wo-reopen-{event.pk}",
                level="warning",
            )
    return order


def workorder_close(*, order: WorkOrder, by: User, ip: str | None = None) -> WorkOrder:
    """办结: the supervisor closes a called-back order; on time when the last reply met the deadline."""
    with transaction.atomic():
        order = _locked(order)
        to_status = check_transition(order, Action.CLOSE, by)
        before, from_status = _snapshot(order), order.status
        now = timezone.now()
        order.status = to_status
        order.closed_at, order.closed_on = now, timezone.localdate(now)
        order.on_time = order.replied_at is not None and order.replied_at <= order.deadline_at
        order.handling_working_days = current_calendar().working_days_between(
            order.received_on, timezone.localdate(order.replied_at or now)
        )
        order.warning_level = WarningLevel.NONE
        order.save()
        _record(
            order,
            action=Action.CLOSE,
            from_status=from_status,
            by=by,
            before=before,
            note="按期办结" if order.on_time else "超期办结",
            ip=ip,
        )
    return order

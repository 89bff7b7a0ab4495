"""Services of work orders against the real database: the lifecycle, its refusals, the clock,
extensions, supervision, the sweep and the 12345 idempotency."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from evaluations.workorders import clock, extensions, services
from evaluations.workorders.models import (
    CallbackResult,
    HotlineReply,
    Kind,
    Source,
    Status,
    TimeLimit,
    Urgency,
    WarningLevel,
    WorkOrder,
    WorkOrderEvent,
)
from evaluations.workorders.sweep import workorders_sweep_warnings
from evaluations.workorders.tests.conftest import order_input
from evaluations.workorders.transitions import TransitionNotAllowed
from hall.models import AuditLog, Notification
from hall.workdays import add_working_minutes

pytestmark = pytest.mark.django_db


def _at(y, m, d, hh=0, mm=0):
    return timezone.make_aware(datetime(y, m, d, hh, mm))


def test_full_lifecycle_with_return_reopen_and_close(
    people, department, make_order, django_capture_on_commit_callbacks
):
    supervisor, approver, clerk = people["supervisor"], people["approver"], people["clerk"]
    order = make_order()
    assert order.status == Status.RECEIVED and order.number.startswith("GD")
    assert (order.limit_amount, order.limit_unit) == (13, "days")
    order = services.workorder_dispatch(order=order, department=department, by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        order = services.workorder_return(order=order, by=approver, reason="不属于本部门职责")
    assert order.status == Status.RETURNED and order.return_count == 1
    order = services.workorder_dispatch(order=order, department=department, by=supervisor)
    order = services.workorder_sign(order=order, by=approver)
    order = services.workorder_reply(order=order, by=approver, text="已协调窗口统一材料清单。")
    assert order.callback_due_on is not None
    order = services.workorder_callback(order=order, by=clerk, result=CallbackResult.DISSATISFIED, note="仍未解决")
    assert order.status == Status.IN_HANDLING and order.reopen_count == 1
    order = services.workorder_reply(order=order, by=approver, text="已当面办结变更。")
    order = services.workorder_callback(order=order, by=clerk, result=CallbackResult.SATISFIED)
    assert order.status == Status.CALLED_BACK
    order = services.workorder_close(order=order, by=supervisor)
    assert order.status == Status.CLOSED and order.on_time is True and order.handling_working_days is not None
    actions = list(order.events.values_list("action", flat=True))
    assert actions == [
        "receive",
        "dispatch",
        "return",
        "dispatch",
        "sign",
        "reply",
        "reopen",
        "reply",
        "callback",
        "close",
    ]
    assert AuditLog.objects.filter(action__startswith="workorder.", object_id=str(order.pk)).count() == len(actions)
    assert Notification.objects.filter(recipient=supervisor, title__contains="退回").exists()


def test_dissatisfied_twice_does_not_reopen_again(people, department, make_order):
    supervisor, approver, clerk = people["supervisor"], people["approver"], people["clerk"]
    order = make_order()
    order = services.workorder_dispatch(order=order, department=department, by=supervisor)
    order = services.workorder_sign(order=order, by=approver)
    order = services.workorder_reply(order=order, by=approver, text="答复一")
    order = services.workorder_callback(order=order, by=clerk, result=CallbackResult.DISSATISFIED)
    order = services.workorder_reply(order=order, by=approver, text="答复二")
    order = services.workorder_callback(order=order, by=clerk, result=CallbackResult.DISSATISFIED)
    assert order.status == Status.CALLED_BACK and order.reopen_count == 1


def test_unknown_kind_is_refused_per_field(people):
    with pytest.raises(ValidationError) as exc:
        services.workorder_receive(data=order_input(kind="rumour"), by=people["clerk"])
    assert "kind" in exc.value.message_dict
    assert WorkOrder.objects.count() == 0


def test_market_entity_needs_a_valid_credit_code(people):
    bad = services.Requester(
        name="某公司", is_market_entity=True, entity_name="某公司", entity_credit_code="91440300708461136X"
    )
    with pytest.raises(ValidationError) as exc:
        services.workorder_receive(data=order_input(requester=bad), by=people["clerk"])
    assert "entity_credit_code" in exc.value.message_dict
    good = services.Requester(
        name="某公司", is_market_entity=True, entity_name="某公司", entity_credit_code="91440300708461136T"
    )
    order, _ = services.workorder_receive(data=order_input(requester=good), by=people["clerk"])
    assert order.is_market_entity


def test_reply_to_an_order_not_in_handling_is_a_conflict(people, department, make_order):
    order = services.workorder_dispatch(order=make_order(), department=department, by=people["supervisor"])
    with pytest.raises(TransitionNotAllowed):
        services.workorder_reply(order=order, by=people["approver"], text="答复")
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED and order.reply_text == ""


def test_callback_before_the_reply_is_a_conflict(people, department, make_order):
    order = services.workorder_dispatch(order=make_order(), department=department, by=people["supervisor"])
    order = services.workorder_sign(order=order, by=people["approver"])
    with pytest.raises(TransitionNotAllowed):
        services.workorder_callback(order=order, by=people["clerk"], result=CallbackResult.SATISFIED)
    order.refresh_from_db()
    assert order.callback_result == "" and order.status == Status.IN_HANDLING


def test_return_needs_a_reason_and_cannot_be_repeated(people, department, make_order):
    order = services.workorder_dispatch(order=make_order(), department=department, by=people["supervisor"])
    with pytest.raises(ValidationError) as exc:
        services.workorder_return(order=order, by=people["approver"], reason="  ")
    assert "reason" in exc.value.message_dict
    order = services.workorder_return(order=order, by=people["approver"], reason="非本部门职责")
    with pytest.raises(TransitionNotAllowed):
        services.workorder_return(order=order, by=people["approver"], reason="")
    order.refresh_from_db()
    assert order.return_count == 1
    assert WorkOrderEvent.objects.filter(order=order, action="return").count() == 1


def test_other_department_cannot_sign(people, department, make_order, other_approver):
    order = services.workorder_dispatch(order=make_order(), department=department, by=people["supervisor"])
    with pytest.raises(PermissionDenied):
        services.workorder_sign(order=order, by=other_approver)
    with pytest.raises(PermissionDenied):
        services.workorder_dispatch(order=make_order(), department=department, by=people["clerk"])


def test_day_limit_ends_at_closing_of_the_nth_working_day(settings):
    # Thursday 2026-03-05: 3 working days → Tue 10 March (the day of receipt is not counted).
    deadline = clock.deadline_for(_at(2026, 3, 5, 10, 0), 3, "days")
    assert timezone.localtime(deadline).date().isoformat() == "2026-03-10"
    # Across the National Day holidays (10/1–7) and the make-up Saturday 10/10 (a working day).
    deadline = clock.deadline_for(_at(2026, 9, 30, 10, 0), 3, "days")
    assert timezone.localtime(deadline).date().isoformat() == "2026-10-10"
    assert timezone.localtime(deadline).strftime("%H:%M") == "17:30"


def test_hour_limit_counts_only_opening_hours():
    # Friday 16:30 + 24 working hours (7 h a day) → Wednesday of the next week at 16:30.
    start = _at(2026, 3, 6, 16, 30)
    deadline = timezone.localtime(clock.deadline_for(start, 24, "hours"))
    # Fri 1 h, Mon 7 h, Tue 7 h, Wed 7 h = 22 h, Thu 2 h → Thu 11:00.
    assert deadline.strftime("%Y-%m-%d %H:%M") == "2026-03-12 11:00"
    # Starting at lunch time counts from 13:30.
    lunch = timezone.localtime(add_working_minutes(_at(2026, 3, 9, 12, 15), 30))
    assert lunch.strftime("%H:%M") == "14:00"


def test_urgent_limit_from_the_admin_table(people):
    TimeLimit.objects.filter(kind=Kind.COMPLAINT, urgency=Urgency.URGENT).update(amount=8)
    order, _ = services.workorder_receive(data=order_input(urgency=Urgency.URGENT), by=people["clerk"])
    assert (order.limit_amount, order.limit_unit) == (8, "hours")


def test_extension_needs_supervisor_approval(people, department, make_order):
    order = services.workorder_dispatch(order=make_order(), department=department, by=people["supervisor"])
    order = services.workorder_sign(order=order, by=people["approver"])
    before = order.deadline_at
    order = extensions.workorder_request_extension(order=order, by=people["approver"], amount=2, reason="需现场核实")
    assert order.deadline_at == before
    with pytest.raises(TransitionNotAllowed):
        extensions.workorder_request_extension(order=order, by=people["approver"], amount=1, reason="再延")
    with pytest.raises(PermissionDenied):
        extensions.workorder_approve_extension(order=order, by=people["approver"])
    order = extensions.workorder_approve_extension(order=order, by=people["supervisor"])
    assert order.deadline_at > before and order.extended_amount == 2 and order.pending_extension is None


def test_sweep_colours_escalates_and_notifies_once(people, department, make_order):
    order = make_order(received_at=timezone.now() - timedelta(days=40))
    order = services.workorder_dispatch(order=order, department=department, by=people["supervisor"])
    WorkOrder.objects.filter(pk=order.pk).update(warning_level=WarningLevel.NONE)
    first = workorders_sweep_warnings()
    order.refresh_from_db()
    assert order.warning_level == WarningLevel.RED and order.warned_level == WarningLevel.RED
    assert first["notifications"] >= 2  # the department's approver and the supervisors
    assert Notification.objects.filter(dedupe_key=f"wo-warn-{order.pk}-red", recipient=people["supervisor"]).exists()
    assert Notification.objects.filter(dedupe_key=f"wo-warn-{order.pk}-red", recipient=people["approver"]).exists()
    second = workorders_sweep_warnings()
    assert second == {"changed": 0, "notifications": 0, "announced": 0}
    order = extensions.workorder_supervise(order=order, by=people["supervisor"], note="请今日办结")
    assert order.is_supervised
    with pytest.raises(TransitionNotAllowed):
        extensions.workorder_supervise(order=order, by=people["supervisor"])


def test_hotline_receipt_is_idempotent_and_reply_is_pushed(people, department, django_capture_on_commit_callbacks):
    data = order_input(source=Source.HOTLINE, hotline_number="12345-2026-000001")
    first, created = services.workorder_receive(data=data, by=people["supervisor"])
    again, created_again = services.workorder_receive(data=data, by=people["supervisor"])
    assert created and not created_again and first.pk == again.pk
    order = services.workorder_dispatch(order=first, department=department, by=people["supervisor"])
    order = services.workorder_sign(order=order, by=people["approver"])
    with django_capture_on_commit_callbacks(execute=False):
        services.workorder_reply(order=order, by=people["approver"], text="已答复")
    reply = HotlineReply.objects.get(order=order)
    assert reply.payload["reply"] == "已答复" and reply.state == HotlineReply.State.PENDING
    from evaluations.workorders.hotline import reply_push

    assert reply_push(reply_id=reply.pk) == HotlineReply.State.SENT
    assert reply_push(reply_id=reply.pk) == "skipped"

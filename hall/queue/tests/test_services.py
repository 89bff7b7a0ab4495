"""Queue services against the real database: numbering, refusals, call order, the N:1 interleave,
the ticket life cycle, pauses, the daily close and the application hook."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hall.models import AuditLog, Window
from hall.queue import services
from hall.queue.models import CallLog, LineDay, ServiceRecord, Ticket, TicketApplicationLink
from hall.queue.tasks import close_day
from hall.queue.tests.factories import (
    AppointmentSlotFactory,
    PriorityCategoryFactory,
    QueueLineFactory,
    window_serving,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    return QueueLineFactory(prefix="A", priority_interleave=3)


@pytest.fixture
def window(line):
    return window_serving(line, number=3)


def clerk_of(window):
    return window.clerks.first()


def call(window):
    return services.ticket_call_next(window=window, by=clerk_of(window))


def finish(ticket, window):
    return services.ticket_finish(ticket=ticket, window=window, by=clerk_of(window))


def test_numbers_run_per_line_per_day_and_reset_the_next_day(line):
    other = QueueLineFactory(site=line.site, zone=line.zone, prefix="B")
    numbers = [services.ticket_issue(line=line).number for _ in range(3)]
    assert numbers == ["A001", "A002", "A003"]
    assert services.ticket_issue(line=other).number == "B001"
    tomorrow = timezone.now() + timedelta(days=1)
    assert services.ticket_issue(line=line, now=tomorrow).number == "A001"
    assert AuditLog.objects.filter(action="ticket.issue").count() == 5


def test_closed_and_full_lines_refuse_clearly(line):
    line.opens_at, line.closes_at = time(8, 30), time(17, 30)
    line.save()
    night = timezone.make_aware(datetime.combine(timezone.localdate(), time(20, 0)))
    with pytest.raises(services.LineUnavailable, match="不在取号时间内"):
        services.ticket_issue(line=line, now=night)
    line.opens_at, line.closes_at, line.daily_limit = time(0, 0), time(23, 59), 2
    line.save()
    services.ticket_issue(line=line)
    services.ticket_issue(line=line)
    with pytest.raises(services.LineUnavailable, match="今日号码已取完"):
        services.ticket_issue(line=line)
    line.is_active = False
    line.save()
    with pytest.raises(services.LineUnavailable, match="暂停取号"):
        services.ticket_issue(line=line)


def test_call_next_serves_due_appointments_then_interleave_then_fifo(line, window):
    elderly = PriorityCategoryFactory()
    normal = [services.ticket_issue(line=line) for _ in range(5)]
    priority = [services.ticket_issue(line=line, priority=elderly) for _ in range(2)]
    slot = AppointmentSlotFactory(line=line)
    appointment = services.appointment_book(slot=slot, phone="13712345678", id_number="11010519491231002X")
    booked = services.appointment_check_in(site=line.site, phone="13712345678", id_number="11010519491231002x")
    assert booked.appointment_id == appointment.pk and booked.source == Ticket.Source.APPOINTMENT

    order = []
    while (ticket := call(window)) is not None:
        order.append(ticket.number)
        finish(ticket, window)
    # The day starts as priority's turn; then 3 normal : 1 priority; the appointment goes first.
    assert order == [
        booked.number,
        priority[0].number,
        normal[0].number,
        normal[1].number,
        normal[2].number,
        priority[1].number,
        normal[3].number,
        normal[4].number,
    ]
    classes = list(CallLog.objects.order_by("id").values_list("call_class", flat=True))
    assert classes[:2] == ["appointment", "priority"]


def test_interleave_never_calls_more_than_n_normals_in_a_row_and_never_starves_them(line, window):
    elderly = PriorityCategoryFactory()
    for _ in range(30):
        services.ticket_issue(line=line)
    for _ in range(12):
        services.ticket_issue(line=line, priority=elderly)
    called = []
    while (ticket := call(window)) is not None:
        called.append(ticket.is_priority)
        finish(ticket, window)
    assert len(called) == 42
    streak = longest = 0
    priority_left = 12
    for is_priority in called:
        if is_priority:
            priority_left -= 1
            streak = 0
        else:
            streak += 1
            if priority_left:
                longest = max(longest, streak)
    assert longest <= line.priority_interleave
    # Priority never runs twice in a row while normal tickets wait: normal tickets are not starved.
    first_normal_gap = max(len(run) for run in "".join("P" if p else "N" for p in called[:40]).split("N") if run)
    assert first_normal_gap == 1


def test_a_lone_priority_ticket_is_not_left_behind_when_no_normal_waits(line, window):
    elderly = PriorityCategoryFactory()
    day_ticket = services.ticket_issue(line=line, priority=elderly)
    LineDay.objects.filter(line=line).update(normal_streak=0)
    assert call(window) == day_ticket


def test_window_must_finish_the_current_ticket_before_calling_again(line, window):
    services.ticket_issue(line=line)
    services.ticket_issue(line=line)
    first = call(window)
    with pytest.raises(ValidationError, match=f"请先处理当前号码 {first.number}"):
        call(window)


def test_recall_no_show_and_reactivate(line, window):
    ticket = services.ticket_issue(line=line)
    later = services.ticket_issue(line=line)
    clerk = clerk_of(window)
    ticket = call(window)
    with pytest.raises(ValidationError, match="重呼"):
        services.ticket_mark_no_show(ticket=ticket, window=window, by=clerk)
    services.ticket_recall(ticket=ticket, window=window, by=clerk)
    services.ticket_mark_no_show(ticket=ticket, window=window, by=clerk)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NO_SHOW and ticket.call_count == 2
    assert CallLog.objects.filter(ticket=ticket, action=CallLog.Action.RECALL).count() == 1
    services.ticket_reactivate(ticket=ticket, by=clerk)
    # Reactivated tickets queue again behind those already waiting.
    assert call(window) == later
    finish(later, window)
    assert call(window) == ticket
    with pytest.raises(ValidationError, match="不能恢复"):
        services.ticket_reactivate(ticket=ticket, by=clerk)


def test_transfer_keeps_the_number_and_only_the_target_window_calls_it(line, window):
    other_line = QueueLineFactory(site=line.site, zone=line.zone, prefix="C")
    other_window = window_serving(other_line, number=8)
    third_window = window_serving(other_line, number=9)
    ticket = services.ticket_issue(line=line)
    ticket = call(window)
    services.ticket_transfer(ticket=ticket, window=window, to_window=other_window, by=clerk_of(window))
    ticket.refresh_from_db()
    assert (ticket.number, ticket.line, ticket.status) == ("A001", other_line, Ticket.Status.WAITING)
    assert call(third_window) is None
    assert call(other_window) == ticket
    with pytest.raises(ValidationError, match="不办理"):
        services.ticket_transfer(
            ticket=ticket, window=other_window, to_line=other_line, to_window=window, by=clerk_of(other_window)
        )
    with pytest.raises(ValidationError, match="请选择"):
        services.ticket_transfer(ticket=ticket, window=other_window, by=clerk_of(other_window))


def test_pause_stops_calling_until_resume(line, window):
    services.ticket_issue(line=line)
    clerk = clerk_of(window)
    with pytest.raises(ValidationError, match="暂停原因"):
        services.window_pause(window=window, reason=" ", by=clerk)
    services.window_pause(window=window, reason="午间休息", by=clerk)
    assert Window.objects.get(pk=window.pk).status == Window.Status.PAUSED
    with pytest.raises(ValidationError, match="恢复服务后才能叫号"):
        call(window)
    services.window_resume(window=window, by=clerk)
    assert call(window) is not None
    assert window.pauses.get().ended_at is not None


def test_finish_records_times_and_the_evaluation_hook(line, window):
    # Fixed times of today: "ten minutes ago" would be yesterday between 00:00 and 00:10.
    noon = timezone.make_aware(datetime.combine(timezone.localdate(), time(12, 0)))
    services.ticket_issue(line=line, now=noon - timedelta(minutes=10))
    ticket = services.ticket_call_next(window=window, by=clerk_of(window), now=noon)
    services.ticket_start_service(ticket=ticket, window=window, by=clerk_of(window), now=noon)
    ticket = services.ticket_finish(ticket=ticket, window=window, by=clerk_of(window), now=noon + timedelta(minutes=5))
    assert ticket.status == Ticket.Status.DONE
    assert ticket.wait_seconds == 600 and ticket.service_seconds == 300
    record = ServiceRecord.objects.get(ticket=ticket)
    assert (record.window, record.clerk, record.evaluation_status) == (window, clerk_of(window), "pending")
    with pytest.raises(ValidationError, match="已办结"):
        finish(ticket, window)


def test_actions_on_a_ticket_of_another_window_are_refused(line, window):
    other = window_serving(line, number=4)
    services.ticket_issue(line=line)
    ticket = call(window)
    with pytest.raises(ValidationError, match="不在 4 号窗口"):
        services.ticket_recall(ticket=ticket, window=other, by=clerk_of(other))


def test_close_day_expires_yesterdays_waiting_tickets_once(line, window):
    yesterday = timezone.now() - timedelta(days=1)
    for _ in range(3):
        services.ticket_issue(line=line, now=yesterday)
    today_ticket = services.ticket_issue(line=line)
    assert close_day(str(timezone.localdate() - timedelta(days=1))) == 3
    assert close_day() == 0
    assert Ticket.objects.filter(status=Ticket.Status.EXPIRED).count() == 3
    today_ticket.refresh_from_db()
    assert today_ticket.status == Ticket.Status.WAITING
    assert AuditLog.objects.filter(action="ticket.close_day").count() == 1


def test_appointment_capacity_and_double_booking(line):
    slot = AppointmentSlotFactory(line=line, capacity=1)
    services.appointment_book(slot=slot, phone="13712345678")
    with pytest.raises(services.LineUnavailable, match="约满"):
        services.appointment_book(slot=slot, phone="13712345679")
    slot.capacity = 3
    slot.save()
    with pytest.raises(ValidationError, match="无需重复预约"):
        services.appointment_book(slot=slot, phone="13712345678")
    with pytest.raises(ValidationError, match="未找到"):
        services.appointment_check_in(site=line.site, phone="13700000000")


def test_link_application_is_idempotent_and_needs_a_called_ticket(line, window):
    ticket = services.ticket_issue(line=line)
    with pytest.raises(ValidationError, match="尚未叫号"):
        services.ticket_link_application(ticket=ticket, application_number="QY2026000001", by=None)
    ticket = call(window)
    services.ticket_link_application(ticket=ticket, application_number="QY2026000001", by=clerk_of(window))
    services.ticket_link_application(ticket=ticket, application_number="QY2026000001", by=clerk_of(window))
    assert TicketApplicationLink.objects.filter(ticket=ticket).count() == 1

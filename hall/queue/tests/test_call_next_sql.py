"""PostgreSQL: the one-statement call-next (``services._call_next_postgresql``) behaves exactly like
the ORM version (``services._call_next_python``, the SQLite path): same call order, same classes,
same errors, same rows written; and a second click racing the first is still refused."""

import threading
import time as clock
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from hall.models import AuditLog, Window
from hall.queue import services
from hall.queue.models import CallLog, LineDay, Ticket, WindowLine
from hall.queue.tests.factories import (
    AppointmentSlotFactory,
    PriorityCategoryFactory,
    QueueLineFactory,
    bulk_waiting_tickets,
    window_serving,
)

pytestmark = pytest.mark.postgres

DAY = date(2026, 3, 2)
BASE = timezone.make_aware(datetime.combine(DAY, time(9, 0)))


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _run_scenario(call_next) -> tuple[list, dict]:
    """Build a site (two lines, three windows, normal, priority, appointment and transferred
    tickets) and call through it with ``call_next``; return what happened and the rows written."""
    elderly = PriorityCategoryFactory()
    line_a = QueueLineFactory(prefix="A", priority_interleave=2)
    line_b = QueueLineFactory(site=line_a.site, zone=line_a.zone, prefix="B", priority_interleave=3)
    w1 = window_serving(line_a, number=1)
    WindowLine.objects.create(window=w1, line=line_b)  # window 1 serves both lines
    w2 = window_serving(line_a, number=2)
    w3 = window_serving(line_b, number=3)
    windows = {1: w1, 2: w2, 3: w3}
    clerks = {n: w.clerks.get() for n, w in windows.items()}

    def at(minutes: float) -> datetime:
        return BASE + timedelta(minutes=minutes)

    # Arrivals from 8:30: priority every 5th on A and every 4th on B.
    for i in range(24):
        line = line_a if i % 3 else line_b
        priority = elderly if (line is line_a and i % 5 == 0) or (line is line_b and i % 4 == 0) else None
        services.ticket_issue(line=line, priority=priority, now=at(-30 + i / 6))
    # Appointments: due at once; due at 9:20 but checked in last; never due during the run.
    for starts, checked_in in ((time(9, 5), -20), (time(9, 30), -1), (time(11, 0), -25)):
        slot = AppointmentSlotFactory(line=line_a, service_date=DAY, starts_at=starts, ends_at=time(12, 0))
        phone = f"1371234{starts.hour:02d}{starts.minute:02d}"
        services.appointment_book(slot=slot, phone=phone, now=at(-60))
        services.appointment_check_in(site=line_a.site, phone=phone, now=at(checked_in))
    # Transfers: a waiting B ticket to window 3 only; a waiting A ticket to line B.
    b_ticket = Ticket.objects.filter(line=line_b, is_priority=False).order_by("sequence")[1]
    services.ticket_transfer(ticket=b_ticket, by=None, to_window=w3, now=at(-0.5))
    a_ticket = Ticket.objects.filter(line=line_a, is_priority=False).order_by("sequence")[2]
    services.ticket_transfer(ticket=a_ticket, by=None, to_line=line_b, now=at(-0.4))

    events: list = []
    order = [1, 2, 3, 1, 1, 2, 3, 2]
    step = 0
    empty_in_a_row = 0
    no_show_done = False
    while empty_in_a_row < 3 and step < 200:
        n = order[step % len(order)]
        window, clerk, now = windows[n], clerks[n], at(step)
        if step == 9:
            services.window_pause(window=w2, reason="午间休息", by=clerks[2], now=now)
        if step == 14:
            services.window_resume(window=w2, by=clerks[2], now=now)
        ip = "2001:DB8::1" if step % 7 == 0 else "10.0.0.8"
        try:
            ticket = call_next(window=window, by=clerk if step != 4 else None, ip=ip, now=now)
        except ValidationError as exc:
            events.append((step, n, "error", _message(exc)))
            step += 1
            continue
        if ticket is None:
            events.append((step, n, "none"))
            empty_in_a_row += 1
            step += 1
            continue
        empty_in_a_row = 0
        stored = Ticket.objects.get(pk=ticket.pk)
        # The returned instance is the ticket as stored, field for field.
        assert {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields} == {
            f.attname: getattr(stored, f.attname) for f in Ticket._meta.concrete_fields
        }
        call_class = CallLog.objects.filter(ticket=ticket).latest("id").call_class
        streaks = tuple(
            LineDay.objects.filter(line__in=[line_a, line_b])
            .order_by("line__prefix")
            .values_list("normal_streak", flat=True)
        )
        events.append((step, n, "called", ticket.number, call_class, streaks))
        if step == 6:  # the same window clicks again before finishing
            try:
                call_next(window=window, by=clerk, ip=ip, now=now)
            except ValidationError as exc:
                events.append((step, n, "error", _message(exc)))
        if not no_show_done and not ticket.is_priority and step > 10:
            # Recall, no-show, then reactivate: it queues again at the end of its line.
            services.ticket_recall(ticket=ticket, window=window, by=clerk, now=now)
            services.ticket_mark_no_show(ticket=ticket, window=window, by=clerk)
            services.ticket_reactivate(ticket=ticket, by=clerk, now=now + timedelta(seconds=30))
            no_show_done = True
        else:
            services.ticket_finish(ticket=ticket, window=window, by=clerk, now=now + timedelta(seconds=40))
        step += 1

    site_tickets = Ticket.objects.filter(site=line_a.site)
    state = {
        "tickets": list(
            site_tickets.order_by("issued_line__prefix", "sequence").values_list(
                "number",
                "status",
                "line__prefix",
                "window__number",
                "clerk__full_name",
                "target_window__number",
                "call_count",
                "called_at",
                "last_called_at",
                "wait_seconds",
                "queued_at",
                "finished_at",
            )
        ),
        "days": list(
            LineDay.objects.filter(line__site=line_a.site)
            .order_by("line__prefix")
            .values_list("line__prefix", "service_date", "last_sequence", "normal_streak")
        ),
        "calls": list(
            CallLog.objects.filter(site=line_a.site)
            .order_by("id")
            .values_list("number", "window_number", "call_class", "action", "called_at", "clerk__full_name")
        ),
        "audit": [],
    }
    numbers = dict(site_tickets.values_list("pk", "number"))
    for entry in AuditLog.objects.filter(action="ticket.call", object_id__in=[str(pk) for pk in numbers]).order_by(
        "id"
    ):
        actor = entry.actor
        state["audit"].append(
            (
                actor.full_name if actor else None,
                entry.actor_repr == (str(actor) if actor else "系统"),
                entry.object_type,
                numbers[int(entry.object_id)],
                entry.object_repr,
                entry.before,
                entry.after,
                entry.note,
                entry.ip_address,
            )
        )
    return events, state


@pytest.mark.django_db
def test_the_statement_and_the_orm_version_call_in_the_same_order_and_write_the_same_rows():
    assert connection.vendor == "postgresql"

    def orm(*, window, by, ip, now):
        return services._call_next_python(window=window, by=by, ip=ip, now=now)

    def sql(*, window, by, ip, now):
        return services.ticket_call_next(window=window, by=by, ip=ip, now=now)

    python_events, python_state = _run_scenario(orm)
    sql_events, sql_state = _run_scenario(sql)

    # The scenario covers what it should.
    kinds = {e[4] for e in python_events if e[2] == "called"}
    assert kinds == {"appointment", "priority", "normal"}
    errors = [e[3] for e in python_events if e[2] == "error"]
    assert any("恢复服务后才能叫号" in m for m in errors) and any("请先处理当前号码" in m for m in errors)
    assert python_state["calls"] and len(python_state["audit"]) == len(
        [c for c in python_state["calls"] if c[3] == "call"]
    )

    assert sql_events == python_events
    for key in python_state:
        assert sql_state[key] == python_state[key], key
    # Nobody is left waiting, and the ticket transferred to window 3 was called there.
    assert not [t for t in sql_state["tickets"] if t[1] == "waiting"]


@pytest.mark.django_db(transaction=True)
def test_a_second_click_racing_the_first_is_refused_by_the_database():
    """The second statement starts (takes its snapshot) before the first commits, so it cannot see
    the first's ticket: the unique index on active tickets per window refuses it."""
    line = QueueLineFactory(prefix="A")
    window = window_serving(line, number=1)
    clerk = window.clerks.get()
    bulk_waiting_tickets(line, normal=3)
    called = threading.Event()
    release = threading.Event()
    result: dict = {}

    def first_click():
        try:
            with transaction.atomic():
                result["first"] = services.ticket_call_next(window=window, by=clerk)
                called.set()
                release.wait(10)
        finally:
            connection.close()

    def second_click():
        try:
            result["second"] = services.ticket_call_next(window=window, by=clerk)
        except ValidationError as exc:
            result["error"] = _message(exc)
        finally:
            connection.close()

    first = threading.Thread(target=first_click)
    first.start()
    second = threading.Thread(target=second_click)
    try:
        assert called.wait(10)
        second.start()
        deadline = clock.monotonic() + 10
        while clock.monotonic() < deadline:  # until the second click waits for the window's row lock
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                    ["EXECUTE queue_call_next%"],
                )
                if cursor.fetchone()[0]:
                    break
            clock.sleep(0.01)
        else:
            pytest.fail("the second click never waited for the first")
    finally:
        release.set()
        first.join()
        if second.ident is not None:
            second.join()

    assert "second" not in result
    assert result["error"] == f"请先处理当前号码 {result['first'].number}（办结、过号或转移）后再叫下一位。"
    assert list(Ticket.objects.filter(window=window, status__in=Ticket.ACTIVE_STATUSES)) == [result["first"]]
    assert CallLog.objects.count() == 1 and AuditLog.objects.filter(action="ticket.call").count() == 1


@pytest.mark.django_db
def test_refusals_match_the_orm_version():
    line = QueueLineFactory(prefix="A")
    window = window_serving(line, number=1)
    missing = Window(pk=999_999, number=99)
    for call_next in (services._call_next_python, services._call_next_postgresql):
        with pytest.raises(Window.DoesNotExist):
            call_next(window=missing, by=None, ip=None, now=timezone.now())
    Window.objects.filter(pk=window.pk).update(status=Window.Status.CLOSED)
    messages = set()
    for call_next in (services._call_next_python, services._call_next_postgresql):
        with pytest.raises(ValidationError) as exc:
            call_next(window=window, by=None, ip=None, now=timezone.now())
        messages.add(_message(exc.value))
    assert messages == {"1 号窗口当前为「关闭」，恢复服务后才能叫号。"}
    Window.objects.filter(pk=window.pk).update(status=Window.Status.OPEN)
    # No day row yet (nobody took a number today): nothing to call, on both paths.
    assert services._call_next_python(window=window, by=None, ip=None, now=timezone.now()) is None
    assert services._call_next_postgresql(window=window, by=None, ip=None, now=timezone.now()) is None

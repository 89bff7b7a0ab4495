"""PostgreSQL: twenty windows calling at once never get the same ticket, and the order rules hold."""

import threading

import pytest
from django.db import connection, transaction

from hall.queue import services
from hall.queue.models import CallLog, Ticket
from hall.queue.tests.factories import (
    PriorityCategoryFactory,
    QueueLineFactory,
    bulk_waiting_tickets,
    window_serving,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WINDOWS = 20


def test_twenty_windows_call_a_thousand_tickets_exactly_once_in_order():
    line = QueueLineFactory(prefix="A", priority_interleave=3, daily_limit=5000)
    windows = [window_serving(line, number=n) for n in range(1, WINDOWS + 1)]
    clerks = {w.pk: w.clerks.get() for w in windows}
    total = bulk_waiting_tickets(line, normal=880, priority=100, appointments=20, category=PriorityCategoryFactory())
    assert total == 1000

    barrier = threading.Barrier(WINDOWS)
    errors: list[Exception] = []
    called: dict[int, list[int]] = {w.pk: [] for w in windows}

    def work(window):
        try:
            barrier.wait()
            while True:
                ticket = services.ticket_call_next(window=window, by=clerks[window.pk])
                if ticket is None:
                    break
                called[window.pk].append(ticket.pk)
                services.ticket_finish(ticket=ticket, window=window, by=clerks[window.pk])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in windows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    all_called = [pk for ids in called.values() for pk in ids]
    assert len(all_called) == 1000 and len(set(all_called)) == 1000
    assert sum(1 for ids in called.values() if ids) > 1, "the windows really did share the work"
    assert Ticket.objects.filter(status=Ticket.Status.DONE).count() == 1000
    logs = list(CallLog.objects.order_by("id").values_list("ticket_id", "call_class", "ticket__queued_at"))
    assert len(logs) == 1000 and len({t for t, _, _ in logs}) == 1000

    classes = [c for _, c, _ in logs]
    # Due appointments first.
    assert classes[:20] == ["appointment"] * 20
    rest = classes[20:]
    # The interleave: never more than N normal in a row while priority tickets wait, and never
    # two priority in a row while normal tickets wait.
    priority_left, normal_left = rest.count("priority"), rest.count("normal")
    streak = 0
    for i, kind in enumerate(rest):
        if kind == "priority":
            priority_left -= 1
            assert streak >= line.priority_interleave or i == 0 or normal_left == 0, (i, streak)
            if i > 0 and rest[i - 1] == "priority":
                assert normal_left == 0, f"priority ran twice in a row at {i} with normal tickets waiting"
            streak = 0
        else:
            normal_left -= 1
            streak += 1
            if priority_left:
                assert streak <= line.priority_interleave, (i, streak)
    # First come first served within each class.
    for kind in ("normal", "priority", "appointment"):
        times = [at for _, c, at in logs if c == kind]
        assert times == sorted(times), kind


def test_call_next_skips_a_ticket_locked_by_another_transaction_instead_of_waiting():
    line = QueueLineFactory(prefix="A")
    window = window_serving(line, number=1)
    bulk_waiting_tickets(line, normal=2)
    first, second = Ticket.objects.order_by("queued_at")
    locked = threading.Event()
    release = threading.Event()

    def hold_first():
        with transaction.atomic():
            Ticket.objects.select_for_update().get(pk=first.pk)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_first)
    holder.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        assert services.ticket_call_next(window=window, by=None) == second
    finally:
        release.set()
        holder.join()

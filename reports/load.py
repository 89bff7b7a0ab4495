"""Bulk load data of the queue (压测取号数据) and the ``--scale`` presets of ``generate_load``.

Tickets are built in Python and written with ``COPY`` (no services, no audit) over the working days
of a year at the queue lines of the county hall; each called ticket gets its call record and each
finished one its service record (窗口服务记录, what the evaluations rate), derived in SQL from the
tickets. The phone field stays empty so no personal data is made up. ``SCALES`` keep every app in the proportions of
a real bureau: per application about 0.77 tickets (a large district: 1,300,000 applications,
1,000,000 tickets). Evaluations follow the rules rather than a target count: one online rating per
completed application (一事一评, 75 %) and one per finished window service (一次一评, 85 %), about
1,600,000 in such a year; the evaluations figure of each tuple only says whether to rate at all.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from hall.bulkcopy import copy_dicts, id_array, relax_commit
from hall.models import Site, User, Window
from hall.queue.models import CallLog, LineDay, QueueLine, ServiceRecord, Ticket
from hall.workdays import current_calendar

# name → (applications, evaluations, tickets, entities, work orders) for one year
SCALES = {
    "demo": (2_000, 3_800, 1_500, 300, 200),
    "county": (130_000, 250_000, 100_000, 8_000, 6_000),
    "district": (1_300_000, 2_500_000, 1_000_000, 60_000, 50_000),
    "bench-small": (130_000, 250_000, 100_000, 8_000, 6_000),
}
# name → applications of each earlier year for ``--history-years`` (the dashboards' ten-year
# county: ``--scale district --history-years 9``, 3,000,000 applications over ten years).
HISTORY_SCALES = {
    "demo": 500,
    "county": 30_000,
    "district": 300_000,
    "bench-small": 30_000,
}


def _lines() -> list[QueueLine]:
    lines = list(QueueLine.objects.filter(is_active=True, site__level=Site.Level.COUNTY).select_related("site", "zone"))
    if lines:
        return lines
    return list(QueueLine.objects.filter(is_active=True).select_related("site", "zone"))


def generate_tickets(
    *, count: int, year: int, today: date | None = None, seed: int | None = None, batch_size: int = 20000, progress=None
) -> int:
    """``count`` finished tickets (and their calls) spread over the working days of ``year`` up to ``today``."""
    today = today or timezone.localdate()
    rng = random.Random(seed)  # noqa: S311 (load data)
    lines = _lines()
    if not lines:
        return 0
    calendar = current_calendar()
    last = min(today - timedelta(days=1), date(year, 12, 31))
    days = [
        date(year, 1, 1) + timedelta(days=i)
        for i in range((last - date(year, 1, 1)).days + 1)
        if calendar.is_working_day(date(year, 1, 1) + timedelta(days=i))
    ]
    if not days:
        return 0
    windows_by_site: dict[int, list[Window]] = {}
    for window in Window.objects.filter(site__in={line.site_id for line in lines}):
        windows_by_site.setdefault(window.site_id, []).append(window)
    clerks = list(User.objects.filter(role=User.Role.CLERK, is_active=True).values_list("pk", flat=True)) or [None]
    per_day = max(count // len(days), 1)
    # Continue after whatever sequence each line already issued that day.
    sequences: dict[tuple[int, date], int] = {
        (line_id, day): last_seq
        for line_id, day, last_seq in LineDay.objects.filter(line__in=lines, service_date__in=days).values_list(
            "line_id", "service_date", "last_sequence"
        )
    }
    for line_id, day, seq in (
        Ticket.objects.filter(issued_line__in=lines, service_date__in=days)
        .values_list("issued_line_id", "service_date", "sequence")
        .order_by()
    ):
        sequences[(line_id, day)] = max(sequences.get((line_id, day), 0), seq)
    tz = timezone.get_current_timezone()
    ticket_table = connection.ops.quote_name(Ticket._meta.db_table)
    created = 0
    day_index = 0
    while created < count:
        tickets: list[dict] = []
        while len(tickets) < batch_size and created + len(tickets) < count:
            day = days[day_index % len(days)]
            opening = datetime.combine(day, time(8, 30), tzinfo=tz)
            for _ in range(min(per_day, count - created - len(tickets))):
                line = rng.choice(lines)
                key = (line.pk, day)
                sequence = sequences[key] = sequences.get(key, 0) + 1
                issued = opening + timedelta(seconds=rng.randrange(0, 8 * 3600))
                wait = int(rng.expovariate(1 / 900))
                windows = windows_by_site.get(line.site_id)
                window = rng.choice(windows) if windows else None
                no_show = window is None or rng.random() < 0.04
                called = issued + timedelta(seconds=wait)
                service = rng.randrange(120, 1500)
                tickets.append(
                    {
                        "site_id": line.site_id,
                        "issued_line_id": line.pk,
                        "line_id": line.pk,
                        "service_date": day,
                        "sequence": sequence,
                        "number": f"{line.prefix}{sequence:03d}"[:8],
                        "status": Ticket.Status.NO_SHOW if no_show else Ticket.Status.DONE,
                        "issued_at": issued,
                        "queued_at": issued,
                        "called_at": called if window else None,
                        "last_called_at": called if window else None,
                        "call_count": 1 if window else 0,
                        "service_started_at": None if no_show else called + timedelta(seconds=60),
                        "finished_at": None if no_show else called + timedelta(seconds=60 + service),
                        "window_id": window.pk if window else None,
                        "clerk_id": rng.choice(clerks) if window else None,
                        "wait_seconds": wait if window else None,
                        "service_seconds": None if no_show else service,
                    }
                )
            day_index += 1
        with transaction.atomic():
            relax_commit()
            copy_dicts(Ticket, tickets)
            ids = id_array(t["id"] for t in tickets)
            # The calls and the service records (窗口服务记录, what the evaluation tablet rates) follow
            # from the tickets: one statement each instead of a million Python objects.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {connection.ops.quote_name(CallLog._meta.db_table)} "  # noqa: S608
                    "(site_id, ticket_id, line_id, window_id, clerk_id, action, call_class, number, "
                    "window_number, called_at) "
                    "SELECT t.site_id, t.id, t.line_id, t.window_id, t.clerk_id, %s, %s, t.number, w.number, "
                    f"t.called_at FROM {ticket_table} t JOIN {connection.ops.quote_name(Window._meta.db_table)} w "
                    "ON w.id = t.window_id WHERE t.id = ANY(%s::bigint[])",
                    [CallLog.Action.CALL, CallLog.CallClass.NORMAL, ids],
                )
                cursor.execute(
                    f"INSERT INTO {connection.ops.quote_name(ServiceRecord._meta.db_table)} "  # noqa: S608
                    "(ticket_id, window_id, clerk_id, called_at, service_started_at, finished_at, evaluation_status) "
                    "SELECT id, window_id, clerk_id, called_at, service_started_at, finished_at, %s "
                    f"FROM {ticket_table} WHERE id = ANY(%s::bigint[]) AND status = %s",
                    [ServiceRecord.EvaluationStatus.PENDING, ids, Ticket.Status.DONE],
                )
        created += len(tickets)
        if progress:
            progress(created)
    return created

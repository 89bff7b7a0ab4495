"""Bulk load data of the queue (压测取号数据) and the ``--scale`` presets of ``generate_load``.

Tickets are built in Python and written with ``bulk_create`` (no services, no audit), each with its
call record, over the working days of a year at the queue lines of the county hall; the phone
field stays empty so no personal data is made up. ``SCALES`` keep every app in the proportions of
a real bureau: per application about 1.9 evaluations and 0.77 tickets (the issue's large district:
1,300,000 applications, 2,500,000 evaluations, 1,000,000 tickets).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from hall.models import Site, User, Window
from hall.queue.models import CallLog, LineDay, QueueLine, Ticket
from hall.workdays import current_calendar

# name → (applications, evaluations, tickets, entities, work orders) for one year
SCALES = {
    "demo": (2_000, 3_800, 1_500, 300, 200),
    "county": (130_000, 250_000, 100_000, 8_000, 6_000),
    "district": (1_300_000, 2_500_000, 1_000_000, 60_000, 50_000),
    "bench-small": (130_000, 250_000, 100_000, 8_000, 6_000),
}


def _lines() -> list[QueueLine]:
    lines = list(QueueLine.objects.filter(is_active=True, site__level=Site.Level.COUNTY).select_related("site", "zone"))
    if lines:
        return lines
    return list(QueueLine.objects.filter(is_active=True).select_related("site", "zone"))


def generate_tickets(
    *, count: int, year: int, today: date | None = None, seed: int | None = None, batch_size: int = 5000, progress=None
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
    created = 0
    day_index = 0
    while created < count:
        tickets: list[Ticket] = []
        calls: list[tuple[Ticket, dict]] = []
        while len(tickets) < batch_size and created + len(tickets) < count:
            day = days[day_index % len(days)]
            for _ in range(min(per_day, count - created - len(tickets))):
                line = rng.choice(lines)
                key = (line.pk, day)
                sequences[key] = sequences.get(key, 0) + 1
                sequence = sequences[key]
                issued = timezone.make_aware(
                    datetime.combine(day, time(8, 30)) + timedelta(seconds=rng.randrange(0, 8 * 3600))
                )
                wait = int(rng.expovariate(1 / 900))
                windows = windows_by_site.get(line.site_id) or [None]
                window = rng.choice(windows)
                no_show = rng.random() < 0.04 or window is None
                called = issued + timedelta(seconds=wait)
                service = rng.randrange(120, 1500)
                ticket = Ticket(
                    site_id=line.site_id,
                    issued_line_id=line.pk,
                    line_id=line.pk,
                    service_date=day,
                    sequence=sequence,
                    number=f"{line.prefix}{sequence:03d}"[:8],
                    status=Ticket.Status.NO_SHOW if no_show else Ticket.Status.DONE,
                    issued_at=issued,
                    queued_at=issued,
                    called_at=called if window else None,
                    last_called_at=called if window else None,
                    call_count=1 if window else 0,
                    service_started_at=None if no_show else called + timedelta(seconds=60),
                    finished_at=None if no_show else called + timedelta(seconds=60 + service),
                    window=window,
                    clerk_id=rng.choice(clerks) if window else None,
                    wait_seconds=wait if window else None,
                    service_seconds=None if no_show else service,
                )
                tickets.append(ticket)
                if window is not None:
                    calls.append((ticket, {"window": window, "called_at": called}))
            day_index += 1
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets, batch_size=batch_size)
            CallLog.objects.bulk_create(
                [
                    CallLog(
                        site_id=t.site_id,
                        ticket=t,
                        line_id=t.line_id,
                        window=c["window"],
                        clerk_id=t.clerk_id,
                        action=CallLog.Action.CALL,
                        call_class=CallLog.CallClass.NORMAL,
                        number=t.number,
                        window_number=c["window"].number,
                        called_at=c["called_at"],
                    )
                    for t, c in calls
                ],
                batch_size=batch_size,
            )
        created += len(tickets)
        if progress:
            progress(created)
    return created

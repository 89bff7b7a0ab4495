"""Reads of the queue (取号叫号): kiosk choices, positions, the board, the clerk console, statistics."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Aggregate, Avg, Count, FloatField, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone

from hall.models import Site, Window, Zone
from hall.queue.models import AppointmentSlot, CallLog, QueueLine, Ticket, WindowLine

# Used for the estimated wait until the line has finished services today (minutes per citizen).
DEFAULT_SERVICE_MINUTES = 6
BOARD_RECENT_CALLS = 8
STATS_MAX_DAYS = 366


def _published_matter_names(line: QueueLine) -> list[str]:
    names = []
    for matter in line.matters.all():
        versions = getattr(matter, "published_versions", None) or []
        names.append(versions[0].name if versions else str(matter))
    return names


def kiosk_zones(site: Site) -> list[dict]:
    """Zones of ``site`` with their active lines and each line's matters (3 queries)."""
    lines = (
        QueueLine.objects.filter(site=site, is_active=True)
        .select_related("zone")
        .order_by("zone__sort_order", "zone_id", "sort_order", "prefix")
    )
    try:
        from hall.catalog.models import Matter, MatterVersion

        matters = Prefetch(
            "matters",
            queryset=Matter.objects.prefetch_related(
                Prefetch(
                    "versions",
                    queryset=MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED),
                    to_attr="published_versions",
                )
            ),
        )
        lines = list(lines.prefetch_related(matters))
    except (ImportError, AttributeError):  # the catalog is built alongside; degrade to plain lines
        lines = list(lines.prefetch_related("matters"))
    waiting = waiting_counts_by_line(site)
    zones: dict[int, dict] = {}
    for line in lines:
        zone = zones.setdefault(line.zone_id, {"zone": line.zone, "lines": [], "waiting": 0})
        try:
            matter_names = _published_matter_names(line)
        except AttributeError:
            matter_names = [str(m) for m in line.matters.all()]
        zone["lines"].append({"line": line, "matters": matter_names, "waiting": waiting.get(line.pk, 0)})
        zone["waiting"] += waiting.get(line.pk, 0)
    return list(zones.values())


def waiting_counts_by_line(site: Site, *, today: date | None = None) -> dict[int, int]:
    today = today or timezone.localdate()
    rows = (
        Ticket.objects.filter(site=site, service_date=today, status=Ticket.Status.WAITING)
        .values("line_id")
        .annotate(n=Count("id"))
    )
    return {row["line_id"]: row["n"] for row in rows}


def average_service_minutes(line: QueueLine, *, today: date | None = None) -> float:
    today = today or timezone.localdate()
    avg = Ticket.objects.filter(line=line, service_date=today, service_seconds__isnull=False).aggregate(
        a=Avg("service_seconds")
    )["a"]
    return (avg / 60) if avg else DEFAULT_SERVICE_MINUTES


def ticket_position(ticket: Ticket) -> dict:
    """People ahead (前面等候人数) and the estimated wait (预计等候分钟) of a waiting ticket."""
    if ticket.status != Ticket.Status.WAITING:
        return {"ahead": 0, "estimated_minutes": 0}
    ahead = (
        Ticket.objects.filter(line_id=ticket.line_id, service_date=ticket.service_date, status=Ticket.Status.WAITING)
        .filter(Q(queued_at__lt=ticket.queued_at) | Q(queued_at=ticket.queued_at, id__lt=ticket.id))
        .count()
    )
    windows = WindowLine.objects.filter(line_id=ticket.line_id, window__status=Window.Status.OPEN).count() or 1
    minutes = math.ceil(ahead * average_service_minutes(ticket.line, today=ticket.service_date) / windows)
    return {"ahead": ahead, "estimated_minutes": minutes}


def tickets_of_citizen(user, *, today: date | None = None) -> QuerySet[Ticket]:
    today = today or timezone.localdate()
    return (
        Ticket.objects.filter(citizen=user, service_date=today)
        .select_related("line__zone", "site", "window")
        .order_by("-issued_at")
    )


def open_slots(site: Site | None = None, *, days: int = 7, now: datetime | None = None) -> QuerySet[AppointmentSlot]:
    local = timezone.localtime(now or timezone.now())
    slots = AppointmentSlot.objects.filter(
        line__is_active=True, service_date__gte=local.date(), service_date__lte=local.date() + timedelta(days=days)
    ).exclude(service_date=local.date(), ends_at__lte=local.time())
    if site is not None:
        slots = slots.filter(line__site=site)
    return slots.select_related("line__zone", "line__site").order_by("service_date", "starts_at", "line__prefix")


# --- The display board (大屏) ------------------------------------------------------------------------


def board_state(site: Site, *, now: datetime | None = None) -> dict:
    """What the hall's TV shows: the last calls with their windows and waiting counts per zone.

    Three queries whatever the size of the hall; ``last_call_id`` lets the board announce only
    calls it has not announced yet.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    start_of_day = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    calls = list(
        CallLog.objects.filter(site=site, called_at__gte=start_of_day)
        .select_related("line__zone")
        .order_by("-id")[:BOARD_RECENT_CALLS]
    )
    waiting = (
        Ticket.objects.filter(site=site, service_date=today, status=Ticket.Status.WAITING)
        .values("line__zone_id")
        .annotate(n=Count("id"))
    )
    waiting_by_zone = {row["line__zone_id"]: row["n"] for row in waiting}
    zones = list(Zone.objects.filter(site=site, queue_lines__is_active=True).distinct().order_by("sort_order", "id"))
    return {
        "site": {"id": site.pk, "name": site.name},
        "server_time": timezone.localtime(now).isoformat(),
        "server_ms": int(now.timestamp() * 1000),
        "last_call_id": calls[0].pk if calls else 0,
        "calls": [
            {
                "id": call.pk,
                "number": call.number,
                "window_number": call.window_number,
                "zone": call.line.zone.name,
                "action": call.action,
                "called_at": timezone.localtime(call.called_at).strftime("%H:%M:%S"),
                "announcement": f"请 {call.number} 号到 {call.window_number} 号窗口办理",
            }
            for call in calls
        ],
        "zones": [{"id": zone.pk, "name": zone.name, "waiting": waiting_by_zone.get(zone.pk, 0)} for zone in zones],
    }


# --- The clerk console (叫号台) ----------------------------------------------------------------------


def window_current_ticket(window: Window) -> Ticket | None:
    """The ticket called or being served at ``window`` (at most one, by the calling rule)."""
    return (
        Ticket.objects.filter(window=window, status__in=Ticket.ACTIVE_STATUSES)
        .select_related("line__zone", "priority", "appointment__slot")
        .prefetch_related("application_links")
        .first()
    )


def window_panel(window: Window) -> dict:
    """Everything the calling panel shows for ``window`` (a constant number of queries)."""
    today = timezone.localdate()
    lines = list(QueueLine.objects.filter(window_links__window=window, is_active=True).order_by("prefix"))
    waiting = dict(
        Ticket.objects.filter(line__in=lines, service_date=today, status=Ticket.Status.WAITING)
        .filter(Q(target_window__isnull=True) | Q(target_window=window))
        .values_list("line_id")
        .annotate(n=Count("id"))
    )
    priority_waiting = Ticket.objects.filter(
        line__in=lines, service_date=today, status=Ticket.Status.WAITING, is_priority=True
    ).count()
    no_shows = list(
        Ticket.objects.filter(window=window, service_date=today, status=Ticket.Status.NO_SHOW).order_by(
            "-last_called_at"
        )[:5]
    )
    served_today = Ticket.objects.filter(window=window, service_date=today, status=Ticket.Status.DONE).count()
    transfer_lines = list(QueueLine.objects.filter(site_id=window.site_id, is_active=True).order_by("prefix"))
    transfer_windows = list(
        Window.objects.filter(site_id=window.site_id)
        .exclude(pk=window.pk)
        .order_by("number")
        .only("id", "number", "name")
    )
    return {
        "window": window,
        "current": window_current_ticket(window),
        "lines": [{"line": line, "waiting": waiting.get(line.pk, 0)} for line in lines],
        "waiting_total": sum(waiting.values()),
        "priority_waiting": priority_waiting,
        "no_shows": no_shows,
        "served_today": served_today,
        "transfer_lines": transfer_lines,
        "transfer_windows": transfer_windows,
        "open_pause": window.pauses.filter(ended_at__isnull=True).first(),
    }


# --- Statistics (统计) ------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _percentile(values: list[float], fraction: float) -> float | None:
    """percentile_cont in Python: linear interpolation between the closest ranks."""
    if not values:
        return None
    values = sorted(values)
    position = (len(values) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _duration_stats(tickets: QuerySet[Ticket], group: str, label: str) -> list[dict]:
    """Average and 90th percentile of wait and service times per ``group`` (one query)."""
    if connection.vendor == "postgresql":
        rows = (
            tickets.values(group, label)
            .annotate(
                tickets=Count("id"),
                avg_wait=Avg("wait_seconds"),
                p90_wait=PercentileCont("wait_seconds", 0.9),
                avg_service=Avg("service_seconds"),
                p90_service=PercentileCont("service_seconds", 0.9),
            )
            .order_by(label)
        )
        result = [dict(row) for row in rows]
    else:
        buckets: dict = defaultdict(lambda: {"tickets": 0, "wait": [], "service": []})
        for key, name, wait, service in tickets.values_list(group, label, "wait_seconds", "service_seconds"):
            bucket = buckets[(key, name)]
            bucket["tickets"] += 1
            if wait is not None:
                bucket["wait"].append(wait)
            if service is not None:
                bucket["service"].append(service)
        result = []
        for (key, name), bucket in sorted(buckets.items(), key=lambda item: str(item[0][1])):
            wait, service = bucket["wait"], bucket["service"]
            result.append(
                {
                    group: key,
                    label: name,
                    "tickets": bucket["tickets"],
                    "avg_wait": sum(wait) / len(wait) if wait else None,
                    "p90_wait": _percentile(wait, 0.9),
                    "avg_service": sum(service) / len(service) if service else None,
                    "p90_service": _percentile(service, 0.9),
                }
            )
    return [
        {
            "key": row[group],
            "name": row[label] if row[label] is not None else "—",
            "tickets": row["tickets"],
            "avg_wait_minutes": _minutes(row["avg_wait"]),
            "p90_wait_minutes": _minutes(row["p90_wait"]),
            "avg_service_minutes": _minutes(row["avg_service"]),
            "p90_service_minutes": _minutes(row["p90_service"]),
        }
        for row in result
    ]


def queue_statistics(site: Site, *, start: date, end: date) -> dict:
    """Wait and service times per zone, window and clerk; calls per window (叫号量); no-show rate;
    tickets per hour of the day; waiting now per zone. A constant number of queries."""
    tickets = Ticket.objects.filter(site=site, service_date__gte=start, service_date__lte=end)
    called = tickets.filter(called_at__isnull=False)
    calls = (
        CallLog.objects.filter(site=site, called_at__date__gte=start, called_at__date__lte=end)
        .values("window_id", "window_number")
        .annotate(
            calls=Count("id", filter=Q(action=CallLog.Action.CALL)),
            recalls=Count("id", filter=Q(action=CallLog.Action.RECALL)),
        )
        .order_by("window_number")
    )
    outcome = tickets.aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=Ticket.Status.DONE)),
        no_show=Count("id", filter=Q(status=Ticket.Status.NO_SHOW)),
        expired=Count("id", filter=Q(status=Ticket.Status.EXPIRED)),
        called=Count("id", filter=Q(called_at__isnull=False)),
        priority=Count("id", filter=Q(is_priority=True)),
        appointment=Count("id", filter=Q(appointment__isnull=False)),
    )
    hours = dict(
        tickets.annotate(hour=ExtractHour("issued_at")).values_list("hour").annotate(n=Count("id")).order_by("hour")
    )
    today_waiting = board_state(site)["zones"] if start <= timezone.localdate() <= end else []
    return {
        "site": site,
        "start": start,
        "end": end,
        "outcome": outcome,
        "no_show_rate": round(outcome["no_show"] * 100 / outcome["called"], 1) if outcome["called"] else None,
        "by_zone": _duration_stats(called, "line__zone_id", "line__zone__name"),
        "by_window": _duration_stats(called, "window_id", "window__number"),
        "by_clerk": _duration_stats(called, "clerk_id", "clerk__full_name"),
        "calls_per_window": list(calls),
        "per_hour": [{"hour": h, "tickets": hours.get(h, 0)} for h in range(24) if hours.get(h) or 8 <= h <= 18],
        "waiting_now": today_waiting,
    }

"""Rebuilding the daily rollups (日汇总重建) exactly from the raw rows, set-based.

``rollups_rebuild(first_day=…, last_day=…)`` deletes the rollup rows of those days and inserts the
counts grouped in the database (a handful of GROUP BY queries, whatever the number of rows), in one
transaction under an advisory lock so two rebuilds never interleave. Running it twice gives the
same rows: it is the idempotent job behind the nightly beat task, the refresh of today, and
``manage.py rebuild_rollups``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Q, Sum
from django.db.models.functions import Cast, Least, TruncDate, TruncMonth
from django.utils import timezone

from approvals.models import ONLINE_CHANNELS, Application, ClockExtension, ClockPause
from hall.queue.models import CallLog, Ticket
from reports.models import (
    WAIT_BUCKETS,
    ApplicationDailyRollup,
    ApplicationMonthlyRollup,
    QueueDailyRollup,
    RollupRun,
)

ADVISORY_LOCK_KEY = 831_001  # reports rollup rebuild
ONLINE = [str(c) for c in ONLINE_CHANNELS]
APP_MEASURES = [
    f.name
    for f in ApplicationDailyRollup._meta.concrete_fields
    if f.name not in {"id", "day", "site", "site_level", "department", "matter", "category", "channel"}
]
QUEUE_MEASURES = [
    "issued",
    "called",
    "calls",
    "served",
    "no_show",
    "wait_count",
    "wait_seconds",
    "service_count",
    "service_seconds",
]


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def _application_rows(first_day: date, last_day: date) -> list[ApplicationDailyRollup]:
    """Group the day's events of applications, pauses and extensions by the rollup key."""
    key_fields = {
        "k_site": F("site_id"),
        "k_level": F("site__level"),
        "k_department": F("department_id"),
        "k_matter": F("matter_version__matter_id"),
        "k_category": F("matter_version__matter_type"),
        "k_channel": F("channel"),
    }
    rows: dict[tuple, dict] = {}

    def merge(day, queryset, annotations: dict) -> None:
        values = queryset.values(k_day=F(day) if isinstance(day, str) else day, **key_fields)
        for record in values.annotate(**annotations).order_by():
            key = (record["k_day"], record["k_site"], record["k_department"], record["k_matter"], record["k_channel"])
            row = rows.get(key)
            if row is None:
                row = rows[key] = {"site_level": record["k_level"], "category": record["k_category"]}
            for name in annotations:
                row[name] = row.get(name, 0) + (record[name] or 0)

    apps = Application.objects.all()
    merge(
        "received_on",
        apps.filter(received_on__range=(first_day, last_day)),
        {
            "received": Count("id"),
            "online_received": Count("id", filter=Q(channel__in=ONLINE)),
            "full_online_received": Count("id", filter=Q(channel__in=ONLINE, matter_version__online_depth="4")),
            "assisted": Count("id", filter=Q(is_assisted=True)),
            "not_accepted": Count("id", filter=Q(status="not_accepted")),
        },
    )
    merge("accepted_on", apps.filter(accepted_on__range=(first_day, last_day)), {"accepted": Count("id")})
    merge(
        "completed_on",
        apps.filter(completed_on__range=(first_day, last_day)),
        {
            "completed": Count("id"),
            "completed_on_time": Count("id", filter=Q(on_time=True)),
            "immediate_completed": Count("id", filter=Q(matter_version__handling_type="1")),
            "elapsed_days": Sum("elapsed_working_days"),
        },
    )
    # Pauses and extensions are keyed by their application's site, department, matter and channel.
    key_fields = {name: F(f"application__{expr.name}") for name, expr in list(key_fields.items())}
    merge(
        "started_on",
        ClockPause.objects.filter(started_on__range=(first_day, last_day)),
        {"paused": Count("id"), "inspections": Count("id", filter=Q(kind="inspection"))},
    )
    tz = timezone.get_current_timezone()
    merge(
        TruncDate("decided_at", tzinfo=tz),
        ClockExtension.objects.filter(
            status="approved",
            decided_at__date__range=(first_day, last_day),
        ),
        {"extensions": Count("id")},
    )
    return [
        ApplicationDailyRollup(
            day=day, site_id=site_id, department_id=department_id, matter_id=matter_id, channel=channel, **row
        )
        for (day, site_id, department_id, matter_id, channel), row in rows.items()
    ]


def _queue_rows(first_day: date, last_day: date) -> list[QueueDailyRollup]:
    tickets = Ticket.objects.filter(service_date__range=(first_day, last_day))
    rows: dict[tuple, QueueDailyRollup] = {}

    def row_for(day, site_id, line_id, zone_id, window_id, clerk_id) -> QueueDailyRollup:
        key = (day, site_id, line_id, window_id, clerk_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = QueueDailyRollup(
                day=day,
                site_id=site_id,
                line_id=line_id,
                zone_id=zone_id,
                window_id=window_id,
                clerk_id=clerk_id,
                wait_histogram=[0] * WAIT_BUCKETS,
            )
        return row

    keys = ("service_date", "site_id", "line_id", "line__zone_id", "window_id", "clerk_id")
    for r in (
        tickets.values(*keys)
        .order_by()
        .annotate(
            issued=Count("id"),
            called=Count("id", filter=Q(called_at__isnull=False)),
            served=Count("id", filter=Q(status="done")),
            no_show=Count("id", filter=Q(status="no_show")),
            wait_count=Count("wait_seconds"),
            wait_sum=Sum("wait_seconds"),
            service_count=Count("service_seconds"),
            service_sum=Sum("service_seconds"),
        )
    ):
        row = row_for(*(r[k] for k in keys))
        row.issued, row.called, row.served, row.no_show = r["issued"], r["called"], r["served"], r["no_show"]
        row.wait_count, row.wait_seconds = r["wait_count"], r["wait_sum"] or 0
        row.service_count, row.service_seconds = r["service_count"], r["service_sum"] or 0
    bucket = Least(Cast(F("wait_seconds"), IntegerField()) / 60, WAIT_BUCKETS - 1)
    for r in tickets.filter(wait_seconds__isnull=False).values(*keys, bucket=bucket).order_by().annotate(n=Count("id")):
        row = row_for(*(r[k] for k in keys))
        row.wait_histogram[int(r["bucket"])] += r["n"]
    call_keys = ("ticket__service_date", "site_id", "line_id", "line__zone_id", "window_id", "clerk_id")
    for r in (
        CallLog.objects.filter(ticket__service_date__range=(first_day, last_day))
        .values(*call_keys)
        .order_by()
        .annotate(n=Count("id"))
    ):
        row_for(*(r[k] for k in call_keys)).calls += r["n"]
    return list(rows.values())


def _month_bounds(first_day: date, last_day: date) -> tuple[date, date]:
    start = first_day.replace(day=1)
    following = (last_day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, following - timedelta(days=1)


def _monthly_rows(first_day: date, last_day: date) -> list[ApplicationMonthlyRollup]:
    """The months touching ``first_day``..``last_day``, summed from the (already rebuilt) daily rows."""
    start, end = _month_bounds(first_day, last_day)
    measures = list(APP_MEASURES)
    records = (
        ApplicationDailyRollup.objects.filter(day__range=(start, end))
        .values("site_id", "site_level", "department_id", "category", "channel", k_month=TruncMonth("day"))
        .annotate(**{f"s_{m}": Sum(m) for m in measures})
        .order_by()
    )
    return [
        ApplicationMonthlyRollup(
            month=r["k_month"],
            site_id=r["site_id"],
            site_level=r["site_level"],
            department_id=r["department_id"],
            category=r["category"],
            channel=r["channel"],
            **{m: r[f"s_{m}"] or 0 for m in measures},
        )
        for r in records
    ]


def rollups_rebuild(*, first_day: date, last_day: date, trigger: str = "command") -> RollupRun:
    """Rebuild both rollups for ``first_day``..``last_day`` (inclusive) from the raw rows."""
    if last_day < first_day:
        raise ValueError("截止日期不能早于起始日期。")
    started = timezone.now()
    with transaction.atomic():
        _lock()
        app_rows = _application_rows(first_day, last_day)
        queue_rows = _queue_rows(first_day, last_day)
        ApplicationDailyRollup.objects.filter(day__range=(first_day, last_day)).delete()
        QueueDailyRollup.objects.filter(day__range=(first_day, last_day)).delete()
        ApplicationDailyRollup.objects.bulk_create(app_rows, batch_size=5000)
        QueueDailyRollup.objects.bulk_create(queue_rows, batch_size=5000)
        month_start, month_end = _month_bounds(first_day, last_day)
        ApplicationMonthlyRollup.objects.filter(month__range=(month_start, month_end)).delete()
        ApplicationMonthlyRollup.objects.bulk_create(_monthly_rows(first_day, last_day), batch_size=5000)
        run = RollupRun.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            first_day=first_day,
            last_day=last_day,
            application_rows=len(app_rows),
            queue_rows=len(queue_rows),
            trigger=trigger,
        )
    return run


def rollups_rebuild_recent(*, today: date | None = None, days: int = 7, trigger: str = "beat") -> RollupRun:
    """The nightly job: the last ``days`` days up to ``today`` (late edits land within a week)."""
    today = today or timezone.localdate()
    return rollups_rebuild(first_day=today - timedelta(days=days - 1), last_day=today, trigger=trigger)


def last_rollup_run() -> RollupRun | None:
    return RollupRun.objects.order_by("-finished_at", "-id").first()


def histogram_add(total: list[int], other: list[int]) -> list[int]:
    if not total:
        return list(other)
    return [a + b for a, b in zip(total, other, strict=False)]


def histogram_percentile(histogram: list[int], fraction: float) -> int | None:
    """The smallest whole minute m such that at least ``fraction`` of the waits are ≤ m minutes
    (waits are binned as floor(seconds / 60)), or None with no waits."""
    total = sum(histogram)
    if not total:
        return None
    needed = fraction * total
    running = 0
    for minute, count in enumerate(histogram):
        running += count
        if running >= needed:
            return minute
    return len(histogram) - 1

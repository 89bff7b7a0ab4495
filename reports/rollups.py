"""Rebuilding the daily rollups (日汇总重建) exactly from the raw rows, set-based.

``rollups_rebuild(first_day=…, last_day=…)`` deletes the rollup rows of those days and inserts the
counts grouped inside the database: one ``INSERT … SELECT … GROUP BY`` per rollup table, over a
UNION ALL of each kind of event of the day, whatever the number of rows. The months those days touch
are rebuilt with them: the application months from the daily rows, the queue months from the tickets
(a month's wait histogram is counted, not added up from its days). It runs in one transaction under
an advisory lock so two rebuilds never interleave. Running it twice gives the same rows: it is the
idempotent job behind the nightly beat task, the refresh of today, and ``manage.py rebuild_rollups``.

The SQL is portable (PostgreSQL in production, SQLite for ``make run``): the few vendor-specific
pieces (a datetime's local date, the first of a month, an ordered string aggregate, the JSON cast)
come from ``connection.ops`` or ``_vendor_sql``.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from approvals.models import ONLINE_CHANNELS, Application, ClockExtension, ClockPause
from hall.catalog.models import MatterVersion
from hall.models import Site
from hall.queue.models import CallLog, QueueLine, Ticket
from reports.models import (
    WAIT_BUCKETS,
    ApplicationDailyRollup,
    ApplicationMonthlyRollup,
    QueueDailyRollup,
    QueueMonthlyRollup,
    RollupRun,
)

ADVISORY_LOCK_KEY = 831_001  # reports rollup rebuild
BATCH_WORK_MEM = "256MB"
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
# A wait histogram is a dense JSON list of WAIT_BUCKETS counts; these pad the gaps between buckets.
_ZEROS_COMMA = "0," * WAIT_BUCKETS
_COMMA_ZEROS = ",0" * WAIT_BUCKETS
_EMPTY_HISTOGRAM = json.dumps([0] * WAIT_BUCKETS)

T_APP = Application._meta.db_table
T_VERSION = MatterVersion._meta.db_table
T_SITE = Site._meta.db_table
T_PAUSE = ClockPause._meta.db_table
T_EXTENSION = ClockExtension._meta.db_table
T_TICKET = Ticket._meta.db_table
T_CALL = CallLog._meta.db_table
T_LINE = QueueLine._meta.db_table
T_APP_DAILY = ApplicationDailyRollup._meta.db_table
T_APP_MONTHLY = ApplicationMonthlyRollup._meta.db_table
T_QUEUE_DAILY = QueueDailyRollup._meta.db_table
T_QUEUE_MONTHLY = QueueMonthlyRollup._meta.db_table


def _lock() -> None:
    """Serialise rebuilds, and give this transaction's GROUP BYs and sorts the memory of a batch job
    (a year's groups spill to disk with the server's default of a few MB)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            cursor.execute(f"SET LOCAL work_mem = '{BATCH_WORK_MEM}'")


def _as_json(sql: str) -> str:
    return f"CAST({sql} AS jsonb)" if connection.vendor == "postgresql" else sql


def _local_day_bounds(first_day: date, last_day: date) -> tuple:
    """The instants a local ``first_day`` starts and the day after ``last_day`` starts (half-open)."""
    tz = timezone.get_current_timezone()
    return tuple(
        connection.ops.adapt_datetimefield_value(datetime.combine(day, time.min, tzinfo=tz))
        for day in (first_day, last_day + timedelta(days=1))
    )


def _measures(values: dict[str, str], names: list[str]) -> str:
    """Every measure column in ``names``' order: the given SQL, 0 for the others of the branch."""
    return ", ".join(f"{values.get(name, '0')} AS {name}" for name in names)


# --- 办件日汇总 -------------------------------------------------------------------------------------
# Only constant SQL is assembled below; dates and channels are passed as parameters.
#
# The raw rows are grouped by their own columns only (day, site, department, matter version,
# channel): no join per raw row. The matter (and its category and the version's online depth and
# handling type) and the site's level are joined to the grouped rows afterwards.

_APP_KEY = "a.site_id, a.department_id, a.matter_version_id, a.channel"
_ONLINE = f"a.channel IN ({', '.join(['%s'] * len(ONLINE))})"
# Counted per matter version, then split by the version's online depth and handling type.
RAW_APP_MEASURES = [m for m in APP_MEASURES if m not in {"full_online_received", "immediate_completed"}]
# One pass over the applications: each is read as three events, (1) received, (2) accepted and
# (3) completed, each on its own day, so the three counts of a key come from one GROUP BY.
_EVENT_DAY = "CASE k.event WHEN 1 THEN a.received_on WHEN 2 THEN a.accepted_on ELSE a.completed_on END"
_EVENTS = "(SELECT 1 AS event UNION ALL SELECT 2 UNION ALL SELECT 3) k"
# PostgreSQL: a LATERAL list of the row's three events keeps it to one scan of the applications
# (with a plain cross join the planner may rescan them once per event).
_EVENTS_LATERAL = "LATERAL (VALUES (1, a.received_on), (2, a.accepted_on), (3, a.completed_on)) AS k(event, day)"
# Filters the applications before they are tripled; with indexes on the three dates a short range
# (today's refresh) reads only its rows.
_ANY_EVENT_IN_RANGE = " OR ".join(
    f"(a.{column} >= %s AND a.{column} <= %s)" for column in ("received_on", "accepted_on", "completed_on")
)
APPLICATION_EVENTS = {
    "received": "SUM(CASE WHEN k.event = 1 THEN 1 ELSE 0 END)",
    "online_received": f"SUM(CASE WHEN k.event = 1 AND {_ONLINE} THEN 1 ELSE 0 END)",
    "assisted": "SUM(CASE WHEN k.event = 1 AND a.is_assisted THEN 1 ELSE 0 END)",
    "not_accepted": "SUM(CASE WHEN k.event = 1 AND a.status = 'not_accepted' THEN 1 ELSE 0 END)",
    "accepted": "SUM(CASE WHEN k.event = 2 THEN 1 ELSE 0 END)",
    "completed": "SUM(CASE WHEN k.event = 3 THEN 1 ELSE 0 END)",
    "completed_on_time": "SUM(CASE WHEN k.event = 3 AND a.on_time THEN 1 ELSE 0 END)",
    "elapsed_days": "SUM(CASE WHEN k.event = 3 THEN COALESCE(a.elapsed_working_days, 0) ELSE 0 END)",
}
PAUSED = {"paused": "COUNT(*)", "inspections": "SUM(CASE WHEN p.kind = 'inspection' THEN 1 ELSE 0 END)"}
EXTENDED = {"extensions": "COUNT(*)"}
BY_VERSION = {
    "full_online_received": "SUM(CASE WHEN v.online_depth = '4' THEN e.online_received ELSE 0 END)",
    "immediate_completed": "SUM(CASE WHEN v.handling_type = '1' THEN e.completed ELSE 0 END)",
}


def _application_branch(day: str, source: str, where: str, measures: dict[str, str]) -> str:
    """One kind of event grouped by day and raw key (``source`` provides the application ``a``)."""
    return (
        f"SELECT {day} AS day, {_APP_KEY}, {_measures(measures, RAW_APP_MEASURES)} "  # noqa: S608
        f"FROM {source} WHERE {where} GROUP BY 1, 2, 3, 4, 5"
    )


def _application_select(first_day: date, last_day: date) -> tuple[str, list]:
    """The day's events of applications, special procedures (pauses) and extensions, each grouped
    by the raw key, then summed per rollup key: applications received/accepted/completed on that
    day, pauses started and extensions approved (local date of the decision) that day."""
    start, end = _local_day_bounds(first_day, last_day)
    decided_on, decided_params = connection.ops.datetime_cast_date_sql(
        "x.decided_at", (), timezone.get_current_timezone_name() if settings.USE_TZ else None
    )
    days = [first_day, last_day]
    if connection.vendor == "postgresql":
        event_day, events = "k.day", _EVENTS_LATERAL
    else:
        event_day, events = _EVENT_DAY, _EVENTS
    branches: list[tuple[str, list]] = [
        (
            _application_branch(
                event_day,
                f"{T_APP} a CROSS JOIN {events}",
                f"({_ANY_EVENT_IN_RANGE}) AND {event_day} >= %s AND {event_day} <= %s",
                APPLICATION_EVENTS,
            ),
            [*ONLINE, *days * 3, *days],
        ),
        (
            _application_branch(
                "p.started_on",
                f"{T_PAUSE} p JOIN {T_APP} a ON a.id = p.application_id",
                "p.started_on >= %s AND p.started_on <= %s",
                PAUSED,
            ),
            days,
        ),
        (
            _application_branch(
                decided_on,
                f"{T_EXTENSION} x JOIN {T_APP} a ON a.id = x.application_id",
                "x.status = 'approved' AND x.decided_at >= %s AND x.decided_at < %s",
                EXTENDED,
            ),
            [*decided_params, start, end],
        ),
    ]
    union = "\nUNION ALL\n".join(sql for sql, _ in branches)
    sums = ", ".join(BY_VERSION.get(name, f"SUM(e.{name})") for name in APP_MEASURES)
    # The site's level and the matter's category follow from the key: MAX only picks the one value.
    sql = (
        "SELECT e.day, e.site_id, MAX(s.level), e.department_id, v.matter_id, MAX(v.matter_type), e.channel, "  # noqa: S608
        f"{sums} FROM ({union}) e JOIN {T_VERSION} v ON v.id = e.matter_version_id "
        f"JOIN {T_SITE} s ON s.id = e.site_id GROUP BY e.day, e.site_id, e.department_id, v.matter_id, e.channel"
    )
    return sql, [param for _, params in branches for param in params]


def _insert_application_days(cursor, first_day: date, last_day: date) -> int:
    select, params = _application_select(first_day, last_day)
    columns = ", ".join(("day", "site_id", "site_level", "department_id", "matter_id", "category", "channel"))
    cursor.execute(f"INSERT INTO {T_APP_DAILY} ({columns}, {', '.join(APP_MEASURES)}) {select}", params)
    return max(cursor.rowcount, 0)


# --- 排队日汇总 -------------------------------------------------------------------------------------
# Tickets are read once, grouped by key and wait minute (a null minute for tickets without a
# wait); the ticket counts and the wait histogram of each key both come from those groups.

_LAST_BUCKET = WAIT_BUCKETS - 1
_QUEUE_KEY = ("day", "site_id", "line_id", "window_id", "clerk_id")
_KEY = ", ".join(_QUEUE_KEY)
# The histogram bucket of a wait: whole minutes, the last bucket holding every longer wait.
_WAIT_MINUTE = f"CASE WHEN t.wait_seconds >= {_LAST_BUCKET * 60} THEN {_LAST_BUCKET} ELSE t.wait_seconds / 60 END"
TICKETS = {
    "issued": "COUNT(*)",
    "called": "SUM(CASE WHEN t.called_at IS NOT NULL THEN 1 ELSE 0 END)",
    "served": "SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END)",
    "no_show": "SUM(CASE WHEN t.status = 'no_show' THEN 1 ELSE 0 END)",
    "wait_count": "COUNT(t.wait_seconds)",
    "wait_seconds": "COALESCE(SUM(t.wait_seconds), 0)",
    "service_count": "COUNT(t.service_seconds)",
    "service_seconds": "COALESCE(SUM(t.service_seconds), 0)",
}


def _histogram() -> str:
    """A key's dense wait histogram as JSON text, from its (bucket, wait_count, previous bucket) rows: the
    non-empty minutes in order, each preceded by the zeros of the gap before it, then the zeros up
    to the last bucket (null when the key has no waits)."""
    piece = f"substr('{_ZEROS_COMMA}', 1, 2 * (bucket - previous - 1)) || CAST(wait_count AS TEXT)"
    if connection.vendor == "postgresql":
        pieces = f"string_agg({piece}, ',' ORDER BY bucket) FILTER (WHERE bucket IS NOT NULL)"
    else:  # SQLite's group_concat follows its input, ordered by key and bucket below
        pieces = f"group_concat(CASE WHEN bucket IS NOT NULL THEN {piece} END, ',')"
    tail = f"substr('{_COMMA_ZEROS}', 1, 2 * ({_LAST_BUCKET} - MAX(bucket)))"
    return f"'[' || {pieces} || {tail} || ']'"


def _queue_select(first_day: date, last_day: date, *, monthly: bool = False) -> tuple[str, list]:
    """Tickets of the day (of the month with ``monthly``) by (site, line, window, clerk) with their
    wait histogram, and the calls made on them (keyed by the call's own site, line, window and
    clerk), summed per key."""
    period, period_params = (
        connection.ops.date_trunc_sql("month", "t.service_date", ()) if monthly else ("t.service_date", ())
    )
    ticket_sums = ", ".join(f"SUM({name}) AS {name}" for name in TICKETS)
    minutes = (
        f"SELECT {period} AS day, t.site_id, t.line_id, t.window_id, t.clerk_id, {_WAIT_MINUTE} AS bucket, "  # noqa: S608
        f"{', '.join(f'{sql} AS {name}' for name, sql in TICKETS.items())} "
        f"FROM {T_TICKET} t WHERE t.service_date >= %s AND t.service_date <= %s GROUP BY 1, 2, 3, 4, 5, 6"
    )
    tickets = (
        f"SELECT {_KEY}, {ticket_sums}, 0 AS calls, {_histogram()} AS histogram FROM ("  # noqa: S608
        f"SELECT m.*, LAG(bucket, 1, -1) OVER (PARTITION BY {_KEY} ORDER BY bucket NULLS LAST) AS previous "
        f"FROM ({minutes}) m {'' if connection.vendor == 'postgresql' else f'ORDER BY {_KEY}, bucket NULLS LAST'}"
        f") m GROUP BY {_KEY}"
    )
    calls = (
        f"SELECT {period} AS day, c.site_id, c.line_id, c.window_id, c.clerk_id, "  # noqa: S608
        f"{', '.join(f'0 AS {name}' for name in TICKETS)}, COUNT(*) AS calls, CAST(NULL AS TEXT) AS histogram "
        f"FROM {T_CALL} c JOIN {T_TICKET} t ON t.id = c.ticket_id "
        f"WHERE t.service_date >= %s AND t.service_date <= %s GROUP BY 1, 2, 3, 4, 5"
    )
    sums = ", ".join(f"SUM(e.{name})" for name in QUEUE_MEASURES)
    # The zone follows from the line: MAX only picks the one value.
    sql = (
        f"SELECT e.day, e.site_id, e.line_id, MAX(l.zone_id), e.window_id, e.clerk_id, {sums}, "  # noqa: S608
        f"{_as_json('COALESCE(MAX(e.histogram), %s)')} FROM ({tickets} UNION ALL {calls}) e "
        f"JOIN {T_LINE} l ON l.id = e.line_id GROUP BY e.day, e.site_id, e.line_id, e.window_id, e.clerk_id"
    )
    return sql, [_EMPTY_HISTOGRAM, *period_params, first_day, last_day, *period_params, first_day, last_day]


def _insert_queue_days(cursor, first_day: date, last_day: date) -> int:
    select, params = _queue_select(first_day, last_day)
    columns = ", ".join(("day", "site_id", "line_id", "zone_id", "window_id", "clerk_id", *QUEUE_MEASURES))
    cursor.execute(f"INSERT INTO {T_QUEUE_DAILY} ({columns}, wait_histogram) {select}", params)
    return max(cursor.rowcount, 0)


def _insert_queue_months(cursor, first_day: date, last_day: date) -> int:
    """The whole months touching ``first_day``..``last_day``, counted from their tickets."""
    start, end = _month_bounds(first_day, last_day)
    select, params = _queue_select(start, end, monthly=True)
    columns = ", ".join(("month", "site_id", "line_id", "zone_id", "window_id", "clerk_id", *QUEUE_MEASURES))
    cursor.execute(f"INSERT INTO {T_QUEUE_MONTHLY} ({columns}, wait_histogram) {select}", params)
    return max(cursor.rowcount, 0)


# --- 办件月汇总 -------------------------------------------------------------------------------------


def _month_bounds(first_day: date, last_day: date) -> tuple[date, date]:
    start = first_day.replace(day=1)
    following = (last_day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, following - timedelta(days=1)


def _insert_months(cursor, first_day: date, last_day: date) -> int:
    """The months touching ``first_day``..``last_day``, summed from the (already rebuilt) daily rows."""
    start, end = _month_bounds(first_day, last_day)
    month, month_params = connection.ops.date_trunc_sql("month", "day", ())
    keys = ("site_id", "site_level", "department_id", "category", "channel")
    sums = ", ".join(f"SUM({name})" for name in APP_MEASURES)
    cursor.execute(
        f"""INSERT INTO {T_APP_MONTHLY} (month, {", ".join(keys)}, {", ".join(APP_MEASURES)})
        SELECT {month}, {", ".join(keys)}, {sums} FROM {T_APP_DAILY}
        WHERE day >= %s AND day <= %s GROUP BY 1, 2, 3, 4, 5, 6""",  # noqa: S608
        [*month_params, start, end],
    )
    return max(cursor.rowcount, 0)


def rollups_rebuild(*, first_day: date, last_day: date, trigger: str = "command") -> RollupRun:
    """Rebuild the rollups of ``first_day``..``last_day`` (inclusive) from the raw rows, and the
    monthly rows of the months they touch."""
    if last_day < first_day:
        raise ValueError("截止日期不能早于起始日期。")
    started = timezone.now()
    month_start, month_end = _month_bounds(first_day, last_day)
    with transaction.atomic(), connection.cursor() as cursor:
        _lock()
        cursor.execute(f"DELETE FROM {T_APP_DAILY} WHERE day >= %s AND day <= %s", [first_day, last_day])  # noqa: S608
        cursor.execute(f"DELETE FROM {T_QUEUE_DAILY} WHERE day >= %s AND day <= %s", [first_day, last_day])  # noqa: S608
        application_rows = _insert_application_days(cursor, first_day, last_day)
        queue_rows = _insert_queue_days(cursor, first_day, last_day)
        cursor.execute(
            f"DELETE FROM {T_APP_MONTHLY} WHERE month >= %s AND month <= %s",  # noqa: S608
            [month_start, month_end],
        )
        _insert_months(cursor, first_day, last_day)
        cursor.execute(
            f"DELETE FROM {T_QUEUE_MONTHLY} WHERE month >= %s AND month <= %s",  # noqa: S608
            [month_start, month_end],
        )
        _insert_queue_months(cursor, first_day, last_day)
        run = RollupRun.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            first_day=first_day,
            last_day=last_day,
            application_rows=application_rows,
            queue_rows=queue_rows,
            trigger=trigger,
        )
    return run


def queue_months_rebuild(*, first_day: date, last_day: date) -> int:
    """Only the monthly queue rows of the months touching ``first_day``..``last_day`` (the
    migration that adds the table fills it with this); returns the rows written."""
    month_start, month_end = _month_bounds(first_day, last_day)
    with transaction.atomic(), connection.cursor() as cursor:
        _lock()
        cursor.execute(
            f"DELETE FROM {T_QUEUE_MONTHLY} WHERE month >= %s AND month <= %s",  # noqa: S608
            [month_start, month_end],
        )
        return _insert_queue_months(cursor, first_day, last_day)


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

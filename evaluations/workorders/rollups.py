"""Daily rollups of work orders and front-desk records (工单日汇总): kept current, rebuilt exactly.

Every save of a work order, of a return event or of a front-desk record notes the days it touches
(its received/dispatched/closed days before and after the save, the return's day, the record's
day); one idempotent Celery task per transaction, enqueued on commit, recomputes those days from
the raw rows. ``rollup_recompute_days`` deletes and re-inserts whole days under a per-day advisory
lock, so running it twice, or concurrently, gives the same table. Bulk writers (the load generator,
the hotline import) call ``rollup_touch`` / ``rollup_rebuild`` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.db.models.functions import TruncDate
from django.utils import timezone

from evaluations.workorders.models import (
    CallbackResult,
    FrontDeskDayRollup,
    FrontDeskRecord,
    Source,
    Status,
    WorkOrder,
    WorkOrderDayRollup,
    WorkOrderEvent,
)
from evaluations.workorders.transitions import Action
from hall.models import Window

LOCK_CLASS = 0x574F  # "WO": the advisory-lock namespace of rollup days
ORDER_DATES = ("received_on", "dispatched_on", "closed_on")
CHUNK_DAYS = 31
REACHED = (CallbackResult.SATISFIED, CallbackResult.DISSATISFIED)


# --- Recomputing days ------------------------------------------------------------------------------
# One INSERT … SELECT … GROUP BY per table, over a UNION ALL of each kind of event of the days; only
# constant SQL is assembled here, the days and the status values are passed as parameters.

T_ORDER = WorkOrder._meta.db_table
T_EVENT = WorkOrderEvent._meta.db_table
T_DESK = FrontDeskRecord._meta.db_table
T_WINDOW = Window._meta.db_table
T_ORDER_ROLLUP = WorkOrderDayRollup._meta.db_table
T_DESK_ROLLUP = FrontDeskDayRollup._meta.db_table
ORDER_MEASURES = [
    f.column
    for f in WorkOrderDayRollup._meta.concrete_fields
    if f.name not in {"id", "day", "site", "department", "kind"}
]
_CLOSED = "o.status = %s"
_UNRESOLVED = "o.source = %s"
_ENTITY = "o.is_market_entity"
RECEIVED = {
    "received": ("COUNT(*)", []),
    "received_closed": (f"SUM(CASE WHEN {_CLOSED} THEN 1 ELSE 0 END)", [Status.CLOSED]),
    "unresolved_received": (f"SUM(CASE WHEN {_UNRESOLVED} THEN 1 ELSE 0 END)", [Source.UNRESOLVED_WINDOW]),
    "unresolved_closed": (
        f"SUM(CASE WHEN {_UNRESOLVED} AND {_CLOSED} THEN 1 ELSE 0 END)",
        [Source.UNRESOLVED_WINDOW, Status.CLOSED],
    ),
}
DISPATCHED = {
    "dispatched": ("COUNT(*)", []),
    "dispatched_closed": (f"SUM(CASE WHEN {_CLOSED} THEN 1 ELSE 0 END)", [Status.CLOSED]),
}
CLOSED = {  # closed orders only (the branch's filter)
    "completed": ("COUNT(*)", []),
    "on_time": ("SUM(CASE WHEN o.on_time THEN 1 ELSE 0 END)", []),
    "entity_completed": (f"SUM(CASE WHEN {_ENTITY} THEN 1 ELSE 0 END)", []),
    "entity_on_time": (f"SUM(CASE WHEN {_ENTITY} AND o.on_time THEN 1 ELSE 0 END)", []),
    "reached": ("SUM(CASE WHEN o.callback_result IN (%s, %s) THEN 1 ELSE 0 END)", list(REACHED)),
    "satisfied": ("SUM(CASE WHEN o.callback_result = %s THEN 1 ELSE 0 END)", [CallbackResult.SATISFIED]),
    "handling_days_sum": ("COALESCE(SUM(o.handling_working_days), 0)", []),
    "handling_days_n": ("COUNT(o.handling_working_days)", []),
}
RETURNS = {"returns": ("COUNT(*)", [])}


def _in_days(column: str, days: list[date]) -> tuple[str, list]:
    return f"{column} IN ({', '.join(['%s'] * len(days))})", list(days)


def _order_branch(
    day: tuple[str, list], key: str, source: str, where: tuple[str, list], measures: dict[str, tuple[str, list]]
) -> tuple[str, list]:
    """One kind of event of the days grouped by day, site, department and kind (every measure
    column, 0 for the others)."""
    columns, params = [], [*day[1]]
    for name in ORDER_MEASURES:
        sql, values = measures.get(name, ("0", []))
        columns.append(f"{sql} AS {name}")
        params.extend(values)
    sql = f"SELECT {day[0]} AS day, {key}, {', '.join(columns)} FROM {source} WHERE {where[0]} GROUP BY 1, 2, 3, 4"  # noqa: S608
    return sql, [*params, *where[1]]


def _insert_order_days(cursor, days: list[date]) -> int:
    """Receipts, first dispatches and closes of orders, and returns (keyed by the returning
    department, on the local day of the return), summed per day, site, department and kind."""
    tzname = timezone.get_current_timezone_name() if settings.USE_TZ else None
    returned_on = connection.ops.datetime_cast_date_sql("e.created_at", (), tzname)
    # A sargable prefilter for the (action, created_at) index; the local days decide.
    tz = timezone.get_current_timezone()
    since, until = (
        connection.ops.adapt_datetimefield_value(datetime.combine(day, time.min, tzinfo=tz))
        for day in (days[0], days[-1] + timedelta(days=1))
    )
    in_returned_days = _in_days(returned_on[0], days)
    order_key = "o.site_id, o.department_id, o.kind"
    branches = [
        _order_branch(("o.received_on", []), order_key, f"{T_ORDER} o", _in_days("o.received_on", days), RECEIVED),
        _order_branch(
            ("o.dispatched_on", []), order_key, f"{T_ORDER} o", _in_days("o.dispatched_on", days), DISPATCHED
        ),
        _order_branch(
            ("o.closed_on", []),
            order_key,
            f"{T_ORDER} o",
            (f"{_CLOSED} AND {_in_days('o.closed_on', days)[0]}", [Status.CLOSED, *days]),
            CLOSED,
        ),
        _order_branch(
            returned_on,
            "o.site_id, e.department_id, o.kind",
            f"{T_EVENT} e JOIN {T_ORDER} o ON o.id = e.order_id",
            (
                f"e.action = %s AND e.created_at >= %s AND e.created_at < %s AND {in_returned_days[0]}",
                [Action.RETURN, since, until, *returned_on[1], *in_returned_days[1]],
            ),
            RETURNS,
        ),
    ]
    union = "\nUNION ALL\n".join(sql for sql, _ in branches)
    sums = ", ".join(f"SUM({name})" for name in ORDER_MEASURES)
    cursor.execute(
        f"INSERT INTO {T_ORDER_ROLLUP} (day, site_id, department_id, kind, {', '.join(ORDER_MEASURES)}) "  # noqa: S608
        f"SELECT day, site_id, department_id, kind, {sums} FROM ({union}) events "
        "GROUP BY day, site_id, department_id, kind",
        [param for _, params in branches for param in params],
    )
    return max(cursor.rowcount, 0)


def _insert_desk_days(cursor, days: list[date]) -> int:
    """Front-desk records by day, site, department of the window (none without one) and kind."""
    in_days = _in_days("r.recorded_on", days)
    cursor.execute(
        f"INSERT INTO {T_DESK_ROLLUP} (day, site_id, department_id, kind, records) "  # noqa: S608
        f"SELECT r.recorded_on, r.site_id, w.department_id, r.kind, COUNT(*) "
        f"FROM {T_DESK} r LEFT JOIN {T_WINDOW} w ON w.id = r.window_id "
        f"WHERE {in_days[0]} GROUP BY 1, 2, 3, 4",
        in_days[1],
    )
    return max(cursor.rowcount, 0)


def _recompute_chunk(days: list[date]) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for day in days:  # sorted: concurrent recomputations lock in the same order
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, day.toordinal()])
        in_days = _in_days("day", days)
        cursor.execute(f"DELETE FROM {T_ORDER_ROLLUP} WHERE {in_days[0]}", in_days[1])  # noqa: S608
        cursor.execute(f"DELETE FROM {T_DESK_ROLLUP} WHERE {in_days[0]}", in_days[1])  # noqa: S608
        return _insert_order_days(cursor, days) + _insert_desk_days(cursor, days)


def rollup_recompute_days(*, days: Iterable[date]) -> int:
    """Recompute the rollup rows of ``days`` from the raw rows (idempotent); returns the rows written."""
    ordered = sorted({d for d in days if d is not None})
    written = 0
    for i in range(0, len(ordered), CHUNK_DAYS):
        written += _recompute_chunk(ordered[i : i + CHUNK_DAYS])
    return written


def data_span() -> tuple[date, date] | None:
    """The first and last day any work order, return or front-desk record falls on."""
    spans = [
        WorkOrder.objects.aggregate(a=Min("received_on"), b=Max("received_on")),
        WorkOrder.objects.aggregate(a=Min("closed_on"), b=Max("closed_on")),
        WorkOrder.objects.aggregate(a=Min("dispatched_on"), b=Max("dispatched_on")),
        FrontDeskRecord.objects.aggregate(a=Min("recorded_on"), b=Max("recorded_on")),
        WorkOrderEvent.objects.filter(action=Action.RETURN).aggregate(
            a=Min(TruncDate("created_at")), b=Max(TruncDate("created_at"))
        ),
    ]
    starts = [s["a"] for s in spans if s["a"]]
    ends = [s["b"] for s in spans if s["b"]]
    if not starts:
        return None
    return min(starts), max(ends)


def rollup_rebuild(*, start: date | None = None, end: date | None = None, progress=None) -> int:
    """Rebuild the rollups of ``start``..``end`` (default: the whole span of the data, and any
    stale rollup day outside it) exactly; returns the rows written."""
    if start is None or end is None:
        span = data_span()
        stale = WorkOrderDayRollup.objects.aggregate(a=Min("day"), b=Max("day"))
        desk = FrontDeskDayRollup.objects.aggregate(a=Min("day"), b=Max("day"))
        firsts = [d for d in (span and span[0], stale["a"], desk["a"]) if d]
        lasts = [d for d in (span and span[1], stale["b"], desk["b"]) if d]
        if not firsts:
            return 0
        start = start or min(firsts)
        end = end or max(lasts)
    written = 0
    day = start
    while day <= end:
        chunk = [day + timedelta(days=i) for i in range(CHUNK_DAYS) if day + timedelta(days=i) <= end]
        written += _recompute_chunk(chunk)
        day = chunk[-1] + timedelta(days=1)
        if progress:
            progress(day)
    return written


# --- Keeping them current --------------------------------------------------------------------------


class _PendingDays:
    """The on-commit callback of one transaction: enqueues one task for every day touched in it."""

    def __init__(self, days: set[date]):
        self.days = days
        self.sent = False

    def __call__(self) -> None:
        from evaluations.workorders.tasks import refresh_rollups

        self.sent = True
        refresh_rollups.delay(sorted(d.isoformat() for d in self.days))


def rollup_touch(days: Iterable[date | None]) -> None:
    """Note that ``days`` changed: their rollups are recomputed by a task once the transaction commits
    (one task per transaction, whatever the number of saves in it)."""
    touched = {d for d in days if d is not None}
    if not touched:
        return
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        for _sids, func, _robust in conn.run_on_commit:
            if isinstance(func, _PendingDays) and not func.sent:
                func.days |= touched
                return
    transaction.on_commit(_PendingDays(touched))


def _local_day(moment) -> date | None:
    return None if moment is None else timezone.localdate(moment)


def remember_order_days(sender, instance: WorkOrder, **kwargs) -> None:
    """post_init: the order's days as loaded, so that a save also recomputes the days it leaves."""
    instance._rollup_days = tuple(instance.__dict__.get(f) for f in ORDER_DATES)


def on_order_saved(sender, instance: WorkOrder, raw=False, **kwargs) -> None:
    if raw:
        return
    now_days = tuple(getattr(instance, f) for f in ORDER_DATES)
    rollup_touch({*getattr(instance, "_rollup_days", ()), *now_days})
    instance._rollup_days = now_days


def on_event_saved(sender, instance: WorkOrderEvent, created=False, raw=False, **kwargs) -> None:
    if created and not raw and instance.action == Action.RETURN:
        rollup_touch([_local_day(instance.created_at)])


def on_desk_record_saved(sender, instance: FrontDeskRecord, raw=False, **kwargs) -> None:
    if not raw:
        rollup_touch([instance.recorded_on])


def connect() -> None:
    from django.db.models.signals import post_init, post_save

    post_init.connect(remember_order_days, sender=WorkOrder, dispatch_uid="workorders-rollup-init")
    post_save.connect(on_order_saved, sender=WorkOrder, dispatch_uid="workorders-rollup-order")
    post_save.connect(on_event_saved, sender=WorkOrderEvent, dispatch_uid="workorders-rollup-event")
    post_save.connect(on_desk_record_saved, sender=FrontDeskRecord, dispatch_uid="workorders-rollup-desk")

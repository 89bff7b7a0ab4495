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
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
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

LOCK_CLASS = 0x574F  # "WO": the advisory-lock namespace of rollup days
ORDER_DATES = ("received_on", "dispatched_on", "closed_on")
KEY = ("site_id", "department_id", "kind")
CHUNK_DAYS = 31
REACHED = (CallbackResult.SATISFIED, CallbackResult.DISSATISFIED)


# --- Recomputing days ------------------------------------------------------------------------------


def _order_rows(days: list[date]) -> dict[tuple, dict]:
    closed = Q(status=Status.CLOSED)
    unresolved = Q(source=Source.UNRESOLVED_WINDOW)
    entity = Q(is_market_entity=True)
    rows: dict[tuple, dict] = {}

    def merge(qs, day_field: str, **counts):
        # Aliases prefixed: an alias named like a column ("on_time") would shadow it in the filters.
        aliased = {f"c_{name}": value for name, value in counts.items()}
        for r in qs.values(day_field, *KEY).annotate(**aliased).order_by():
            key = (r[day_field], *(r[k] for k in KEY))
            row = rows.setdefault(key, {})
            for name in counts:
                row[name] = row.get(name, 0) + (r[f"c_{name}"] or 0)

    base = WorkOrder.objects.order_by()
    merge(
        base.filter(received_on__in=days),
        "received_on",
        received=Count("id"),
        received_closed=Count("id", filter=closed),
        unresolved_received=Count("id", filter=unresolved),
        unresolved_closed=Count("id", filter=unresolved & closed),
    )
    merge(
        base.filter(dispatched_on__in=days),
        "dispatched_on",
        dispatched=Count("id"),
        dispatched_closed=Count("id", filter=closed),
    )
    merge(
        base.filter(closed, closed_on__in=days),
        "closed_on",
        completed=Count("id"),
        on_time=Count("id", filter=Q(on_time=True)),
        entity_completed=Count("id", filter=entity),
        entity_on_time=Count("id", filter=entity & Q(on_time=True)),
        reached=Count("id", filter=Q(callback_result__in=REACHED)),
        satisfied=Count("id", filter=Q(callback_result=CallbackResult.SATISFIED)),
        handling_days_sum=Sum("handling_working_days"),
        handling_days_n=Count("handling_working_days"),
    )
    returns = (
        WorkOrderEvent.objects.order_by()
        .filter(action=Action.RETURN)
        .annotate(day=TruncDate("created_at"))
        .filter(day__in=days)
        .values(
            "day",
            site_id=F("order__site_id"),
            dept_id=F("department_id"),
            kind=F("order__kind"),
        )
        .annotate(n=Count("id"))
    )
    for r in returns:
        row = rows.setdefault((r["day"], r["site_id"], r["dept_id"], r["kind"]), {})
        row["returns"] = row.get("returns", 0) + r["n"]
    return rows


def _desk_rows(days: list[date]) -> list[FrontDeskDayRollup]:
    qs = (
        FrontDeskRecord.objects.order_by()
        .filter(recorded_on__in=days)
        .values("recorded_on", "site_id", "kind", dept_id=F("window__department_id"))
        .annotate(n=Count("id"))
    )
    return [
        FrontDeskDayRollup(
            day=r["recorded_on"], site_id=r["site_id"], department_id=r["dept_id"], kind=r["kind"], records=r["n"]
        )
        for r in qs
    ]


def _recompute_chunk(days: list[date]) -> int:
    with transaction.atomic():
        with connection.cursor() as cursor:
            for day in days:  # sorted: concurrent recomputations lock in the same order
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, day.toordinal()])
        WorkOrderDayRollup.objects.filter(day__in=days).delete()
        FrontDeskDayRollup.objects.filter(day__in=days).delete()
        order_rows = [
            WorkOrderDayRollup(day=day, site_id=site, department_id=dept, kind=kind, **counts)
            for (day, site, dept, kind), counts in _order_rows(days).items()
        ]
        WorkOrderDayRollup.objects.bulk_create(order_rows, batch_size=2000)
        desk_rows = _desk_rows(days)
        FrontDeskDayRollup.objects.bulk_create(desk_rows, batch_size=2000)
    return len(order_rows) + len(desk_rows)


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

"""Reads of the dashboards (大厅管理看板、领导驾驶舱): a fixed number of queries whatever the data size.

Figures of periods come from the registry over the rollups, computed once per rollup run into a
snapshot (看板快照) that the pages read as one row; the live state of the hall (who waits, which
windows are open, warning cards) is read from today's rows through their indexes and kept in the
cache for a minute, so a wall of screens refreshing every minute costs the database little.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Avg, Count, Q
from django.utils import timezone

from approvals.models import Application
from hall.metrics import Metric, Scope
from hall.models import Department, Site, Window
from hall.queue.models import QueueLine, Ticket
from reports.metrics.base import list_url, memo
from reports.models import DashboardSnapshot
from reports.periods import year_to_date
from reports.registry import all_metrics, breakdown_of, metric_by_code, value_of
from reports.rollups import last_rollup_run

LIVE_SECONDS = 60
BUNDLE_SECONDS = 60  # the dashboards' figures of periods in the cache (snapshots below)


@dataclass(frozen=True)
class Figure:
    """A figure as a page shows it: value, unit, formula and the link to the rows behind it."""

    code: str
    name: str
    value: object
    unit: str
    formula: str
    url: str | None
    previous: object = None
    change: Decimal | None = None


def figure(metric: Metric, scope: Scope, previous_scope: Scope | None = None) -> Figure:
    value = value_of(metric, scope)
    previous = value_of(metric, previous_scope) if previous_scope is not None else None
    change = None
    if previous_scope is not None and metric.unit != "%" and value is not None and previous:
        change = ((Decimal(value) - Decimal(previous)) * 100 / Decimal(previous)).quantize(Decimal("0.1"))
    url = None
    if metric.drilldown is not None:
        try:
            url = metric.drilldown(scope)
        except Exception:  # a broken link of another app's figure must not break the page
            url = None
    return Figure(metric.code, metric.name, value, metric.unit, metric.formula, url, previous, change)


def figures(codes: list[str], scope: Scope, previous_scope: Scope | None = None) -> list[Figure]:
    result = []
    for code in codes:
        try:
            metric = metric_by_code(code)
        except KeyError:
            continue
        result.append(figure(metric, scope, previous_scope))
    return result


def section_headlines(
    section: str, scope: Scope, limit: int = 6, previous_scope: Scope | None = None, *, unit: str | None = None
) -> list[Figure]:
    """The first ``limit`` headline figures of a registry section (of one ``unit`` if given),
    beside the same period of ``previous_scope`` if given."""
    chosen = [m for m in all_metrics() if m.section == section and m.headline and unit in (None, m.unit)]
    return [figure(m, scope, previous_scope) for m in chosen[:limit]]


def _queue_site_ids() -> list[int]:
    return sorted(set(QueueLine.objects.filter(is_active=True).values_list("site_id", flat=True)))


def live_hall(now=None, *, department_id: int | None = None) -> dict:
    """Waiting per zone, windows open/paused/idle, calls in the last hour, today's average wait,
    warning cards: six queries, cached for a minute."""
    now = now or timezone.now()
    key = f"reports:live:{department_id or 0}:{now:%Y%m%d%H%M}"
    found = cache.get(key)
    if found is not None:
        return found
    today = timezone.localdate(now)
    sites = _queue_site_ids()
    tickets = Ticket.objects.filter(site_id__in=sites, service_date=today)
    waiting = [
        {"zone": r["line__zone__name"], "site": r["site_id"], "count": r["n"]}
        for r in tickets.filter(status="waiting")
        .values("line__zone__name", "site_id")
        .annotate(n=Count("id"))
        .order_by("-n", "line__zone__name")
    ]
    windows = dict(Window.objects.values_list("status").annotate(n=Count("id")).order_by())
    busy = (
        tickets.filter(status__in=["called", "serving"], window__status="open").values("window_id").distinct().count()
    )
    activity = tickets.aggregate(
        calls_last_hour=Count("id", filter=Q(last_called_at__gte=now - timedelta(hours=1))),
        average_wait=Avg("wait_seconds"),
        issued=Count("id"),
        waiting=Count("id", filter=Q(status="waiting")),
    )
    # Exactly the predicate of the partial index application_warning_live_idx: an index-only count.
    applications = Application.objects.filter(clock_state="running", warning_level__in=["yellow", "red"])
    if department_id is not None:
        # The department and its sections as a sub-select, so the count stays on the index (no join).
        own = Department.objects.filter(Q(pk=department_id) | Q(parent_id=department_id)).values("pk")
        applications = applications.filter(department_id__in=own)
    warnings = dict(applications.values_list("warning_level").annotate(n=Count("id")).order_by())
    average = activity["average_wait"]
    result = {
        "waiting": waiting,
        "waiting_total": activity["waiting"],
        "issued_today": activity["issued"],
        "windows_open": windows.get("open", 0),
        "windows_paused": windows.get("paused", 0),
        "windows_closed": windows.get("closed", 0),
        "windows_busy": busy,
        "windows_idle": max(windows.get("open", 0) - busy, 0),
        "calls_last_hour": activity["calls_last_hour"],
        "average_wait_minutes": None if average is None else round(Decimal(average) / 60, 1),
        "yellow": warnings.get("yellow", 0),
        "red": warnings.get("red", 0),
        "yellow_url": list_url("application_list", warning="yellow", department=department_id or ""),
        "red_url": list_url("application_list", warning="red", department=department_id or ""),
        "queue_url": list_url("queue_stats", start=today.isoformat(), end=today.isoformat()),
        "sites": sites,
        "at": timezone.localtime(now),
    }
    cache.set(key, result, LIVE_SECONDS)
    return result


def ranking(code: str, scope: Scope, dimension: str, limit: int = 10) -> list:
    try:
        metric = metric_by_code(code)
    except KeyError:
        return []
    rows = [r for r in breakdown_of(metric, scope, dimension) if r.value]
    return sorted(rows, key=lambda r: r.value, reverse=True)[:limit]


SNAPSHOT_FORMAT = 1  # raise when a bundle's shape changes: older snapshots are then recomputed
SNAPSHOT_MAX_AGE = timedelta(minutes=10)  # the warming task writes them every 5 minutes
PAGES = ("supervisor", "leader")


def _bundle_key(page: str, department_id: int | None, today: date, run) -> str:
    return f"reports:bundle:{page}:{department_id or 0}:{today.isoformat()}:{run.pk if run else 0}"


def _stored_snapshot(page: str, department_id: int | None, today: date, run) -> dict | None:
    """The snapshot of this page, scope, day and rollup run if it is recent; None otherwise
    (also when it cannot be read back, e.g. written by an older release)."""
    if run is None:
        return None
    row = (
        DashboardSnapshot.objects.filter(
            page=page,
            department_id=department_id,
            day=today,
            run=run,
            computed_at__gte=timezone.now() - SNAPSHOT_MAX_AGE,
        )
        .values_list("payload", flat=True)
        .first()
    )
    if row is None:
        return None
    try:
        version, found = pickle.loads(bytes(row))  # noqa: S301 (written by this application only)
    except Exception:
        return None
    return found if version == SNAPSHOT_FORMAT else None


def _store_snapshot(page: str, department_id: int | None, today: date, run, found: dict, elapsed_ms: int) -> None:
    if run is None:
        return
    snapshot = DashboardSnapshot(
        page=page,
        department_id=department_id,
        day=today,
        run=run,
        payload=pickle.dumps((SNAPSHOT_FORMAT, found), protocol=pickle.HIGHEST_PROTOCOL),
        computed_at=timezone.now(),
        compute_ms=elapsed_ms,
    )
    # One INSERT … ON CONFLICT DO UPDATE: safe when another screen or the warming task writes the
    # same key at the same moment, and the same single query whether the row exists or not.
    DashboardSnapshot.objects.bulk_create(
        [snapshot],
        update_conflicts=True,
        unique_fields=["page", "department", "day"],
        update_fields=["run", "payload", "computed_at", "compute_ms"],
    )


def _compute(page: str, department_id: int | None, today: date, run) -> dict:
    builder = _supervisor_figures if page == "supervisor" else _cockpit_figures
    started = time.perf_counter()
    with memo():
        found = builder(department_id, today)
    _store_snapshot(page, department_id, today, run, found, round((time.perf_counter() - started) * 1000))
    cache.set(_bundle_key(page, department_id, today, run), found, BUNDLE_SECONDS)
    return found


def _bundle(page: str, department_id: int | None, today: date) -> dict:
    """The figures of a dashboard (not the live hall) for a page, scope and rollup run: from the
    cache, else from the snapshot the warming task wrote after the last rollup run (one row),
    else computed here and stored for the next screen. The auto-refresh of a wall of screens
    reads them once a minute, not once a screen; a new rollup run (every 5 minutes in opening
    hours, nightly, or a rebuild) changes the key, so a rebuilt figure shows at the next refresh."""
    run = last_rollup_run()
    key = _bundle_key(page, department_id, today, run)
    found = cache.get(key)
    if found is None:
        found = _stored_snapshot(page, department_id, today, run)
        if found is not None:
            cache.set(key, found, BUNDLE_SECONDS)
        else:
            found = _compute(page, department_id, today, run)
    return {**found, "rollup": run}


def dashboards_warm(today: date | None = None) -> int:
    """Compute and store the snapshot of both dashboards for the bureau and for every department
    that has a head (部门负责人), so nobody opening a dashboard waits for its figures. Returns how
    many were written. Run by beat every 5 minutes and right after the refresh of today."""
    from approvals.models import DepartmentHead

    today = today or timezone.localdate()
    DashboardSnapshot.objects.filter(day__lt=today).delete()  # only today's are ever read
    run = last_rollup_run()
    scopes = [None, *sorted(set(DepartmentHead.objects.values_list("department_id", flat=True)))]
    for department_id in scopes:
        for page in PAGES:
            _compute(page, department_id, today, run)
    return len(scopes) * len(PAGES)


def _supervisor_figures(department_id: int | None, today: date) -> dict:
    day = Scope(start=today, end=today, department_id=department_id)
    month = Scope(start=today.replace(day=1), end=today, department_id=department_id)
    return {
        "today": figures(
            [
                "app.received",
                "app.accepted",
                "app.completed",
                "app.online_received",
                "app.assisted",
                "queue.issued",
                "queue.called",
                "queue.avg_wait",
            ],
            day,
        ),
        "month": figures(
            ["app.received", "app.completed", "app.on_time_rate", "app.online_rate", "queue.p90_wait"], month
        ),
        "evaluations": section_headlines("好差评", month, 4),
        "workorders": section_headlines("诉求工单", month, 4),
        "window_ranking": ranking("queue.served", month, "window"),
        "staff_ranking": ranking("queue.served", month, "staff"),
        "department_today": ranking("app.received", day, "department"),
        "today_date": today,
        "month_scope": month,
    }


def supervisor_dashboard(*, department_id: int | None, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    bundle = _bundle("supervisor", department_id, today)
    return {**bundle, "live": live_hall(department_id=department_id)}


def _cockpit_figures(department_id: int | None, today: date) -> dict:
    ytd = year_to_date(today, department_id=department_id)
    last = year_to_date(today, years_back=1, department_id=department_id)
    headline = figures(
        [
            "app.received",
            "app.accepted",
            "app.completed",
            "app.daily_average",
            "app.assisted",
            "app.inspections",
            "queue.issued",
            "queue.called",
        ],
        ytd,
        last,
    )
    rates = figures(
        [
            "app.completion_rate",
            "app.on_time_rate",
            "app.online_rate",
            "app.full_online_rate",
            "catalog.depth4_share",
            "catalog.compression",
        ],
        ytd,
        last,
    )
    extra_rates = section_headlines("好差评", ytd, 2, last, unit="%")
    received = metric_by_code("app.received")
    completed = metric_by_code("app.completed")
    full_year = Scope(start=date(today.year, 1, 1), end=date(today.year, 12, 31), department_id=department_id)
    full_last = Scope(start=date(today.year - 1, 1, 1), end=date(today.year - 1, 12, 31), department_id=department_id)
    trend = {
        "months": [f"{m}月" for m in range(1, 13)],
        "received": [r.value for r in breakdown_of(received, full_year, "month")],
        "received_last": [r.value for r in breakdown_of(received, full_last, "month")],
        "completed": [r.value for r in breakdown_of(completed, full_year, "month")],
    }
    on_time = metric_by_code("app.on_time_rate")
    charts = {
        "trend": trend,
        "department": [
            {"name": r.label, "value": r.value, "key": r.key} for r in breakdown_of(received, ytd, "department")
        ],
        "category": [{"name": r.label, "value": r.value} for r in breakdown_of(received, ytd, "category")],
        "channel": [{"name": r.label, "value": r.value} for r in breakdown_of(received, ytd, "channel")],
        "site_level": [{"name": r.label, "value": r.value} for r in breakdown_of(received, ytd, "site_level")],
        "on_time_by_department": [
            {"name": r.label, "value": float(r.value) if r.value is not None else None}
            for r in breakdown_of(on_time, ytd, "department")
        ],
    }
    return {
        "headline": headline,
        "rates": rates + extra_rates,
        "entities": section_headlines("市场主体", ytd, 4, last),
        "charts": charts,
        "ytd": ytd,
        "last": last,
    }


def leader_cockpit(*, department_id: int | None, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    bundle = _bundle("leader", department_id, today)
    return {**bundle, "live": live_hall(department_id=department_id)}


def site_choices() -> list[Site]:
    return list(Site.objects.filter(is_active=True).order_by("level", "name"))

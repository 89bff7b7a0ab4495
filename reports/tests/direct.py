"""Each of reports' own figures counted directly from the raw rows, the way a clerk would by hand."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from math import ceil

from django.db.models import Avg, Count, Q, Sum

from approvals.models import ONLINE_CHANNELS, Application, ClockExtension, ClockPause
from hall.catalog.models import MatterVersion
from hall.metrics import Scope, rate
from hall.models import Site
from hall.queue.models import CallLog, Ticket
from hall.workdays import current_calendar


def _apps(scope: Scope):
    queryset = Application.objects.all()
    if scope.site_ids is not None:
        queryset = queryset.filter(site_id__in=scope.site_ids)
    if scope.department_id is not None:
        queryset = queryset.filter(department_id=scope.department_id)
    return queryset


def _in(field: str, scope: Scope) -> Q:
    return Q(**{f"{field}__range": (scope.start, scope.end)})


def _avg(numerator, denominator):
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def application_figures(scope: Scope) -> dict:
    apps = _apps(scope)
    received = apps.filter(_in("received_on", scope))
    completed = apps.filter(_in("completed_on", scope))
    online = received.filter(channel__in=ONLINE_CHANNELS)
    n_received = received.count()
    n_completed = completed.count()
    n_accepted = apps.filter(_in("accepted_on", scope)).count()
    on_time = completed.filter(on_time=True).count()
    immediate = completed.filter(matter_version__handling_type="1").count()
    full_online = online.filter(matter_version__online_depth="4").count()
    assisted = received.filter(is_assisted=True).count()
    pauses = ClockPause.objects.filter(application__in=apps, started_on__range=(scope.start, scope.end))
    calendar = current_calendar()
    from datetime import timedelta

    working_days = calendar.working_days_between(scope.start - timedelta(days=1), scope.end)
    return {
        "app.received": n_received,
        "app.accepted": n_accepted,
        "app.not_accepted": received.filter(status="not_accepted").count(),
        "app.completed": n_completed,
        "app.completion_rate": rate(n_completed, n_accepted),
        "app.on_time_rate": rate(on_time, n_completed),
        "app.online_received": online.count(),
        "app.online_rate": rate(online.count(), n_received),
        "app.full_online_rate": rate(full_online, n_received),
        "app.daily_average": _avg(n_received, working_days),
        "app.immediate_completed": immediate,
        "app.immediate_share": rate(immediate, n_completed),
        "app.avg_elapsed": _avg(completed.aggregate(s=Sum("elapsed_working_days"))["s"] or 0, n_completed),
        "app.base_received": received.filter(site__level__in=[Site.Level.TOWN, Site.Level.VILLAGE]).count(),
        "app.assisted": assisted,
        "app.assisted_share": rate(assisted, n_received),
        "app.inspections": pauses.filter(kind="inspection").count(),
        "app.special_procedures": pauses.count(),
        "app.extensions": ClockExtension.objects.filter(
            application__in=apps, status="approved", decided_at__date__range=(scope.start, scope.end)
        ).count(),
    }


def queue_figures(scope: Scope) -> dict:
    tickets = Ticket.objects.filter(service_date__range=(scope.start, scope.end))
    if scope.site_ids is not None:
        tickets = tickets.filter(site_id__in=scope.site_ids)
    called = tickets.filter(called_at__isnull=False).count()
    no_show = tickets.filter(status="no_show").count()
    waits = sorted(tickets.filter(wait_seconds__isnull=False).values_list("wait_seconds", flat=True))
    p90 = None
    if waits:
        # Waits binned to whole minutes (capped at 180): the smallest minute covering 90 %.
        minutes = sorted(min(w // 60, 180) for w in waits)
        p90 = minutes[ceil(0.9 * len(minutes)) - 1]
    wait = tickets.aggregate(s=Sum("wait_seconds"), n=Count("wait_seconds"))
    service = tickets.aggregate(s=Sum("service_seconds"), n=Count("service_seconds"))
    return {
        "queue.issued": tickets.count(),
        "queue.called": called,
        "queue.calls": CallLog.objects.filter(ticket__in=tickets).count(),
        "queue.served": tickets.filter(status="done").count(),
        "queue.no_show": no_show,
        "queue.no_show_rate": rate(no_show, called),
        "queue.avg_wait": _avg(wait["s"] or 0, (wait["n"] or 0) * 60),
        "queue.p90_wait": p90,
        "queue.avg_service": _avg(service["s"] or 0, (service["n"] or 0) * 60),
    }


def catalog_figures(scope: Scope) -> dict:
    published = MatterVersion.objects.filter(status="published")
    if scope.department_id is not None:
        published = published.filter(
            Q(department_id=scope.department_id) | Q(department__parent_id=scope.department_id)
        )
    n = published.count()
    limits = published.aggregate(legal=Sum("legal_limit_days"), promised=Sum("promised_limit_days"))
    received_base = _apps(scope).filter(
        _in("received_on", scope), site__level__in=[Site.Level.TOWN, Site.Level.VILLAGE]
    )
    return {
        "catalog.matters": n,
        "catalog.depth4_share": rate(published.filter(online_depth="4").count(), n),
        "catalog.depth3_share": rate(published.filter(online_depth__in=["3", "4"]).count(), n),
        "catalog.zero_visit": published.filter(site_visits=0).count(),
        "catalog.immediate": published.filter(handling_type="1").count(),
        "catalog.compression": rate((limits["legal"] or 0) - (limits["promised"] or 0), limits["legal"]),
        "catalog.guides": n,
        "catalog.commitment": published.filter(commitment_allowed=True).count(),
        "catalog.town_matters": received_base.values("matter_version__matter_id").distinct().count(),
    }


def all_direct(scope: Scope) -> dict:
    return {**application_figures(scope), **queue_figures(scope), **catalog_figures(scope)}


__all__ = ["Avg", "all_direct"]

"""Reads of the hall domain for pages and the API."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from hall.models import CalendarYear, Department, Site, Window, Zone
from hall.workdays import current_calendar


def sites_with_zones_and_windows() -> QuerySet[Site]:
    """Active sites with their zones and windows, in three queries whatever their number."""
    windows = Window.objects.select_related("department").order_by("number")
    zones = Zone.objects.prefetch_related(Prefetch("windows", queryset=windows)).order_by("sort_order", "id")
    return (
        Site.objects.filter(is_active=True)
        .select_related("division")
        .prefetch_related(Prefetch("zones", queryset=zones))
        .order_by("level", "name")
    )


def departments_with_sections() -> QuerySet[Department]:
    return (
        Department.objects.filter(kind=Department.Kind.DEPARTMENT, is_active=True)
        .prefetch_related(Prefetch("sections", queryset=Department.objects.filter(is_active=True)))
        .order_by("sort_order", "id")
    )


def window_status_counts(site: Site | None = None) -> dict[str, int]:
    qs = Window.objects.all() if site is None else Window.objects.filter(site=site)
    counts = qs.aggregate(
        open=Count("id", filter=Q(status=Window.Status.OPEN)),
        paused=Count("id", filter=Q(status=Window.Status.PAUSED)),
        closed=Count("id", filter=Q(status=Window.Status.CLOSED)),
    )
    counts["total"] = sum(counts.values())
    return counts


def calendar_status(today: date) -> dict:
    """What the administrator needs to know about the calendar: loaded years, missing ones."""
    calendar = current_calendar()
    years = list(CalendarYear.objects.order_by("-year")[:5])
    missing = [y for y in (today.year, today.year + 1) if y not in calendar.configured_years]
    return {
        "today_is_working_day": calendar.is_working_day(today),
        "recent_years": years,
        "missing_years": missing,
    }

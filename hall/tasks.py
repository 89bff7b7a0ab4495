"""Periodic tasks of the hall. Thin: they call a service and are safe to run twice."""

from celery import shared_task
from django.utils import timezone

from hall.services.calendar import calendar_check_next_year


@shared_task(name="hall.check_next_year_calendar")
def check_next_year_calendar() -> str:
    """Daily: warn administrators when next year's holiday schedule is missing."""
    return calendar_check_next_year(today=timezone.localdate())

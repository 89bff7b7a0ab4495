"""Periodic tasks of the hall. Thin: they call a service and are safe to run twice."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from hall.services.calendar import calendar_check_next_year


@shared_task(name="hall.check_next_year_calendar")
def check_next_year_calendar(today: str | None = None) -> str:
    """Daily: warn administrators when next year's holiday schedule is missing.

    ``today`` (ISO date) lets an administrator or a test run the check as of another day.
    """
    day = date.fromisoformat(today) if today else timezone.localdate()
    return calendar_check_next_year(today=day)

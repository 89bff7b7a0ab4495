"""Periodic tasks of the queue. Thin: they call a service and are safe to run twice."""

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from hall.queue.services import appointment_slots_generate, tickets_close_day


@shared_task(name="queue.close_day")
def close_day(service_date: str | None = None) -> int:
    """At midnight (Asia/Shanghai): yesterday's tickets still waiting become expired; returns the count.

    ``service_date`` (ISO date) lets an administrator close another day by hand.
    """
    day = date.fromisoformat(service_date) if service_date else timezone.localdate() - timedelta(days=1)
    return tickets_close_day(service_date=day)


@shared_task(name="queue.generate_slots")
def generate_slots() -> int:
    """Hourly: the appointment slots of the coming days from the opening rules (idempotent)."""
    return appointment_slots_generate()

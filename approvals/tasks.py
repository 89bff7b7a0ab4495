"""Celery tasks of applications: thin, idempotent wrappers over services."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from approvals.sms import sms_deliver
from approvals.sweep import applications_sweep_warnings


@shared_task(name="approvals.sweep_warnings")
def sweep_warnings(today: str | None = None) -> str:
    """Every 15 minutes and at 00:05: warning cards, 容缺 reminders, art. 32 flags (时限预警)."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return str(applications_sweep_warnings(today=day))


@shared_task(name="approvals.deliver_sms", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def deliver_sms(message_id: int) -> str:
    """Hand one SMS of the outbox to the configured backend (短信发送)."""
    return sms_deliver(message_id=message_id)

"""Celery tasks of applications: thin, idempotent wrappers over services (tasks import services,
never the other way: services enqueue ``approvals.deliver_sms`` by its name)."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from approvals.services.notify import DELIVER_SMS_TASK, sms_deliver
from approvals.services.sweep import applications_sweep_warnings


@shared_task(name="approvals.sweep_warnings")
def sweep_warnings(today: str | None = None) -> str:
    """Every 15 minutes and at 00:05: warning cards, 容缺 reminders, art. 32 deemed acceptance (时限预警)."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return str(applications_sweep_warnings(today=day))


@shared_task(name=DELIVER_SMS_TASK, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def deliver_sms(message_ids: list[int]) -> dict[str, int]:
    """Hand a batch of outbox SMS to the configured backend (短信发送). Idempotent: a message
    already sent is skipped, so a retried batch resends nothing."""
    outcomes: dict[str, int] = {}
    for message_id in message_ids:
        state = sms_deliver(message_id=message_id)
        outcomes[state] = outcomes.get(state, 0) + 1
    return outcomes

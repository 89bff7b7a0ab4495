"""SMS to applicants (短信通知): an outbox written in the transaction, a pluggable backend after commit.

``sms_enqueue`` stores an ``SmsMessage`` inside the caller's transaction and schedules its
delivery with ``transaction.on_commit``; the Celery task ``approvals.deliver_sms`` hands it to the
backend named by ``settings.SMS_BACKEND``. The default ``RecordingBackend`` sends nothing: the
outbox row is the record a developer or tester reads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from approvals.models import SmsMessage

logger = logging.getLogger(__name__)


class BaseSmsBackend:
    """A gateway: ``send`` raises on failure; whatever it returns is ignored."""

    def send(self, *, phone: str, body: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class RecordingBackend(BaseSmsBackend):
    """Development: the message is only recorded (the outbox row), nothing leaves the system."""

    def send(self, *, phone: str, body: str) -> None:
        logger.info("SMS recorded for %s****%s: %s", phone[:3], phone[-4:], body)


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def _signed(body: str) -> str:
    return f"{settings.SMS_SIGNATURE}{body}"


def sms_enqueue(*, phone: str, body: str, application=None, dedupe_key: str = "") -> SmsMessage | None:
    """Record one SMS and deliver it after commit; None when ``dedupe_key`` was already used."""
    if not phone:
        return None
    if dedupe_key and SmsMessage.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    message = SmsMessage.objects.create(phone=phone, body=_signed(body), application=application, dedupe_key=dedupe_key)
    transaction.on_commit(lambda: _schedule([message.pk]))
    return message


def sms_enqueue_many(messages: Iterable[tuple[str, str, int | None, str]]) -> int:
    """Record many SMS (phone, body, application id, dedupe key) in one INSERT; deliver after commit."""
    rows = [
        SmsMessage(phone=phone, body=_signed(body), application_id=app_id, dedupe_key=key)
        for phone, body, app_id, key in messages
        if phone
    ]
    if not rows:
        return 0
    created = SmsMessage.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [row.dedupe_key for row in created if row.dedupe_key]
    transaction.on_commit(lambda: _schedule_keys(keys))
    return len(rows)


SMS_BATCH_SIZE = 500


def _schedule(ids: list[int]) -> None:
    """One delivery task per batch, never one per message (a sweep may queue thousands)."""
    from approvals.tasks import deliver_sms

    for start in range(0, len(ids), SMS_BATCH_SIZE):
        batch = ids[start : start + SMS_BATCH_SIZE]
        try:
            deliver_sms.delay(batch)
        except Exception:  # a broker outage must not fail the request; the rows stay pending
            logger.exception("could not enqueue %d SMS", len(batch))


def _schedule_keys(keys: list[str]) -> None:
    ids = list(
        SmsMessage.objects.filter(dedupe_key__in=keys, state=SmsMessage.State.PENDING).values_list("pk", flat=True)
    )
    _schedule(ids)


def sms_deliver(*, message_id: int) -> str:
    """Hand one pending message to the backend; idempotent (a sent message is not resent)."""
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.state == SmsMessage.State.SENT:
            return "skipped"
        backend = get_backend()
        try:
            backend.send(phone=message.phone, body=message.body)
        except Exception as exc:
            message.state = SmsMessage.State.FAILED
            message.error = str(exc)[:300]
        else:
            message.state = SmsMessage.State.SENT
            message.sent_at = timezone.now()
            message.error = ""
        message.backend = settings.SMS_BACKEND[:100]
        message.save(update_fields=["state", "sent_at", "error", "backend"])
        return message.state

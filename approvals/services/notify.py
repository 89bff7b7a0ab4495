"""Telling the applicant (告知申请人): the SMS outbox and, when they have an account, their 消息.

``sms_enqueue`` stores an ``SmsMessage`` inside the caller's transaction and schedules its
delivery with ``transaction.on_commit``: the Celery task ``approvals.deliver_sms`` (looked up by
name, so this module never imports ``approvals.tasks``) hands it to the backend named by
``settings.SMS_BACKEND`` (:mod:`approvals.sms`). ``applicant_notify`` sends the same text as an
in-app notification (站内消息) to the applicant's account (``Application.applicant_user``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from approvals.models import Application, SmsMessage
from approvals.sms import get_backend
from hall.models import Notification
from hall.services.notifications import notification_send

logger = logging.getLogger(__name__)

DELIVER_SMS_TASK = "approvals.deliver_sms"
SMS_BATCH_SIZE = 500


def _signed(body: str) -> str:
    return f"{settings.SMS_SIGNATURE}{body}"


def _title(number: str) -> str:
    return f"办件 {number} 办理进度"


def _link(number: str) -> str:
    return reverse("application_detail", args=[number])


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


def _schedule(ids: list[int]) -> None:
    """One delivery task per batch, never one per message (a sweep may queue thousands)."""
    task = current_app.tasks[DELIVER_SMS_TASK]
    for start in range(0, len(ids), SMS_BATCH_SIZE):
        batch = ids[start : start + SMS_BATCH_SIZE]
        try:
            task.delay(batch)
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


def applicant_notify(
    *, application: Application, body: str, dedupe_key: str, level: str = Notification.Level.INFO
) -> None:
    """Tell the applicant: an SMS to the application's phone and the same text in their 消息
    when the application is linked to a citizen account (``applicant_user``). Call inside the
    transaction that changed the application; ``dedupe_key`` makes a repeat a no-op."""
    sms_enqueue(phone=application.applicant_phone, body=body, application=application, dedupe_key=dedupe_key)
    if application.applicant_user_id:
        notification_send(
            recipients=[application.applicant_user],
            title=_title(application.number),
            body=body,
            level=level,
            link=_link(application.number),
            dedupe_key=dedupe_key,
        )


@dataclass(frozen=True)
class ApplicantMessage:
    """One message of a set-based sender (the sweep) to the applicant of one application."""

    application_id: int
    number: str
    phone: str
    applicant_user_id: int | None
    body: str
    dedupe_key: str
    level: str = Notification.Level.INFO


def applicants_notify_many(messages: list[ApplicantMessage]) -> int:
    """Tell many applicants at once: one INSERT of SMS and one INSERT of 消息, each deduplicated
    by its key (so a sweep run twice sends nothing more). Returns the number of SMS recorded."""
    sent = sms_enqueue_many((m.phone, m.body, m.application_id, m.dedupe_key) for m in messages)
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=m.applicant_user_id,
                level=m.level,
                title=_title(m.number),
                body=m.body,
                link=_link(m.number),
                dedupe_key=m.dedupe_key,
            )
            for m in messages
            if m.applicant_user_id
        ],
        ignore_conflicts=True,
    )
    return sent

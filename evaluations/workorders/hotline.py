"""Replies pushed back to the 12345 platform (答复回传): an outbox written in the transaction, a
pluggable client after commit.

``settings.WORKORDER_HOTLINE_CLIENT`` names the client; the default ``RecordingClient`` sends
nothing (the outbox row is the record, as ``approvals.sms.RecordingBackend`` does for SMS).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from evaluations.workorders.models import HotlineReply

logger = logging.getLogger(__name__)
DEFAULT_CLIENT = "evaluations.workorders.hotline.RecordingClient"


class BaseHotlineClient:
    """The platform's interface: ``push_reply`` raises on failure."""

    def push_reply(self, *, hotline_number: str, payload: dict) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class RecordingClient(BaseHotlineClient):
    """Development: the reply is only recorded (the outbox row); nothing leaves the system."""

    def push_reply(self, *, hotline_number: str, payload: dict) -> None:
        logger.info("12345 reply recorded for %s", hotline_number)


def client_path() -> str:
    return getattr(settings, "WORKORDER_HOTLINE_CLIENT", "") or DEFAULT_CLIENT


def reply_enqueue(*, order, event) -> HotlineReply:
    """Record the reply of a 12345 order in the outbox; pushed after commit, once per reply event."""
    payload = {
        "hotline_number": order.hotline_number,
        "order_number": order.number,
        "department": order.department.name if order.department_id else "",
        "reply": order.reply_text,
        "replied_at": timezone.localtime(order.replied_at).isoformat(),
    }
    row, _ = HotlineReply.objects.get_or_create(
        dedupe_key=f"reply-{event.pk}",
        defaults={"order": order, "hotline_number": order.hotline_number, "payload": payload},
    )

    def schedule():
        from evaluations.workorders.tasks import push_hotline_reply

        try:
            push_hotline_reply.delay(row.pk)
        except Exception:  # a broker outage must not fail the reply; the row stays pending
            logger.exception("could not enqueue hotline reply %s", row.pk)

    transaction.on_commit(schedule)
    return row


def reply_push(*, reply_id: int) -> str:
    """Hand one pending reply to the client; idempotent (a sent reply is not pushed again)."""
    with transaction.atomic():
        row = HotlineReply.objects.select_for_update().filter(pk=reply_id).first()
        if row is None or row.state == HotlineReply.State.SENT:
            return "skipped"
        try:
            import_string(client_path())().push_reply(hotline_number=row.hotline_number, payload=row.payload)
        except Exception as exc:
            row.state, row.error = HotlineReply.State.FAILED, str(exc)[:300]
        else:
            row.state, row.error, row.sent_at = HotlineReply.State.SENT, "", timezone.now()
        row.backend = client_path()[:100]
        row.save(update_fields=["state", "error", "sent_at", "backend"])
        return row.state

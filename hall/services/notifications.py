"""Sending in-app notifications (站内消息), idempotently."""

from __future__ import annotations

from collections.abc import Iterable

from hall.models import Notification, User


def notification_send(
    *,
    recipients: Iterable[User],
    title: str,
    body: str = "",
    level: str = Notification.Level.INFO,
    link: str = "",
    dedupe_key: str,
) -> int:
    """Deliver one notification to each recipient that has not had ``dedupe_key`` yet.

    One INSERT for all recipients; the unique constraint makes a repeated call a no-op.
    Returns the number of notifications actually created.
    """
    if link and not link.startswith("/"):
        raise ValueError("notification links must be site-relative paths")  # never an open redirect
    recipients = list(recipients)
    if not recipients:
        return 0
    already = set(
        Notification.objects.filter(recipient__in=recipients, dedupe_key=dedupe_key).values_list(
            "recipient_id", flat=True
        )
    )
    rows = [
        Notification(recipient=user, title=title, body=body, level=level, link=link, dedupe_key=dedupe_key)
        for user in recipients
        if user.pk not in already
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` as read; returns how many."""
    from django.utils import timezone

    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())

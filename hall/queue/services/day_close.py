"""Daily close (日终清号): expire the tickets still waiting at the end of the day."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from hall.models import User
from hall.queue.models import (
    Ticket,
)
from hall.services.audit import audit_record


def tickets_close_day(*, service_date: date, by: User | None = None) -> int:
    """Daily close (日终清号): tickets of ``service_date`` and before still waiting become expired.

    Set-based and idempotent: a second run finds nothing left to close and writes nothing.
    """
    with transaction.atomic():
        count = Ticket.objects.filter(service_date__lte=service_date, status=Ticket.Status.WAITING).update(
            status=Ticket.Status.EXPIRED
        )
        if count:
            audit_record(
                actor=by,
                action="ticket.close_day",
                after={"service_date": str(service_date), "expired": count},
                note=f"{service_date} 日终清号：{count} 个等候号作废",
            )
    return count

"""Taking a number (取号): tickets at the kiosk, appointments (预约) and their check-in (签到)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from hall.models import Site, User
from hall.queue.models import (
    Appointment,
    AppointmentSlot,
    LineDay,
    PriorityCategory,
    QueueLine,
    Ticket,
)
from hall.queue.services._common import (
    LineUnavailable,
    _line_day_locked,
    _now,
    _ticket_snapshot,
    check_line_open,
)
from hall.services.audit import audit_record
from hall.validators import validate_mobile_phone


def ticket_issue(
    *,
    line: QueueLine,
    priority: PriorityCategory | None = None,
    phone: str = "",
    citizen: User | None = None,
    source: str = Ticket.Source.KIOSK,
    appointment: Appointment | None = None,
    by: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Issue a ticket (取号): the next number of the line today, e.g. A012."""
    now = _now(now)
    today = timezone.localdate(now)
    check_line_open(line, now=now)
    if phone:
        validate_mobile_phone(phone)
    if priority is not None and not priority.is_active:
        raise ValidationError({"priority": "该优先类别已停用。"})
    with transaction.atomic():
        if citizen is not None and appointment is None:
            active = Ticket.objects.filter(
                citizen=citizen,
                line=line,
                service_date=today,
                status__in=[Ticket.Status.WAITING, *Ticket.ACTIVE_STATUSES],
            ).first()
            if active is not None:
                raise ValidationError(f"您今天已在「{line.name}」取号 {active.number}，请勿重复取号。")
        day = _line_day_locked(line, today)
        if appointment is None and day.last_sequence >= line.daily_limit:
            raise LineUnavailable(f"「{line.name}」今日号码已取完（每日 {line.daily_limit} 个），请改日或网上预约。")
        day.last_sequence += 1
        LineDay.objects.filter(pk=day.pk).update(last_sequence=day.last_sequence)
        due_at = None
        if appointment is not None:
            slot = appointment.slot
            start = timezone.make_aware(datetime.combine(slot.service_date, slot.starts_at))
            due_at = start - timedelta(minutes=Ticket.APPOINTMENT_EARLY_MINUTES)
        ticket = Ticket.objects.create(
            site_id=line.site_id,
            issued_line=line,
            line=line,
            service_date=today,
            sequence=day.last_sequence,
            number=f"{line.prefix}{day.last_sequence:03d}",
            source=source,
            priority=priority,
            is_priority=priority is not None,
            appointment=appointment,
            appointment_due_at=due_at,
            citizen=citizen,
            phone=phone,
            issued_at=now,
            queued_at=now,
        )
        audit_record(actor=by or citizen, action="ticket.issue", obj=ticket, after=_ticket_snapshot(ticket), ip=ip)
    return ticket


def appointment_book(
    *,
    slot: AppointmentSlot,
    phone: str,
    name: str = "",
    id_number: str = "",
    citizen: User | None = None,
    by: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book an appointment slot (预约): refused when the slot is past or full."""
    now = _now(now)
    local = timezone.localtime(now)
    validate_mobile_phone(phone)
    if not slot.line.is_active:
        raise LineUnavailable(f"「{slot.line.name}」暂停预约。")
    if slot.service_date < local.date() or (slot.service_date == local.date() and slot.ends_at <= local.time()):
        raise ValidationError({"slot": "该时段已过，请选择其他时段。"})
    with transaction.atomic():
        slot = AppointmentSlot.objects.select_for_update().select_related("line").get(pk=slot.pk)
        if slot.booked_count >= slot.capacity:
            raise LineUnavailable(f"{slot.service_date:%m月%d日} {slot.starts_at:%H:%M} 时段已约满，请选择其他时段。")
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    slot=slot, citizen=citizen, name=name, phone=phone, id_number=id_number
                )
        except IntegrityError:
            raise ValidationError({"slot": "该手机号已预约此时段，无需重复预约。"}) from None
        AppointmentSlot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") + 1)
        audit_record(
            actor=by or citizen,
            action="appointment.book",
            obj=appointment,
            after={"slot_id": slot.pk, "line_id": slot.line_id, "date": str(slot.service_date)},
            ip=ip,
        )
    return appointment


def appointment_check_in(
    *,
    site: Site,
    phone: str,
    id_number: str = "",
    appointment: Appointment | None = None,
    by: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Check in today's appointment (预约签到) by phone (and ID number) and issue its ticket."""
    now = _now(now)
    today = timezone.localdate(now)
    with transaction.atomic():
        candidates = Appointment.objects.select_for_update(of=("self",)).select_related("slot__line")
        by_key = Q(pk=appointment.pk) if appointment is not None else Q(phone=phone)
        candidates = candidates.filter(by_key)
        found = (
            candidates.filter(slot__service_date=today, slot__line__site=site, status=Appointment.Status.BOOKED)
            .order_by("slot__starts_at")
            .first()
        )
        if found is None or (found.id_number and id_number and found.id_number.upper() != id_number.upper()):
            raise ValidationError("未找到您今天在本大厅的预约，请核对手机号码和身份证号码，或直接取号。")
        Appointment.objects.filter(pk=found.pk).update(status=Appointment.Status.CHECKED_IN)
        return ticket_issue(
            line=found.slot.line,
            phone=found.phone,
            citizen=found.citizen,
            source=Ticket.Source.APPOINTMENT,
            appointment=found,
            by=by,
            ip=ip,
            now=now,
        )

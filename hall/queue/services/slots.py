"""Appointment slots from the weekly opening rules (预约时段生成): set-based and idempotent."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from hall.queue.models import AppointmentSlot, OpeningRule
from hall.services.audit import audit_record
from hall.workdays import current_calendar

# How far ahead slots exist; the citizen pages offer the next 7 days.
SLOT_HORIZON_DAYS = 14


def appointment_slots_generate(*, days: int = SLOT_HORIZON_DAYS, today: date | None = None, by=None) -> int:
    """Create the slots the opening rules call for from ``today`` over ``days`` days; returns how many.

    Non-working days (法定节假日、周末) get none; make-up working days (调休上班) get the rules
    marked for them. Existing slots are left as they are (a booked slot keeps its bookings even
    if its rule changed). Three queries whatever the number of lines: the rules, the existing
    slots of the period, one bulk insert; running it twice creates nothing the second time.
    """
    today = today or timezone.localdate()
    calendar = current_calendar()
    dates = [today + timedelta(days=n) for n in range(days)]
    working = [(d, d.weekday() >= 5) for d in dates if calendar.is_working_day(d)]
    rules = list(OpeningRule.objects.filter(is_active=True, line__is_active=True).order_by("line_id", "starts_at"))
    if not rules or not working:
        return 0
    with transaction.atomic():
        existing = set(
            AppointmentSlot.objects.filter(
                line_id__in={r.line_id for r in rules}, service_date__gte=dates[0], service_date__lte=dates[-1]
            ).values_list("line_id", "service_date", "starts_at")
        )
        wanted = {}
        for day, makeup in working:
            for rule in rules:
                key = (rule.line_id, day, rule.starts_at)
                if key not in existing and key not in wanted and rule.applies_on(day, makeup=makeup):
                    wanted[key] = AppointmentSlot(
                        line_id=rule.line_id,
                        service_date=day,
                        starts_at=rule.starts_at,
                        ends_at=rule.ends_at,
                        capacity=rule.capacity,
                    )
        # A concurrent run may have inserted the same slots: the unique constraint skips them.
        AppointmentSlot.objects.bulk_create(wanted.values(), ignore_conflicts=True)
        if wanted:
            audit_record(
                actor=by,
                action="appointment_slot.generate",
                after={"from": str(dates[0]), "to": str(dates[-1]), "created": len(wanted)},
                note=f"按预约开放规则生成 {len(wanted)} 个预约时段（{dates[0]}—{dates[-1]}）",
            )
    return len(wanted)

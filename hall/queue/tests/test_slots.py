"""Appointment slots from the weekly opening rules (预约开放规则): working days only, idempotent."""

from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hall.models import AuditLog
from hall.queue import selectors, services
from hall.queue.models import AppointmentSlot, OpeningRule
from hall.queue.tests.factories import QueueLineFactory

pytestmark = pytest.mark.django_db

# 2026-09-28 (Mon) … 10-11 (Sun): National Day 10/1–7 is a holiday, Saturday 10/10 a make-up
# working day (调休上班), Sunday 10/11 a rest day.
START = date(2026, 9, 28)
EXPECTED_DAYS = [date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9)]
MAKEUP_DAY = date(2026, 10, 10)


@pytest.fixture
def line():
    line = QueueLineFactory()
    OpeningRule.objects.create(line=line, weekdays="12345", starts_at=time(9), ends_at=time(10), capacity=6)
    OpeningRule.objects.create(
        line=line, weekdays="12345", starts_at=time(14), ends_at=time(15), capacity=4, on_makeup_days=False
    )
    return line


def test_slots_follow_the_rules_on_working_days_only(line):
    created = services.appointment_slots_generate(today=START, days=14)
    slots = list(AppointmentSlot.objects.filter(line=line).order_by("service_date", "starts_at"))
    by_day = {}
    for slot in slots:
        by_day.setdefault(slot.service_date, []).append((slot.starts_at, slot.capacity))
    assert sorted(by_day) == [*EXPECTED_DAYS, MAKEUP_DAY]
    for day in EXPECTED_DAYS:
        assert by_day[day] == [(time(9), 6), (time(14), 4)]
    assert by_day[MAKEUP_DAY] == [(time(9), 6)]  # the afternoon rule stays closed on make-up days
    assert created == len(slots) == 11
    assert AuditLog.objects.filter(action="appointment_slot.generate").count() == 1

    # Idempotent: a second run (beat is hourly) creates nothing and audits nothing.
    assert services.appointment_slots_generate(today=START, days=14) == 0
    assert AuditLog.objects.filter(action="appointment_slot.generate").count() == 1


def test_slots_never_run_out_as_days_pass(line):
    services.appointment_slots_generate(today=START, days=7)
    later = date(2026, 10, 12)  # two weeks on, the next run opens the coming week
    assert services.appointment_slots_generate(today=later, days=7) == 10
    now = timezone.make_aware(datetime.combine(later, time(8)))
    assert selectors.open_slots(now=now).filter(line=line).count() == 10


def test_a_booked_slot_is_kept_when_the_rule_changes(line):
    services.appointment_slots_generate(today=START, days=1)
    slot = AppointmentSlot.objects.get(line=line, service_date=START, starts_at=time(9))
    AppointmentSlot.objects.filter(pk=slot.pk).update(booked_count=2)
    OpeningRule.objects.filter(line=line, starts_at=time(9)).update(capacity=1)
    assert services.appointment_slots_generate(today=START, days=1) == 0
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked_count) == (6, 2)


def test_inactive_rules_and_validity_dates(line):
    OpeningRule.objects.filter(line=line, starts_at=time(14)).update(is_active=False)
    OpeningRule.objects.filter(line=line, starts_at=time(9)).update(valid_to=date(2026, 9, 29))
    assert services.appointment_slots_generate(today=START, days=14) == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"weekdays": "189"}, "weekdays"),
        ({"weekdays": "11"}, "weekdays"),
        ({"starts_at": time(10), "ends_at": time(9)}, "ends_at"),
        ({"valid_from": date(2026, 2, 1), "valid_to": date(2026, 1, 1)}, "valid_to"),
    ],
)
def test_rule_validation_in_chinese(line, fields, field):
    rule = OpeningRule(**{"line": line, "starts_at": time(8), "ends_at": time(9), **fields})
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert field in error.value.message_dict


def test_the_demo_seeds_rules_and_slots(demo_people):
    assert OpeningRule.objects.filter(line__prefix__in="ABC").count() == 12
    assert AppointmentSlot.objects.exists()

"""企业开办 bundle: intake on the theme service, tasks at their windows, register entry, timing, 退件."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from approvals.models import Status
from enterprises.hours import target_minutes
from enterprises.models import ActKind, EntityStatus, MarketEntity, StartupBundle, TaskKind
from enterprises.services import (
    startup_bundle_receive,
    startup_delivery_record,
    startup_resubmit,
    startup_return,
    startup_task_finish,
)
from enterprises.tests.conftest import REGISTRATION
from hall.models import OpeningPeriod
from hall.validators import validate_credit_code
from hall.workdays import WorkingCalendar, current_calendar

pytestmark = pytest.mark.django_db


def _receive(staff, **extra):
    return startup_bundle_receive(registration=dict(REGISTRATION), phone="13812345678", by=staff["intake"], **extra)


def test_intake_opens_one_task_per_matter_with_department_and_window(startup_staff):
    startup = _receive(startup_staff)
    tasks = {t.kind: t for t in startup.tasks.select_related("application", "window")}
    assert set(tasks) == {
        TaskKind.REGISTRATION,
        TaskKind.SEAL,
        TaskKind.INVOICE,
        TaskKind.SOCIAL_INSURANCE,
        TaskKind.HOUSING_FUND,
        TaskKind.BANK,
    }
    for task in tasks.values():
        assert task.application.bundle_id == startup.bundle_id
        assert task.window is not None and task.window.zone.name == "企业开办专区"
        assert task.window.department_id == task.application.department_id
    # The complete submission is accepted at the front desk: the 承诺件 clock runs.
    assert tasks[TaskKind.REGISTRATION].application.status == Status.ACCEPTED
    assert tasks[TaskKind.SEAL].application.status == Status.RECEIVED


def test_tasks_done_at_three_windows_put_the_entity_on_the_register(startup_staff):
    startup = _receive(startup_staff, postal_delivery=True, postal_address="清源县人民路 100 号")
    tasks = {t.kind: t for t in startup.tasks.all()}
    startup_task_finish(task=tasks[TaskKind.REGISTRATION], by=startup_staff["registrar"], e_licence_number="EL-001")
    startup.refresh_from_db()
    entity = startup.entity
    assert entity is not None and entity.status == EntityStatus.ACTIVE
    validate_credit_code(entity.credit_code)
    assert entity.credit_code.startswith("91130921")
    assert entity.acts.get().kind == ActKind.ESTABLISH
    assert entity.acts.get().application_id == tasks[TaskKind.REGISTRATION].application_id
    assert startup.e_licence_with_registration and startup.e_licence_number == "EL-001"
    assert startup.state == StartupBundle.State.OPEN
    assert tasks[TaskKind.REGISTRATION].application.status == Status.DECIDED
    startup_task_finish(task=tasks[TaskKind.REGISTRATION], by=startup_staff["registration"])
    startup_task_finish(task=tasks[TaskKind.INVOICE], by=startup_staff["tax"])
    for kind in (TaskKind.SEAL, TaskKind.SOCIAL_INSURANCE, TaskKind.HOUSING_FUND, TaskKind.BANK):
        startup_task_finish(task=tasks[kind], by=startup_staff["intake"])
    startup.refresh_from_db()
    assert startup.state == StartupBundle.State.FINISHED
    assert startup.seal_made
    assert startup.elapsed_minutes is not None and startup.within_target is True
    done_windows = set(startup.tasks.values_list("done_window__number", flat=True))
    assert done_windows == {5, 6, 7}
    startup_delivery_record(startup=startup, tracking_number="SF1234567890", by=startup_staff["intake"])
    startup.refresh_from_db()
    assert startup.tracking_number == "SF1234567890"


def test_a_clerk_cannot_decide_the_registration_and_nothing_changes(startup_staff):
    startup = _receive(startup_staff)
    task = startup.tasks.get(kind=TaskKind.REGISTRATION)
    with pytest.raises(PermissionDenied):
        startup_task_finish(task=task, by=startup_staff["tax"])
    task.application.refresh_from_db()
    assert task.application.status == Status.ACCEPTED
    assert not MarketEntity.objects.exists()


def test_bad_registration_data_is_refused_per_field(startup_staff):
    data = dict(REGISTRATION, legal_representative_id_number="110105194912310021", entity_type="individual")
    with pytest.raises(ValidationError) as exc:
        startup_bundle_receive(registration=data, phone="13812345678", by=startup_staff["intake"])
    assert "legal_representative_id_number" in exc.value.message_dict
    assert "entity_type" in exc.value.message_dict
    assert not StartupBundle.objects.exists()


def test_return_is_counted_and_resubmission_restarts_the_clock(startup_staff):
    startup = _receive(startup_staff)
    first = startup.submitted_at
    with pytest.raises(ValidationError):
        startup_return(startup=startup, reason="", by=startup_staff["intake"])
    startup_return(startup=startup, reason="住所证明与申请书地址不一致", by=startup_staff["intake"])
    startup.refresh_from_db()
    assert startup.state == StartupBundle.State.RETURNED and startup.return_count == 1
    with pytest.raises(ValidationError):
        startup_task_finish(task=startup.tasks.get(kind=TaskKind.SEAL), by=startup_staff["intake"])
    startup_resubmit(startup=startup, by=startup_staff["intake"])
    startup.refresh_from_db()
    assert startup.state == StartupBundle.State.OPEN and startup.submitted_at > first
    assert startup.returns.get().resubmitted_at is not None


def test_working_minutes_count_only_opening_hours_on_working_days():
    tz = timezone.get_current_timezone()
    hours = WorkingCalendar(
        configured_years=frozenset(),
        exceptions={},
        opening_periods=((time(9), time(12)), (time(13, 30), time(17, 30))),
    )
    assert hours.minutes_per_day == 420
    assert target_minutes(hours) == 210
    # Friday 16:00 → Monday 10:00: 90 minutes on Friday, 60 on Monday; the weekend does not count.
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=tz)
    monday = datetime(2026, 11, 30, 10, 0, tzinfo=tz)
    assert hours.working_minutes_between(friday, monday) == 150
    # The lunch break does not count.
    assert (
        hours.working_minutes_between(
            datetime(2026, 11, 30, 11, 0, tzinfo=tz), datetime(2026, 11, 30, 14, 0, tzinfo=tz)
        )
        == 90
    )
    assert hours.is_open(datetime(2026, 11, 30, 10, 0, tzinfo=tz))
    assert not hours.is_open(datetime(2026, 11, 28, 10, 0, tzinfo=tz))


def test_opening_periods_come_from_the_hall_table(db, django_capture_on_commit_callbacks):
    assert current_calendar().minutes_per_day == 420  # the migration's defaults
    # An administrator shortens the afternoon to 17:00: the 企业开办 target and the work-order hour
    # limits read the same table, at once (the cached calendar is dropped on commit).
    with django_capture_on_commit_callbacks(execute=True):
        afternoon = OpeningPeriod.objects.get(starts_at=time(13, 30))
        afternoon.ends_at = time(17, 0)
        afternoon.save()
    assert current_calendar().minutes_per_day == 390
    assert target_minutes(current_calendar()) == 195


def test_intake_only_at_the_startup_zone(startup_staff):
    with pytest.raises(ValidationError) as exc:
        startup_bundle_receive(registration=dict(REGISTRATION), phone="13812345678", by=startup_staff["clerk"])
    assert "企业开办专区" in exc.value.message_dict["window"][0]

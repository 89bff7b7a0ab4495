"""The fast load-data path (压测数据, COPY): exact counts, unique numbers, sequences advanced past
every generated number, consistent derived rows, and history years that are all finished."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q

from approvals import clock, load
from approvals.load import generate_applications
from approvals.models import Application, ClockExtension, ClockPause, ClockState, NumberSequence, Status
from approvals.services import issue_numbers
from approvals.services.sweep import applications_sweep_warnings
from evaluations.load import generate_evaluations
from evaluations.models import Evaluation, Subject
from hall.bulkcopy import copy_dicts
from hall.models import Site
from hall.queue.models import CallLog, ServiceRecord, Ticket
from hall.workdays import current_calendar
from reports.load import generate_tickets

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)
OPEN = (Status.RECEIVED, Status.SUBMITTED, Status.ACCEPTED, Status.UNDER_REVIEW, Status.SPECIAL_PROCEDURE)


def sequence_of(number: str) -> tuple[int, str, int]:
    return int(number[:4]), number[4:10], int(number[10:])


def test_exact_count_unique_numbers_and_real_issuance_does_not_collide(demo_people):
    made = generate_applications(count=2_345, today=TODAY, seed=3, batch_size=1_000)

    rows = Application.objects.filter(is_load_data=True)
    assert made == 2_345 and rows.count() == 2_345
    numbers = list(rows.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    highest: dict[tuple[int, str], int] = {}
    for number in numbers:
        year, code, serial = sequence_of(number)
        highest[(year, code)] = max(highest.get((year, code), 0), serial)
    for (year, code), serial in highest.items():
        assert NumberSequence.objects.get(year=year, division_code=code).last_value >= serial
    # A real application issued afterwards takes the next free number.
    year, code = max(highest, key=highest.get)
    with transaction.atomic():
        (fresh,) = issue_numbers(year=year, division_code=code, count=1)
    assert not Application.objects.filter(number=fresh).exists()
    assert sequence_of(fresh)[2] == highest[(year, code)] + 1


def test_rows_are_consistent(demo_people):
    generate_applications(count=800, today=TODAY, seed=4)

    rows = Application.objects.filter(is_load_data=True)
    assert not rows.filter(is_load_data=False).exists()
    assert not rows.filter(completed_on__isnull=False, accepted_on__isnull=True).exists()
    assert not rows.filter(completed_on__lt=F("accepted_on")).exists()
    assert not rows.filter(completed_on__gt=TODAY).exists()
    assert not rows.filter(status=Status.DELIVERED, completed_at__isnull=True).exists()
    assert not rows.filter(promised_deadline__lt=F("accepted_on")).exists()
    # The number's division is the receiving site's.
    for number, code in rows.values_list("number", "site__division__code")[:200]:
        assert number[4:10] == code


def test_a_full_county_sequence_spills_over_to_the_town_sites(demo_people, monkeypatch):
    monkeypatch.setattr(load, "NUMBER_CAPACITY", 100)

    generate_applications(count=280, today=TODAY, seed=5, batch_size=90)

    hall = Site.objects.get(level=Site.Level.COUNTY)
    rows = Application.objects.filter(is_load_data=True)
    assert rows.count() == 280
    by_site = dict(rows.values_list("site_id").annotate(n=Count("id")))
    assert by_site[hall.pk] == 100
    assert sum(by_site.values()) == 280
    assert len(set(rows.values_list("number", flat=True))) == 280
    assert all(s.last_value <= 100 for s in NumberSequence.objects.all())


def test_the_current_year_is_in_the_state_a_real_hall_would_be_today(demo_people):
    """Cases are open only as long as a real case would be, none completes after today, and the
    warning cards are those the sweep gives: a sweep over the fresh data changes and sends nothing."""
    generate_applications(count=1_500, today=TODAY, seed=8)

    calendar = current_calendar()
    rows = Application.objects.filter(is_load_data=True)
    pending = rows.filter(status__in=(Status.RECEIVED, Status.SUBMITTED))
    for received_on in pending.values_list("received_on", flat=True):
        assert calendar.working_days_between(received_on, TODAY) < settings.APPROVALS_ANSWER_PERIOD_DAYS
    running = rows.filter(clock_state=ClockState.RUNNING)
    assert running.exists() and rows.filter(completed_on__isnull=False).exists()
    for deadline, limit in running.values_list("promised_deadline", "promised_limit_days"):
        # A few late ones (红牌), none months past its promised deadline.
        assert calendar.working_days_between(deadline, TODAY) <= max(limit // 5, 4)
    assert running.filter(warning_level="red").count() < running.count() / 4
    for app in running:
        level = clock.warning_level_on(TODAY, app.promised_deadline, app.promised_limit_days, calendar=calendar)
        assert app.warning_level == app.warned_level == level
    # Cases still under review because their completion lies ahead, not squeezed into today.
    assert running.filter(status=Status.UNDER_REVIEW, promised_deadline__gte=TODAY).exists()
    completions = rows.filter(completed_on__isnull=False).values("completed_on").annotate(n=Count("id"))
    busiest = max(completions, key=lambda row: row["n"])
    assert busiest["completed_on"] != TODAY

    # Received on working days; 即办件 completed the day they are accepted; most on time, as reported.
    assert all(calendar.is_working_day(day) for day in rows.values_list("received_on", flat=True).distinct())
    immediate = rows.filter(matter_version__handling_type="1", completed_on__isnull=False)
    assert immediate.exists() and not immediate.exclude(completed_on=F("accepted_on")).exists()
    completed = rows.filter(completed_on__isnull=False)
    assert completed.filter(on_time=True).count() / completed.count() > 0.9

    result = applications_sweep_warnings(today=TODAY)
    assert (result.deemed_accepted, result.notifications, result.changed) == (0, 0, 0)


def test_paused_days_and_extensions_have_their_special_procedures_and_approvals(demo_people):
    """现场勘验 and other special procedures, and approved extensions, are rows the figures count."""
    generate_applications(count=1_500, today=TODAY, seed=9)
    generate_applications(count=200, today=TODAY, open_only=True, seed=10)

    rows = Application.objects.filter(is_load_data=True)
    paused = rows.filter(paused_working_days__gt=0)
    assert paused.exists()
    ended = ClockPause.objects.filter(ended_on__isnull=False)
    assert ended.count() == paused.count()
    for pause in ended.select_related("application"):
        app = pause.application
        assert pause.working_days == app.paused_working_days
        assert app.accepted_on <= pause.started_on <= pause.ended_on <= (app.completed_on or TODAY)
    inspections = ClockPause.objects.filter(kind=ClockPause.Kind.INSPECTION)
    assert inspections.exists()
    assert not inspections.filter(Q(scheduled_on__isnull=True) | Q(mode="")).exists()
    # A paused clock (特别程序中) has its open special procedure.
    special = rows.filter(status=Status.SPECIAL_PROCEDURE)
    assert special.exists()
    assert set(special.values_list("pk", flat=True)) == set(
        ClockPause.objects.filter(ended_on__isnull=True).values_list("application_id", flat=True)
    )
    extended = rows.filter(extended_working_days__gt=0)
    assert extended.exists()
    approved = ClockExtension.objects.filter(status=ClockExtension.Status.APPROVED)
    assert sorted(approved.values_list("application_id", "working_days")) == sorted(
        extended.values_list("pk", "extended_working_days")
    )
    assert not approved.filter(decided_by__isnull=True).exists()


def test_history_years_hold_only_finished_cases_of_their_year(demo_people):
    generate_applications(count=600, today=TODAY, year=2023, seed=6)

    rows = Application.objects.filter(is_load_data=True)
    assert rows.count() == 600
    assert not rows.exclude(received_on__year=2023).exists()
    assert not rows.filter(status__in=OPEN).exists()
    assert all(n.startswith("2023") for n in rows.values_list("number", flat=True))


def test_tickets_calls_service_records_and_evaluations_follow_the_rows(demo_people):
    generate_applications(count=600, today=TODAY, seed=7)
    made = generate_tickets(count=450, year=2026, today=TODAY, seed=7, batch_size=200)

    assert made == 450 == Ticket.objects.count()
    assert CallLog.objects.count() == Ticket.objects.filter(window__isnull=False).count()
    assert ServiceRecord.objects.count() == Ticket.objects.filter(status=Ticket.Status.DONE).count()
    assert Ticket.objects.values("token").distinct().count() == 450

    counts = generate_evaluations(seed=7, today=TODAY)

    first = Evaluation.objects.filter(is_follow_up=False)
    assert counts["evaluations"] == first.count() > 0
    assert not Evaluation.objects.filter(is_load_data=False).exists()
    assert not first.filter(subject=Subject.APPLICATION, application__completed_at__isnull=True).exists()
    assert not first.filter(subject=Subject.SERVICE).exclude(service_record__ticket__status=Ticket.Status.DONE).exists()
    assert not first.filter(Q(rated_at__lt=F("application__completed_at"))).exists()
    assert not ServiceRecord.objects.filter(evaluation_status=ServiceRecord.EvaluationStatus.PENDING).exists()
    rated = ServiceRecord.objects.filter(evaluation_status=ServiceRecord.EvaluationStatus.EVALUATED)
    assert rated.count() == first.filter(subject=Subject.SERVICE).count()
    # Evaluating again rates only applications left unrated: never a service twice, nor an application.
    services = first.filter(subject=Subject.SERVICE).count()
    generate_evaluations(seed=8, today=TODAY)
    assert Evaluation.objects.filter(is_follow_up=False, subject=Subject.SERVICE).count() == services
    twice = Evaluation.objects.filter(is_follow_up=False, subject=Subject.APPLICATION).values("application_id")
    assert not twice.annotate(n=Count("id")).filter(n__gt=1).exists()


def test_copy_dicts_fills_defaults_and_per_row_tokens(demo_people):
    from hall.queue.models import QueueLine

    line = QueueLine.objects.first()
    rows = [
        {
            "site_id": line.site_id,
            "issued_line_id": line.pk,
            "line_id": line.pk,
            "service_date": TODAY,
            "sequence": n,
            "number": f"Z{n:03d}",
            "issued_at": demo_people["clerk"].date_joined,
            "queued_at": demo_people["clerk"].date_joined,
        }
        for n in range(1, 4)
    ]
    copy_dicts(Ticket, rows)

    tickets = Ticket.objects.filter(pk__in=[r["id"] for r in rows])
    assert tickets.count() == 3
    assert {t.status for t in tickets} == {Ticket.Status.WAITING}
    assert len({t.token for t in tickets}) == 3


def test_command_history_only_adds_earlier_years(demo_people):
    call_command(
        "generate_load",
        history_years=2,
        history_applications=120,
        history_only=True,
        today=TODAY,
        seed=1,
        stdout=StringIO(),
    )

    rows = Application.objects.filter(is_load_data=True)
    assert dict(rows.values_list("received_on__year").annotate(n=Count("id"))) == {2024: 120, 2025: 120}

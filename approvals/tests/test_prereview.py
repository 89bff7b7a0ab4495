"""The pre-review clock (行政许可法 art. 32): 5 working days from receipt to an answer, the last
day's yellow card, and deemed acceptance (视为受理) by the sweep — once, counted from the receipt."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from approvals import services
from approvals.models import Application, ApplicationEvent, SmsMessage, Status, WarningLevel
from approvals.services.prereview import answer_deadline_for
from approvals.services.sweep import applications_sweep_warnings
from approvals.templatetags.approvals_tags import deadline_class
from approvals.tests.conftest import applicant
from approvals.transitions import Action, TransitionNotAllowed
from hall.models import AuditLog, Notification
from hall.workdays import current_calendar

pytestmark = pytest.mark.django_db


def _day_after(day: date) -> date:
    return day + timedelta(days=1)


def test_five_working_days_skip_holidays_and_count_make_up_days():
    calendar = current_calendar()
    # Received Thu 9/24/2026: 9/25–27 and 10/1–7 are holidays → 9/28, 9/29, 9/30, 10/8, 10/9.
    assert answer_deadline_for(date(2026, 9, 24), calendar=calendar) == date(2026, 10, 9)
    # Received Fri 10/9: Sat 10/10 is a make-up working day and counts.
    assert answer_deadline_for(date(2026, 10, 9), calendar=calendar) == date(2026, 10, 15)


def test_an_unanswered_online_submission_is_deemed_accepted_once_from_its_receipt_date(people, version):
    calendar = current_calendar()
    app = services.application_submit_online(version=version, by=people["public"])
    received = app.received_on
    deadline = answer_deadline_for(received, calendar=calendar)
    assert app.answer_deadline == deadline

    # The last working day: still owed an answer, yellow card, not yet accepted.
    on_deadline = applications_sweep_warnings(today=deadline, calendar=calendar)
    app.refresh_from_db()
    assert on_deadline.deemed_accepted == 0 and app.status == Status.SUBMITTED
    assert app.warning_level == WarningLevel.YELLOW and deadline_class(app) == "deadline-yellow"

    # The day after: deemed accepted, the promised clock counted from the receipt date.
    after = applications_sweep_warnings(today=_day_after(deadline), calendar=calendar)
    app.refresh_from_db()
    assert after.deemed_accepted == 1
    assert app.status == Status.ACCEPTED and app.deemed_accepted
    assert app.accepted_on == received and app.accepted_at == app.received_at
    assert app.promised_deadline == calendar.add_working_days(received, version.promised_limit_days)
    assert app.legal_deadline == calendar.add_working_days(received, version.legal_limit_days)

    # Once: a second and a third run change and send nothing more.
    assert applications_sweep_warnings(today=_day_after(deadline), calendar=calendar).deemed_accepted == 0
    assert applications_sweep_warnings(today=deadline + timedelta(days=7), calendar=calendar).deemed_accepted == 0
    events = ApplicationEvent.objects.filter(application=app, action=Action.DEEM_ACCEPT)
    assert events.count() == 1 and events.get().actor is None and "第三十二条" in events.get().note
    audit = AuditLog.objects.get(action="application.deem_accept", object_id=str(app.pk))
    assert audit.before["status"] == Status.SUBMITTED and audit.after["status"] == Status.ACCEPTED
    # The applicant is told by SMS and, having an account, in 消息.
    sms = SmsMessage.objects.get(application=app, dedupe_key=f"deemed-accepted-{app.pk}")
    assert "视为受理" in sms.body and f"{app.promised_deadline:%Y年%m月%d日}" in sms.body
    message = Notification.objects.get(recipient=people["public"], dedupe_key=f"deemed-accepted-{app.pk}")
    assert message.body in sms.body and message.link.endswith(f"/applications/{app.number}/")


def test_answered_in_time_is_not_deemed_accepted(people, version):
    calendar = current_calendar()
    accepted = services.application_submit_online(version=version, by=people["public"])
    told = services.application_submit_online(version=version, by=people["public"])
    refused = services.application_receive(version=version, applicant=applicant(), by=people["clerk"])
    deadline = accepted.answer_deadline
    for material in accepted.materials.all():
        material.state = "provided"
        material.save()
    services.application_accept(application=accepted, by=people["clerk"], today=accepted.received_on)
    services.application_request_supplement(
        application=told, by=people["clerk"], items=[services.SupplementItem(name="申请书", note="未签字")]
    )
    services.application_refuse(application=refused, by=people["clerk"], reason="不属于本机关职权范围")
    result = applications_sweep_warnings(today=deadline + timedelta(days=30), calendar=calendar)
    assert result.deemed_accepted == 0
    assert not Application.objects.filter(deemed_accepted=True).exists()
    accepted.refresh_from_db()
    told.refresh_from_db()
    assert accepted.accepted_on == accepted.received_on and told.status == Status.SUPPLEMENT_REQUESTED
    assert told.answer_deadline is None  # the supplement notice stops the pre-review clock


def test_a_supplement_starts_a_new_answer_period_from_its_day(people, version):
    calendar = current_calendar()
    app = services.application_submit_online(version=version, by=people["public"])
    services.application_request_supplement(
        application=app, by=people["clerk"], items=[services.SupplementItem(name="补充说明")]
    )
    app = services.application_supplement(application=app, by=people["public"])
    supplemented_on = timezone.localdate(app.supplemented_at)  # the hall's day, not UTC's
    assert app.answer_deadline == answer_deadline_for(supplemented_on, calendar=calendar)
    applications_sweep_warnings(today=_day_after(app.answer_deadline), calendar=calendar)
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED and app.deemed_accepted and app.accepted_on == supplemented_on
    assert app.accepted_at == app.supplemented_at


def test_a_clerk_accepting_after_the_deadline_counts_from_the_receipt(people, received):
    late = _day_after(received.answer_deadline)
    app = services.application_accept(application=received, by=people["clerk"], today=late)
    assert app.deemed_accepted and app.accepted_on == received.received_on
    assert "视为" in app.events.get(action=Action.ACCEPT).note


def test_past_the_deadline_it_can_no_longer_be_refused_or_sent_back(people, received):
    Application.objects.filter(pk=received.pk).update(answer_deadline=date(2026, 1, 5))
    with pytest.raises(TransitionNotAllowed, match="视为受理"):
        services.application_refuse(application=received, by=people["clerk"], reason="材料不全")
    with pytest.raises(TransitionNotAllowed, match="视为受理"):
        services.application_request_supplement(
            application=received, by=people["clerk"], items=[services.SupplementItem(name="申请书")]
        )
    with pytest.raises(ValidationError):
        services.application_refuse(application=received, by=people["clerk"], reason=" ")


def test_the_last_day_warns_the_staff_once(people, received):
    supervisor = people["supervisor"]
    deadline = received.answer_deadline
    first = applications_sweep_warnings(today=deadline)
    assert first.answer_warnings >= 1
    notices = Notification.objects.filter(dedupe_key__startswith=f"answer-due-{received.pk}-")
    assert {people["clerk"].pk, supervisor.pk} <= set(notices.values_list("recipient", flat=True))
    assert applications_sweep_warnings(today=deadline).answer_warnings == 0
    count = notices.count()
    applications_sweep_warnings(today=deadline)
    assert notices.count() == count
    # Accepting it hands over to the legal clock, whose levels are announced afresh.
    for material in received.materials.filter(is_required=True):
        material.state = "provided"
        material.save()
    app = services.application_accept(application=received, by=people["clerk"], today=deadline)
    assert app.warned_level == WarningLevel.NONE and app.warning_level == WarningLevel.NONE

"""The deadline sweep: levels, one notification per level, idempotence, constant query count,
容缺 reminders, and the task and its schedule."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from approvals import services
from approvals.load import generate_applications
from approvals.models import Application, ApplicationMaterial, DepartmentHead, SmsMessage, WarningLevel
from approvals.services.sweep import applications_sweep_warnings
from approvals.tasks import sweep_warnings
from approvals.tests.conftest import ACCEPTED, applicant
from hall.models import Notification
from hall.workdays import current_calendar

pytestmark = pytest.mark.django_db

# Accepted 9/24 with a promised limit of 10: deadline 10/15; threshold max(1, ⌊10/3⌋) = 3.


@pytest.fixture
def head(people):
    return DepartmentHead.objects.create(department=people["approver"].department, user=people["supervisor"])


def test_levels_follow_the_remaining_working_days(people, under_review, head):
    calendar = current_calendar()
    applications_sweep_warnings(today=date(2026, 10, 10), calendar=calendar)  # 4 left (make-up Saturday)
    assert Application.objects.get().warning_level == WarningLevel.NONE
    applications_sweep_warnings(today=date(2026, 10, 12), calendar=calendar)  # 3 left: 10/13, 14, 15
    assert Application.objects.get().warning_level == WarningLevel.YELLOW
    applications_sweep_warnings(today=date(2026, 10, 16), calendar=calendar)
    assert Application.objects.get().warning_level == WarningLevel.RED


def test_each_level_is_notified_once_to_the_handler_and_the_head(people, under_review, head):
    applications_sweep_warnings(today=date(2026, 10, 12))
    notices = Notification.objects.filter(dedupe_key=f"warn-{under_review.pk}-yellow")
    assert set(notices.values_list("recipient", flat=True)) == {people["approver"].pk, people["supervisor"].pk}
    assert "黄牌" in notices.first().title and under_review.number in notices.first().title
    again = applications_sweep_warnings(today=date(2026, 10, 12))
    assert again.notifications == 0 and again.changed == 0
    warnings = Notification.objects.filter(dedupe_key__startswith="warn-")
    assert warnings.count() == 2
    applications_sweep_warnings(today=date(2026, 10, 16))
    applications_sweep_warnings(today=date(2026, 10, 19))
    assert Notification.objects.filter(dedupe_key=f"warn-{under_review.pk}-red").count() == 2
    assert warnings.count() == 4


def test_an_extension_clears_the_card(people, under_review):
    applications_sweep_warnings(today=date(2026, 10, 16))
    assert Application.objects.get().warning_level == WarningLevel.RED
    app = services.application_request_extension(
        application=under_review, days=10, reason="复杂", by=people["approver"]
    )
    services.application_approve_extension(application=app, by=people["supervisor"], today=date(2026, 10, 16))
    result = applications_sweep_warnings(today=date(2026, 10, 16))
    assert Application.objects.get().warning_level == WarningLevel.NONE and result.changed == 0  # set by the service


def test_a_paused_clock_is_left_alone(people, under_review):
    services.application_pause(
        application=under_review, kind="testing", reason="送检", by=people["approver"], today=date(2026, 10, 9)
    )
    applications_sweep_warnings(today=date(2026, 10, 30))
    assert Application.objects.get().warning_level == WarningLevel.NONE


def _sweep_queries(today):
    with CaptureQueriesContext(connection) as queries:
        applications_sweep_warnings(today=today, calendar=current_calendar())
    return len(queries)


def test_the_query_count_does_not_depend_on_the_number_of_applications(people, head):
    today = date(2026, 10, 20)
    current_calendar()  # cached: the sweep reads no calendar rows itself
    generate_applications(count=10, today=today, open_only=True, seed=1)
    small = _sweep_queries(today)
    generate_applications(count=90, today=today, open_only=True, seed=2)
    Application.objects.update(warning_level=WarningLevel.NONE, warned_level=WarningLevel.NONE)
    large = _sweep_queries(today)
    assert small == large
    assert Application.objects.exclude(warning_level=WarningLevel.NONE).exists()
    assert _sweep_queries(today) == large  # and again with nothing to do


def test_promises_coming_due_are_reminded_once(people, version):
    optional = version.materials.get(may_be_missing=True)
    core = version.materials.get(name="申请书")
    app = services.application_receive(
        version=version, applicant=applicant(), by=people["clerk"], applicant_user=people["public"]
    )
    services.application_accept(
        application=app,
        by=people["clerk"],
        today=ACCEPTED,
        materials=[
            services.MaterialState(core.pk, "provided"),
            services.MaterialState(optional.pk, "promised", date(2026, 10, 12)),
        ],
    )
    assert applications_sweep_warnings(today=date(2026, 9, 29)).promise_reminders == 0
    assert applications_sweep_warnings(today=date(2026, 10, 9)).promise_reminders == 1
    assert applications_sweep_warnings(today=date(2026, 10, 10)).promise_reminders == 0
    sms = SmsMessage.objects.get(dedupe_key__startswith="promise-")
    assert "营业场所证明" in sms.body and sms.phone == "13700000007"
    # The same text in the citizen's 消息 (the application is linked to their account).
    assert Notification.objects.get(dedupe_key__startswith="promise-", recipient=people["public"]).body in sms.body
    assert ApplicationMaterial.objects.get(material=optional).reminded_at is not None


def test_the_task_runs_the_sweep_and_is_scheduled(people, under_review):
    assert "changed=1" in sweep_warnings("2026-10-16")
    tasks = PeriodicTask.objects.filter(task="approvals.sweep_warnings", enabled=True)
    assert {t.crontab.minute for t in tasks} == {"*/15", "5"}

"""Evaluation services against the real database: one-per rules, bad input, the 差评 loop, 追评."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from approvals.models import SmsMessage
from evaluations import services
from evaluations.models import (
    BadReviewCase,
    BadReviewEvent,
    CaseStatus,
    Channel,
    Evaluation,
    Level,
    Verification,
)
from evaluations.services import AlreadyEvaluated, Rating
from evaluations.signals import bad_review_submitted
from evaluations.tests.conftest import bad, good, tag
from evaluations.transitions import CaseTransitionNotAllowed
from hall.models import AuditLog, Notification
from hall.queue.models import ServiceRecord

pytestmark = pytest.mark.django_db


def test_window_service_is_rated_once_and_marks_the_record(service_record):
    evaluation = services.evaluation_submit_for_service(service_record=service_record, rating=good())
    assert evaluation.level == "very_satisfied" and evaluation.get_level_display() == "非常满意"
    assert evaluation.window_id == service_record.window_id and evaluation.staff_id == service_record.clerk_id
    service_record.refresh_from_db()
    assert service_record.evaluation_status == ServiceRecord.EvaluationStatus.EVALUATED
    with pytest.raises(AlreadyEvaluated, match="一次一评"):
        services.evaluation_submit_for_service(service_record=service_record, rating=good())
    assert Evaluation.objects.count() == 1
    assert AuditLog.objects.filter(action="evaluation.submit").count() == 1


def test_application_is_rated_once(completed, people):
    services.evaluation_submit_for_application(application=completed, rating=good(), channel=Channel.QR)
    with pytest.raises(AlreadyEvaluated, match="一事一评"):
        services.evaluation_submit_for_application(application=completed, rating=good(), channel=Channel.PC)


@pytest.mark.parametrize(
    ("rating", "field"),
    [
        (Rating(level="excellent"), "level"),
        (Rating(level="5"), "level"),
        (Rating(level=Level.DISSATISFIED), "tags"),  # a 差评 needs a reason
        (Rating(level=Level.SATISFIED, text="长" * 501), "text"),
        (Rating(level=Level.SATISFIED, tag_ids=(999999,)), "tags"),
        (Rating(level=Level.SATISFIED, phone="12345"), "phone"),
        (Rating(level=Level.SATISFIED, scores={"service_attitude": 9}), "scores"),
        (Rating(level=Level.SATISFIED, scores={"unknown": 3}), "scores"),
    ],
)
def test_bad_input_is_refused_per_field_and_writes_nothing(service_record, rating, field):
    with pytest.raises(ValidationError) as caught:
        services.evaluation_submit_for_service(service_record=service_record, rating=rating)
    assert field in caught.value.message_dict
    assert Evaluation.objects.count() == 0


def test_a_tag_of_another_level_is_refused(service_record):
    rating = Rating(level=Level.DISSATISFIED, tag_ids=(tag(Level.VERY_SATISFIED).pk,))
    with pytest.raises(ValidationError) as caught:
        services.evaluation_submit_for_service(service_record=service_record, rating=rating)
    assert "不属于“不满意”" in caught.value.message_dict["tags"][0]
    assert Evaluation.objects.count() == 0


def test_bad_review_opens_a_case_sends_the_signal_and_tells_the_department(service_record, people):
    received = []

    def listener(sender, evaluation, **kwargs):
        received.append(evaluation.pk)

    bad_review_submitted.connect(listener)
    try:
        evaluation = services.evaluation_submit_for_service(service_record=service_record, rating=bad())
    finally:
        bad_review_submitted.disconnect(listener)
    case = evaluation.case
    assert received == [evaluation.pk]
    assert case.status == CaseStatus.SUBMITTED and case.due_on is not None
    assert case.department_id == people["approver"].department_id
    assert Notification.objects.filter(recipient=people["approver"], dedupe_key=f"evalcase-{case.pk}-open").exists()
    assert SmsMessage.objects.filter(phone="13800001234").count() == 1


def test_the_whole_bad_review_loop_then_one_follow_up(service_record, people):
    approver, supervisor = people["approver"], people["supervisor"]
    evaluation = services.evaluation_submit_for_service(service_record=service_record, rating=bad())
    case = evaluation.case
    case = services.case_start_verify(case=case, by=approver)
    # A real-name 差评 must be called back before it is judged.
    with pytest.raises(CaseTransitionNotAllowed, match="回访"):
        services.case_confirm(case=case, note="属实", by=approver)
    case = services.case_callback(case=case, note="已电话联系，群众反映等候过久", by=approver)
    case = services.case_confirm(case=case, note="高峰期窗口不足", by=approver)
    assert case.verification == Verification.TRUE and case.due_on is not None
    with pytest.raises(CaseTransitionNotAllowed):
        services.case_close(case=case, by=supervisor)
    case = services.case_start_rectify(case=case, by=approver)
    with pytest.raises(ValidationError):
        services.case_rectify(case=case, note="", by=approver)
    case = services.case_rectify(case=case, note="高峰期增开 2 个窗口", by=approver)
    with pytest.raises(PermissionDenied):
        services.case_close(case=case, by=approver)  # only the hall supervisor closes
    case = services.case_close(case=case, by=supervisor)
    assert case.status == CaseStatus.CLOSED
    assert [e.action for e in BadReviewEvent.objects.filter(case=case)] == [
        "create",
        "start_verify",
        "callback",
        "confirm",
        "start_rectify",
        "rectify",
        "close",
    ]
    follow = services.evaluation_follow_up(
        evaluation=evaluation, rating=Rating(level=Level.SATISFIED), channel=Channel.SMS, via_link=True
    )
    assert follow.is_follow_up and follow.follows_id == evaluation.pk
    with pytest.raises(AlreadyEvaluated):
        services.evaluation_follow_up(
            evaluation=evaluation, rating=Rating(level=Level.SATISFIED), channel=Channel.SMS, via_link=True
        )


def test_follow_up_only_after_handling_and_only_of_a_bad_review(service_record, completed, people):
    evaluation = services.evaluation_submit_for_service(service_record=service_record, rating=bad())
    with pytest.raises(ValidationError, match="处理中"):
        services.evaluation_follow_up(evaluation=evaluation, rating=good(), channel=Channel.QR, via_link=True)
    praised = services.evaluation_submit_for_application(
        application=completed, rating=good(), channel=Channel.PC, by=people["public"]
    )
    with pytest.raises(ValidationError, match="只有差评"):
        services.evaluation_follow_up(evaluation=praised, rating=good(), channel=Channel.PC, by=people["public"])


def test_dispute_goes_to_the_supervisors_appeal_review(service_record, people):
    approver, supervisor = people["approver"], people["supervisor"]
    case = services.evaluation_submit_for_service(service_record=service_record, rating=bad(phone="")).case
    case = services.case_start_verify(case=case, by=approver)
    with pytest.raises(ValidationError):
        services.case_dispute(case=case, verdict="whatever", note="x", by=approver)
    case = services.case_dispute(case=case, verdict=Verification.MALICIOUS, note="同一人连续差评", by=approver)
    assert case.status == CaseStatus.APPEAL_REVIEW
    with pytest.raises(PermissionDenied):
        services.case_uphold_appeal(case=case, note="x", by=approver)
    case = services.case_reject_appeal(case=case, note="监控显示确有等候过久", by=supervisor)
    assert case.status == CaseStatus.CONFIRMED and case.verification == Verification.TRUE


def test_leaders_and_other_departments_cannot_act(service_record, people):
    case = services.evaluation_submit_for_service(service_record=service_record, rating=bad()).case
    with pytest.raises(PermissionDenied):
        services.case_start_verify(case=case, by=people["leader"])
    with pytest.raises(PermissionDenied):
        services.case_start_verify(case=case, by=people["clerk"])
    assert BadReviewCase.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED


def test_citizens_rate_only_their_own_applications(completed, other_citizen):
    with pytest.raises(PermissionDenied):
        services.evaluation_submit_for_application(
            application=completed, rating=good(), channel=Channel.PC, by=other_citizen
        )


def test_platform_import_is_idempotent_by_external_id(completed):
    data = services.ExternalEvaluation(external_id="GD-2026-0001", application_number=completed.number, rating=good())
    first, created = services.evaluation_import_external(data=data)
    again, created_again = services.evaluation_import_external(data=data)
    assert created and not created_again and first.pk == again.pk
    assert Evaluation.objects.filter(channel=Channel.PLATFORM).count() == 1
    with pytest.raises(ValidationError):
        services.evaluation_import_external(
            data=services.ExternalEvaluation(external_id="", application_number="nope", rating=good())
        )


def test_completion_invites_the_applicant_by_sms(completed):
    sms = SmsMessage.objects.get(dedupe_key=f"evaluation-invite-{completed.pk}")
    assert "/e/" in sms.body and "via=sms" in sms.body

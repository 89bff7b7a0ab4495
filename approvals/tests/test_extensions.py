"""延期 (art. 42) in two steps — the handler requests, a supervisor approves or rejects — and the
guards of the transitions table that keep buttons and rules together."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import services
from approvals.models import ApplicationEvent, ClockExtension, SmsMessage, Status
from approvals.tests.conftest import all_provided, applicant
from approvals.tests.test_pages import action_url, detail_url, login
from approvals.transitions import Action, TransitionNotAllowed, actions_for, check_transition
from hall.models import AuditLog, Notification, User
from hall.roles import nav_for
from hall.services.accounts import user_create

pytestmark = pytest.mark.django_db


def request(app, people, days=5, reason="需组织专家论证"):
    return services.application_request_extension(application=app, days=days, reason=reason, by=people["approver"])


@pytest.fixture
def second_supervisor(people):
    return user_create(
        username="t_supervisor2",
        password="Demo@2026",
        full_name="秦大厅",
        role=User.Role.SUPERVISOR,
        department=people["approver"].department,
        site=people["clerk"].site,
        phone="13700009998",
    )


# --- Guards in the table ---------------------------------------------------------------------------


def test_accept_immediately_is_guarded_in_the_table(people, received, immediate_version):
    with pytest.raises(TransitionNotAllowed, match="不是即办件"):
        check_transition(received, Action.ACCEPT_IMMEDIATELY, people["clerk"])
    assert Action.ACCEPT_IMMEDIATELY not in actions_for(received, people["clerk"])
    app = services.application_receive(
        version=immediate_version, applicant=applicant(), by=people["clerk"], materials=all_provided(immediate_version)
    )
    assert Action.ACCEPT_IMMEDIATELY in actions_for(app, people["clerk"])
    # The role check still comes first: a citizen is refused for the role, not told about the matter.
    with pytest.raises(PermissionDenied):
        check_transition(received, Action.ACCEPT_IMMEDIATELY, people["public"])


def test_accept_immediately_refused_over_the_api_with_the_guard_message(people, received):
    client = APIClient()
    client.force_login(people["clerk"])
    response = client.post(f"/api/v1/applications/{received.number}/accept-immediately/", {}, format="json")
    assert response.status_code == 409 and "不是即办件" in response.json()["detail"]


# --- Services --------------------------------------------------------------------------------------


def test_a_request_is_pending_and_moves_nothing(people, under_review):
    before = (under_review.promised_deadline, under_review.legal_deadline)
    app = request(under_review, people)
    extension = app.extensions.get()
    assert extension.status == ClockExtension.Status.PENDING and extension.requested_by == people["approver"]
    assert (app.promised_deadline, app.legal_deadline) == before and app.extended_working_days == 0
    assert app.status == Status.UNDER_REVIEW
    event = app.events.get(action=Action.REQUEST_EXTENSION)
    assert event.from_status == event.to_status == Status.UNDER_REVIEW and "需组织专家论证" in event.note
    assert AuditLog.objects.filter(action="application.request_extension", object_id=str(app.pk)).exists()
    # The department's supervisors are told once, with a link to the list.
    note = Notification.objects.get(recipient=people["supervisor"])
    assert note.dedupe_key == f"extension-request-{extension.pk}" and note.link == reverse("application_extensions")
    assert not SmsMessage.objects.filter(application=app, body__contains="延期").exists()


def test_one_pending_request_at_a_time(people, under_review):
    app = request(under_review, people)
    assert Action.REQUEST_EXTENSION not in actions_for(app, people["approver"])
    with pytest.raises(TransitionNotAllowed, match="待审批"):
        request(app, people, days=2)
    assert set(actions_for(app, people["supervisor"])) >= {Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION}


def test_approval_extends_the_clock_and_tells_the_applicant(people, under_review):
    app = request(under_review, people, days=5)
    legal = app.legal_deadline
    app = services.application_approve_extension(
        application=app, by=people["supervisor"], note="同意", today=date(2026, 10, 12)
    )
    extension = app.extensions.get()
    assert extension.status == ClockExtension.Status.APPROVED and extension.decided_by == people["supervisor"]
    assert extension.decided_at is not None and extension.decision_note == "同意"
    assert app.extended_working_days == 5 and app.legal_deadline > legal
    assert SmsMessage.objects.filter(application=app, body__contains="经批准延期 5 个工作日").exists()
    assert Notification.objects.filter(recipient=people["approver"], title__contains="已批准").exists()
    assert Action.REQUEST_EXTENSION in actions_for(app, people["approver"])  # a further request is possible
    assert AuditLog.objects.filter(action="application.approve_extension").count() == 1


def test_rejection_needs_a_reason_and_keeps_the_deadline(people, under_review):
    app = request(under_review, people)
    with pytest.raises(ValidationError) as exc:
        services.application_reject_extension(application=app, by=people["supervisor"], reason=" ")
    assert "reason" in exc.value.message_dict
    deadline = app.promised_deadline
    app = services.application_reject_extension(application=app, by=people["supervisor"], reason="理由不充分")
    extension = app.extensions.get()
    assert extension.status == ClockExtension.Status.REJECTED and extension.decision_note == "理由不充分"
    assert app.promised_deadline == deadline and app.extended_working_days == 0
    assert not SmsMessage.objects.filter(application=app, body__contains="延期").exists()
    assert ApplicationEvent.objects.filter(application=app, action=Action.REJECT_EXTENSION).exists()
    request(app, people, days=3)  # a new request may follow


def test_nothing_to_decide_is_a_conflict(people, under_review):
    with pytest.raises(TransitionNotAllowed, match="没有待审批"):
        services.application_approve_extension(application=under_review, by=people["supervisor"])
    with pytest.raises(TransitionNotAllowed):
        services.application_reject_extension(application=under_review, by=people["supervisor"], reason="x")


def test_the_maximum_is_checked_again_at_approval(people, under_review):
    app = request(under_review, people, days=8)
    # Meanwhile the legal limit is corrected (e.g. the matter's 法定时限 was wrong): 10 → at most 5.
    type(app).objects.filter(pk=app.pk).update(legal_limit_days=10)
    with pytest.raises(ValidationError) as exc:
        services.application_approve_extension(application=app, by=people["supervisor"])
    assert "days" in exc.value.message_dict
    assert app.extensions.get().status == ClockExtension.Status.PENDING


def test_a_supervisor_does_not_approve_their_own_request(people, under_review, second_supervisor):
    app = services.application_request_extension(
        application=under_review, days=3, reason="复杂", by=people["supervisor"]
    )
    assert Action.APPROVE_EXTENSION not in actions_for(app, people["supervisor"])
    with pytest.raises(PermissionDenied, match="本人"):
        services.application_approve_extension(application=app, by=people["supervisor"])
    # The requester is not notified of their own request; the other supervisor is.
    assert not Notification.objects.filter(recipient=people["supervisor"]).exists()
    assert Notification.objects.filter(recipient=second_supervisor).exists()
    app = services.application_approve_extension(application=app, by=second_supervisor)
    assert app.extended_working_days == 3


def test_a_stale_request_can_be_rejected_after_the_decision(people, under_review):
    app = request(under_review, people)
    app = services.application_decide(application=app, approved=True, document_number="1", by=people["approver"])
    assert Action.APPROVE_EXTENSION not in actions_for(app, people["supervisor"])
    with pytest.raises(TransitionNotAllowed):
        services.application_approve_extension(application=app, by=people["supervisor"])
    app = services.application_reject_extension(application=app, by=people["supervisor"], reason="已作出决定")
    assert app.status == Status.DECIDED


def test_the_database_allows_one_pending_request(people, under_review):
    from django.db import IntegrityError, transaction

    request(under_review, people)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClockExtension.objects.create(
            application=under_review, working_days=1, reason="x", requested_by=people["approver"]
        )


# --- API -------------------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_extension_request_and_approval_api(people, under_review):
    base = f"/api/v1/applications/{under_review.number}"
    approver = api(people["approver"])
    assert approver.post(f"{base}/request-extension/", {"days": 2}, format="json").status_code == 400
    bad = approver.post(f"{base}/request-extension/", {"days": 0, "reason": "x"}, format="json")
    assert bad.status_code == 400 and "days" in bad.json()
    response = approver.post(f"{base}/request-extension/", {"days": 4, "reason": "需专家论证"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["extensions"][0]["status"] == "pending" and body["extended_working_days"] == 0
    again = approver.post(f"{base}/request-extension/", {"days": 1, "reason": "再次"}, format="json")
    assert again.status_code == 409 and "待审批" in again.json()["detail"]
    assert approver.post(f"{base}/approve-extension/", {}, format="json").status_code == 403
    assert api(people["public"]).post(f"{base}/approve-extension/", {}, format="json").status_code == 403
    assert api(people["leader"]).post(f"{base}/reject-extension/", {"reason": "x"}, format="json").status_code == 403
    supervisor = api(people["supervisor"])
    assert supervisor.post(f"{base}/reject-extension/", {"reason": ""}, format="json").status_code == 400
    response = supervisor.post(f"{base}/approve-extension/", {"note": "同意"}, format="json")
    assert response.status_code == 200
    assert response.json()["extended_working_days"] == 4
    assert response.json()["extensions"][0]["decided_by_name"] == people["supervisor"].full_name
    assert supervisor.post(f"{base}/approve-extension/", {}, format="json").status_code == 409
    assert approver.post(f"{base}/extend/", {}, format="json").status_code == 404  # the one-step endpoint is gone


# --- Pages -----------------------------------------------------------------------------------------


def test_request_page_then_the_supervisors_list_and_approval(client, people, under_review):
    login(client, people["approver"])
    html = client.get(detail_url(under_review)).content.decode()
    request_button = f'href="{action_url(under_review, "request_extension")}"'
    assert request_button in html and "approved_by" not in html
    form = client.get(action_url(under_review, "request_extension")).content.decode()
    assert "批准人" not in form and "延期理由" in form
    bad = client.post(action_url(under_review, "request_extension"), {"days": "20", "reason": "复杂"})
    assert bad.status_code == 400 and "延期不得超过" in bad.content.decode()
    ok = client.post(action_url(under_review, "request_extension"), {"days": "3", "reason": "需补充论证"})
    assert ok.status_code == 302
    html = client.get(detail_url(under_review)).content.decode()
    assert 'id="pending-extension"' in html and "需补充论证" in html
    assert request_button not in html  # one pending request at a time: the button is gone
    assert client.get(reverse("application_extensions")).status_code == 403
    assert client.get(action_url(under_review, "approve_extension")).status_code == 403

    login(client, people["supervisor"])
    assert any(item.url_name == "application_extensions" for item in nav_for(people["supervisor"]))
    html = client.get(reverse("application_extensions")).content.decode()
    assert "<h1>延期审批</h1>" in html and under_review.number in html and "需补充论证" in html
    assert 'data-action="approve_extension"' in html and 'data-action="reject_extension"' in html
    page = client.get(action_url(under_review, "approve_extension")).content.decode()
    assert 'id="pending-extension"' in page and "3 个工作日" in page
    assert client.post(action_url(under_review, "approve_extension"), {"note": "同意"}).status_code == 302
    under_review.refresh_from_db()
    assert under_review.extended_working_days == 3
    assert under_review.number not in client.get(reverse("application_extensions")).content.decode()
    assert client.post(action_url(under_review, "approve_extension"), {}).status_code == 409


def test_reject_page_needs_a_reason(client, people, under_review):
    request(under_review, people)
    login(client, people["supervisor"])
    bad = client.post(action_url(under_review, "reject_extension"), {"reason": ""})
    assert bad.status_code == 400 and "驳回延期申请须说明理由" in bad.content.decode()
    assert client.post(action_url(under_review, "reject_extension"), {"reason": "理由不足"}).status_code == 302
    html = client.get(detail_url(under_review)).content.decode()
    assert 'data-extension-status="rejected"' in html and "理由不足" in html


def test_the_extensions_list_does_not_grow_queries_with_rows(client, people, version):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def pending_one():
        app = services.application_receive(
            version=version, applicant=applicant(), by=people["clerk"], materials=all_provided(version)
        )
        app = services.application_accept(application=app, by=people["clerk"])
        request(app, people)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("application_extensions")).status_code == 200
        return len(ctx)

    login(client, people["supervisor"])
    pending_one()
    before = count()
    for _ in range(3):
        pending_one()
    assert count() == before

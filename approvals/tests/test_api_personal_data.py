"""Personal data in the API (issue 9): masked by default for every role, full only on an
explicit reveal by a role that handles the application, every reveal audited; a citizen actor
in the history masked; the client address never taken from an untrusted X-Forwarded-For."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from approvals import services
from hall.models import AuditLog

pytestmark = pytest.mark.django_db

FULL_ID = "11010519491231002X"
FULL_PHONE = "13700000007"


def client_for(user, **extra) -> APIClient:
    client = APIClient(**extra)
    client.force_login(user)
    return client


@pytest.fixture
def online(people, version):
    """An application the demo citizen made online and then withdrew a supplement on (a citizen
    actor in the history)."""
    return services.application_submit_online(version=version, by=people["public"])


def _detail(client, app, **params):
    return client.get(f"/api/v1/applications/{app.number}/", params)


@pytest.mark.parametrize("role", ["clerk", "approver", "supervisor", "leader", "admin", "public"])
def test_detail_is_masked_for_every_role(people, online, role):
    response = _detail(client_for(people[role]), online)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["applicant_id_number"] == "110105********002X"
    assert body["applicant_phone"] == "137****0007"
    assert body["applicant_name"] == "卫*众"
    assert FULL_ID not in response.content.decode() and FULL_PHONE not in response.content.decode()
    # The citizen who submitted it appears in the history masked, name and username alike.
    actors = {e["actor_name"] for e in body["events"]}
    assert all("卫群众" not in a for a in actors), actors
    assert not AuditLog.objects.filter(action="application.personal_data_view").exists()


@pytest.mark.parametrize("role", ["clerk", "approver", "supervisor", "public"])
def test_reveal_by_a_handling_role_is_full_and_audited(people, online, role):
    response = _detail(client_for(people[role], REMOTE_ADDR="10.1.2.3"), online, reveal="1")
    assert response.status_code == 200
    body = response.json()
    assert body["applicant_id_number"] == FULL_ID and body["applicant_phone"] == FULL_PHONE
    assert body["applicant_name"] == "卫群众"
    entry = AuditLog.objects.get(action="application.personal_data_view")
    assert entry.actor == people[role] and entry.object_id == str(online.pk) and entry.ip_address == "10.1.2.3"


def test_leader_cannot_reveal(people, online):
    response = _detail(client_for(people["leader"]), online, reveal="1")
    assert response.status_code == 403
    assert "无权" in response.json()["detail"]
    assert not AuditLog.objects.filter(action="application.personal_data_view").exists()


def test_transition_answers_are_masked(people, online):
    response = client_for(people["clerk"]).post(f"/api/v1/applications/{online.number}/start-prereview/", {})
    assert response.status_code == 200, response.content
    assert FULL_ID not in response.content.decode()


def test_queue_ticket_answers_carry_no_phone(people):
    from hall.queue.models import QueueLine

    line = QueueLine.objects.filter(is_active=True).first() if hasattr(QueueLine, "is_active") else None
    line = line or QueueLine.objects.first()
    if line is None:
        pytest.skip("no queue line in the demo data")
    response = client_for(people["public"]).post("/api/v1/queue/tickets/", {"line": line.pk}, format="json")
    assert response.status_code in (201, 409), response.content
    assert people["public"].phone not in response.content.decode()


def test_spoofed_forwarded_for_changes_neither_audit_ip_nor_the_rate_limit(people, received, settings):
    settings.TRUSTED_PROXIES = []
    client = APIClient(REMOTE_ADDR="192.0.2.10")
    statuses = []
    for i in range(13):
        statuses.append(
            client.post(
                "/api/v1/track/",
                {"number": received.number, "phone": FULL_PHONE},
                format="json",
                HTTP_X_FORWARDED_FOR=f"6.6.6.{i}, 127.0.0.1",
            ).status_code
        )
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429] * 3
    login = APIClient(REMOTE_ADDR="192.0.2.10").post(
        "/login/", {"username": "t_clerk", "password": "wrong"}, HTTP_X_FORWARDED_FOR="6.6.6.6, 127.0.0.1"
    )
    assert login.status_code in (200, 400)
    assert set(AuditLog.objects.exclude(ip_address=None).values_list("ip_address", flat=True)) <= {"192.0.2.10"}
    assert not AuditLog.objects.filter(ip_address="6.6.6.6").exists()


def test_a_trusted_proxy_passes_the_right_most_untrusted_hop(people, received, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = APIClient(REMOTE_ADDR="10.0.0.5")
    client.force_login(people["clerk"])
    response = client.get(
        f"/api/v1/applications/{received.number}/?reveal=1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.9"
    )
    assert response.status_code == 200
    assert AuditLog.objects.get(action="application.personal_data_view").ip_address == "203.0.113.7"


def test_signup_page_answers_429_past_the_limit(db):
    from django.test import Client

    client = Client(REMOTE_ADDR="192.0.2.20")
    statuses = [
        client.post("/signup/", {"phone": "1380000000", "password": "x"}, HTTP_X_FORWARDED_FOR=f"6.6.6.{i}").status_code
        for i in range(12)
    ]
    assert statuses[:10] == [400] * 10 and statuses[10:] == [429, 429]
    assert "过于频繁" in client.post("/signup/", {}).content.decode()


def test_citizen_register_answer_is_masked(db):
    response = APIClient().post(
        "/api/v1/citizens/register/",
        {"phone": "13911113333", "password": "Citizen@2026", "full_name": "秦申请", "id_number": "440304199003070026"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["username"] == "139****3333" and response.json()["full_name"] == "秦*请"

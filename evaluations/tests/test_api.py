"""Endpoints and pages: bad input is a clear 4xx that writes nothing; permissions; constant queries."""

from __future__ import annotations

import json

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations import services
from evaluations.links import SALT, link_path
from evaluations.models import Evaluation, Level
from evaluations.tests.conftest import PASSWORD, bad, good, serve, tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def device_client(client, people, window):
    _device, token = services.device_register(window=window, name="评价器", by=people["admin"])
    response = client.get(reverse("evaluator_activate", args=[token]))
    assert response.status_code == 302
    client.device_token = token
    return client


def submit(client, payload):
    return client.post(reverse("evaluator_submit"), data=json.dumps(payload), content_type="application/json")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"level": "excellent"}, "level"),
        ({"level": "5"}, "level"),
        ({"level": "dissatisfied", "tags": []}, "tags"),
        ({"level": "satisfied", "text": "长" * 501}, "text"),
        ({"level": "satisfied", "tags": "x"}, "tags"),
    ],
)
def test_evaluator_bad_input_is_a_400_per_field(device_client, service_record, payload, field):
    response = submit(device_client, {"service": service_record.pk, **payload})
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Evaluation.objects.count() == 0


def test_evaluator_refuses_a_tag_of_another_level(device_client, service_record):
    response = submit(
        device_client,
        {"service": service_record.pk, "level": "dissatisfied", "tags": [tag(Level.VERY_SATISFIED).pk]},
    )
    assert response.status_code == 400 and "不属于" in response.json()["errors"]["tags"][0]
    assert Evaluation.objects.count() == 0


def test_evaluator_pops_rates_once_then_409(device_client, service_record):
    pending = device_client.get(reverse("evaluator_pending")).json()["service"]
    assert pending["id"] == service_record.pk
    assert submit(device_client, {"service": service_record.pk, "level": "satisfied"}).status_code == 201
    again = submit(device_client, {"service": service_record.pk, "level": "satisfied"})
    assert again.status_code == 409 and "一次一评" in again.json()["detail"]
    assert device_client.get(reverse("evaluator_pending")).json()["service"] is None


def test_a_revoked_device_is_refused_and_writes_nothing(device_client, people, service_record):
    from evaluations.models import EvaluatorDevice

    services.device_revoke(device=EvaluatorDevice.objects.get(), by=people["admin"])
    response = submit(device_client, {"service": service_record.pk, "level": "satisfied"})
    assert response.status_code == 403 and "已停用" in response.json()["detail"]
    assert device_client.get(reverse("evaluator")).status_code == 403
    assert Evaluation.objects.count() == 0


def test_a_device_cannot_rate_another_windows_service(client, people, window, service_record):
    from hall.models import Window

    other = Window.objects.exclude(pk=window.pk).first()
    _device, token = services.device_register(window=other, name="别的窗口", by=people["admin"])
    client.get(reverse("evaluator_activate", args=[token]))
    response = submit(client, {"service": service_record.pk, "level": "satisfied"})
    assert response.status_code == 400 and Evaluation.objects.count() == 0


def test_link_page_refuses_forged_expired_and_reused_tokens(client, completed, settings):
    assert client.get("/e/a1:forged:sig/").status_code == 400
    old = signing.TimestampSigner(salt=SALT)
    token = old.sign(f"a{completed.pk}")
    settings.EVALUATIONS_LINK_MAX_DAYS = 0
    import time

    time.sleep(1.1)
    expired = client.get(reverse("evaluation_link", args=[token]))
    assert expired.status_code == 400 and "已过期" in expired.content.decode()
    settings.EVALUATIONS_LINK_MAX_DAYS = 30
    path = link_path(kind="application", pk=completed.pk)
    assert client.post(path, {"level": "satisfied"}).status_code == 200
    reused = client.post(path, {"level": "satisfied"})
    assert reused.status_code == 409 and "一事一评" in reused.content.decode()
    assert Evaluation.objects.count() == 1


def test_link_page_bad_input_is_a_400(client, completed):
    path = link_path(kind="application", pk=completed.pk)
    response = client.post(path, {"level": "dissatisfied", "tags": ["abc"], "text": "差" * 600})
    assert response.status_code == 400
    body = response.content.decode()
    assert "评价内容不能超过 500 字" in body
    assert Evaluation.objects.count() == 0


def test_api_link_rating_and_errors(client, completed):
    token = link_path(kind="application", pk=completed.pk).split("/")[2]
    url = reverse("api-evaluation-link", args=[token])
    bad_level = client.post(url, {"level": "great"}, content_type="application/json")
    assert bad_level.status_code == 400 and "level" in bad_level.json()
    assert client.post(url, {"level": "very_satisfied"}, content_type="application/json").status_code == 201
    assert client.post(url, {"level": "very_satisfied"}, content_type="application/json").status_code == 409
    forged = client.post(
        reverse("api-evaluation-link", args=["a1:x:y"]), {"level": "satisfied"}, content_type="application/json"
    )
    assert forged.status_code == 400 and "token" in forged.json()


def test_case_api_permissions_and_409(client, people, service_record):
    case = services.evaluation_submit_for_service(service_record=service_record, rating=bad()).case
    client.login(username="t_leader", password=PASSWORD)
    detail = client.get(reverse("api-evaluation-case", args=[case.pk]))
    assert detail.status_code == 200 and detail.json()["actions"] == []
    assert detail.json()["evaluation"]["evaluator_phone"] == "138****1234"
    assert client.post(reverse("api-evaluation-case-action", args=[case.pk, "start_verify"])).status_code == 403
    client.login(username="t_approver", password=PASSWORD)
    conflict = client.post(reverse("api-evaluation-case-action", args=[case.pk, "close"]))
    assert conflict.status_code in (403, 409)
    conflict = client.post(reverse("api-evaluation-case-action", args=[case.pk, "rectify"]), {"note": "x"})
    assert conflict.status_code == 409 and "不能" in conflict.json()["detail"]
    ok = client.post(reverse("api-evaluation-case-action", args=[case.pk, "start_verify"]))
    assert ok.status_code == 200 and ok.json()["status"] == "verifying"
    missing = client.post(reverse("api-evaluation-case-action", args=[case.pk, "callback"]), {"note": ""})
    assert missing.status_code == 400 and "note" in missing.json()
    client.login(username="t_public", password=PASSWORD)
    assert client.get(reverse("api-evaluation-case", args=[case.pk])).status_code == 404


def test_external_push_needs_the_key_and_is_idempotent(client, completed, settings):
    settings.EVALUATIONS_PLATFORM_KEY = "k-123"
    url = reverse("api-evaluation-external")
    payload = {"external_id": "P-1", "application_number": completed.number, "level": "satisfied"}
    assert client.post(url, payload, content_type="application/json").status_code == 403
    headers = {"HTTP_X_PLATFORM_KEY": "k-123"}
    assert client.post(url, payload, content_type="application/json", **headers).status_code == 201
    assert client.post(url, payload, content_type="application/json", **headers).status_code == 200
    wrong = client.post(
        url, {**payload, "external_id": "P-2", "application_number": "X"}, content_type="application/json", **headers
    )
    assert wrong.status_code == 400 and "application_number" in wrong.json()
    assert Evaluation.objects.count() == 1


def test_supervisor_page_queries_do_not_grow_with_rows(client, people, window):
    client.login(username="t_supervisor", password=PASSWORD)
    url = reverse("evaluation_supervision")
    services.evaluation_submit_for_service(service_record=serve(window, people["clerk"]), rating=bad())
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(4):
        services.evaluation_submit_for_service(service_record=serve(window, people["clerk"]), rating=bad())
        services.evaluation_submit_for_service(service_record=serve(window, people["clerk"]), rating=good())
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    assert client.get(url + "?start=2026-13-01").status_code == 400


def test_pages_by_role(client, people, completed):
    client.login(username="t_public", password=PASSWORD)
    assert client.get(reverse("evaluation_supervision")).status_code == 403
    assert client.get(reverse("my_evaluations")).status_code == 200
    mine = client.get(reverse("my_applications")).content.decode()
    assert "/e/" in mine and "评价" in mine
    client.logout()
    assert client.get(reverse("evaluation_public")).status_code == 200
    client.login(username="t_approver", password=PASSWORD)
    assert client.get(reverse("evaluation_cases")).status_code == 200
    response = client.post(reverse("evaluation_callback"), {"number": completed.number, "level": "nope"})
    assert response.status_code == 400 and Evaluation.objects.count() == 0
    response = client.post(reverse("evaluation_callback"), {"number": completed.number, "level": "satisfied"})
    assert response.status_code == 302
    assert Evaluation.objects.get().channel == "phone"


def test_schema_lists_the_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/evaluation-cases/{id}/{action}/" in schema and "/api/v1/evaluations/external/" in schema


def test_ticket_page_shows_the_service_qr(client, service_record):
    page = client.get(reverse("queue_ticket", args=[service_record.ticket.token])).content.decode()
    assert "扫码评价本次窗口服务" in page


def test_idle_evaluator_records_the_service_as_not_evaluated(device_client, service_record):
    from hall.queue.models import ServiceRecord

    url = reverse("evaluator_skip")
    response = device_client.post(url, data=json.dumps({"service": service_record.pk}), content_type="application/json")
    assert response.status_code == 200 and response.json()["skipped"] is True
    service_record.refresh_from_db()
    assert service_record.evaluation_status == ServiceRecord.EvaluationStatus.SKIPPED
    assert device_client.get(reverse("evaluator_pending")).json()["service"] is None
    bad_body = device_client.post(url, data="not json", content_type="application/json")
    assert bad_body.status_code == 400

"""The public online complaint and consultation form (网上投诉咨询): linked from the portal, open to
anonymous citizens with a phone number, per-field Chinese messages, rate limited like the sign-up."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from evaluations.workorders.models import Source, WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db
URL = "/workorders/online/"


@pytest.fixture(autouse=True)
def _fresh_budget(settings):
    settings.SENSITIVE_RATE = "100/min"
    cache.clear()


def post(client, **overrides):
    data = {"kind": "complaint", "title": "窗口让我来回跑", "content": "办理食品经营许可，窗口三次要求补同一份材料。"}
    data.update(overrides)
    return client.post(URL, data)


def test_portal_links_to_the_form_and_anonymous_citizens_can_open_it(client):
    assert reverse("workorder_online") == URL
    assert URL in client.get("/").content.decode()
    page = client.get(URL)
    assert page.status_code == 200 and "网上投诉咨询" in page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"phone": ""}, "请填写手机号码，以便答复和回访。"),
        ({"phone": "12345"}, "请输入 11 位有效的手机号码。"),
        ({"phone": "13800001234", "title": "  "}, "请填写标题。"),
        ({"phone": "13800001234", "content": "太慢"}, "具体内容至少 5 个字"),
        ({"phone": "13800001234", "kind": "bogus"}, "请选择诉求类型。"),
        ({"phone": "13800001234", "is_market_entity": "on"}, "请填写企业名称"),
        (
            {"phone": "13800001234", "is_market_entity": "on", "entity_name": "某公司", "entity_credit_code": "123"},
            "统一社会信用代码",
        ),
    ],
)
def test_bad_input_is_refused_per_field_and_creates_nothing(client, people, overrides, field_message):
    response = post(client, **overrides)
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert not WorkOrder.objects.filter(source=Source.ONLINE).exists()


def test_an_anonymous_submission_becomes_a_received_online_order(client, people):
    response = post(client, phone="13800001234", name="卫群众")
    assert response.status_code == 302
    order = WorkOrder.objects.get(source=Source.ONLINE)
    assert (order.status, order.kind, order.requester_phone, order.requester_name) == (
        "received",
        "complaint",
        "13800001234",
        "卫群众",
    )
    event = WorkOrderEvent.objects.get(order=order, action="receive")
    assert event.actor_repr == "网上投诉群众"
    done = client.get(response["Location"]).content.decode()
    assert order.number in done and "138****1234" in done and "13800001234" not in done
    # The confirmation is for the submitting browser only.
    from django.test import Client

    assert Client().get(response["Location"]).status_code == 404


def test_a_signed_in_citizen_may_keep_the_account_phone(client, people):
    citizen = people["public"]
    client.force_login(citizen)
    assert post(client, kind="consultation").status_code == 302
    order = WorkOrder.objects.get(source=Source.ONLINE)
    assert order.requester_phone == citizen.phone and order.kind == "consultation"
    assert WorkOrderEvent.objects.get(order=order, action="receive").actor_id == citizen.pk


def test_submissions_are_rate_limited_per_client(client, people, settings):
    settings.SENSITIVE_RATE = "2/min"
    assert post(client, phone="13800001234").status_code == 302
    assert post(client, phone="13800001234").status_code == 302
    refused = post(client, phone="13800001234")
    assert refused.status_code == 429 and "操作过于频繁" in refused.content.decode()
    assert WorkOrder.objects.filter(source=Source.ONLINE).count() == 2

"""The work-order API and pages: bad input gets a clear 4xx in Chinese and changes nothing;
permissions as for applications; lists do not grow in queries with rows."""

from __future__ import annotations

import pytest
from django.test import Client

from evaluations.workorders import services
from evaluations.workorders.models import Status, WorkOrder, WorkOrderEvent
from evaluations.workorders.tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _state(order) -> tuple:
    order.refresh_from_db()
    return order.status, order.reply_text, order.callback_result, order.return_count, order.events.count()


@pytest.fixture
def dispatched(people, department, make_order):
    return services.workorder_dispatch(order=make_order(), department=department, by=people["supervisor"])


def test_unknown_kind_is_a_400_naming_the_field(people):
    response = client_for(people["clerk"]).post(
        "/api/v1/workorders/", {"kind": "rumour", "title": "t", "content": "c"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "未知的诉求类型" in response.json()["kind"][0]
    assert WorkOrder.objects.count() == 0


def test_reply_to_an_order_not_in_handling_is_a_409(people, dispatched):
    before = _state(dispatched)
    response = client_for(people["approver"]).post(
        f"/api/v1/workorders/{dispatched.number}/reply/", {"text": "答复"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert "当前状态为“已派单待签收”，不能答复" in response.json()["detail"]
    assert _state(dispatched) == before


def test_callback_before_the_reply_is_a_409(people, dispatched):
    services.workorder_sign(order=dispatched, by=people["approver"])
    before = _state(dispatched)
    response = client_for(people["clerk"]).post(
        f"/api/v1/workorders/{dispatched.number}/callback/", {"result": "satisfied"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert _state(dispatched) == before


def test_return_without_reason_is_400_and_twice_is_409(people, dispatched):
    client = client_for(people["approver"])
    url = f"/api/v1/workorders/{dispatched.number}/return/"
    before = _state(dispatched)
    response = client.post(url, {"reason": ""}, content_type="application/json")
    assert response.status_code == 400 and response.json()["reason"] == ["退回须说明理由。"]
    assert _state(dispatched) == before
    assert client.post(url, {"reason": "非本部门职责"}, content_type="application/json").status_code == 200
    after_first = _state(dispatched)
    response = client.post(url, {"reason": ""}, content_type="application/json")
    assert response.status_code == 409 and "不能退回" in response.json()["detail"]
    assert _state(dispatched) == after_first
    assert WorkOrderEvent.objects.filter(order=dispatched, action="return").count() == 1


def test_bad_input_on_pages_is_a_4xx_too(people, dispatched):
    client = client_for(people["approver"])
    response = client.post(f"/workorders/{dispatched.number}/act/return/", {"reason": ""})
    assert response.status_code == 400 and "退回须说明理由" in response.content.decode()
    response = client.post(f"/workorders/{dispatched.number}/act/reply/", {"text": "x"})
    assert response.status_code == 409
    assert _state(dispatched)[0] == Status.DISPATCHED
    response = client_for(people["clerk"]).post("/workorders/new/", {"source": "unresolved_window", "kind": "x"})
    assert response.status_code == 400


def test_scope_and_roles(people, dispatched, other_approver):
    assert client_for(other_approver).get(f"/api/v1/workorders/{dispatched.number}/").status_code == 404
    assert client_for(people["public"]).get("/api/v1/workorders/").status_code == 403
    response = client_for(people["clerk"]).post(
        f"/api/v1/workorders/{dispatched.number}/sign/", {}, content_type="application/json"
    )
    assert response.status_code == 403
    assert client_for(people["approver"]).get("/workorders/board/").status_code == 403


def test_hotline_endpoint_is_idempotent(people):
    client = client_for(people["supervisor"])
    body = {
        "hotline_number": "12345-0001",
        "kind": "consultation",
        "title": "咨询",
        "content": "咨询公积金提取",
        "requester_phone": "13912345678",
    }
    first = client.post("/api/v1/workorders/hotline/", body, content_type="application/json")
    again = client.post("/api/v1/workorders/hotline/", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert first.json()["requester_phone"] == "139****5678"
    assert WorkOrder.objects.count() == 1


def test_list_and_board_queries_do_not_grow(people, make_order, django_assert_max_num_queries):
    client = client_for(people["supervisor"])
    make_order()
    with django_assert_max_num_queries(14) as few:
        assert client.get("/api/v1/workorders/").status_code == 200
    for _ in range(15):
        make_order()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/workorders/").json()["results"]) == 16
    with django_assert_max_num_queries(20) as board:
        assert client.get("/workorders/board/").status_code == 200
    for _ in range(5):
        make_order()
    with django_assert_max_num_queries(len(board.captured_queries)):
        assert client.get("/workorders/board/").status_code == 200


def test_figures_page_and_api(people):
    client = client_for(people["leader"])
    assert client.get("/workorders/figures/").status_code == 200
    response = client.get("/api/v1/workorders/figures/?start=2026-01-01&end=2026-12-31")
    assert response.status_code == 200 and {"code", "formula", "value"} <= set(response.json()[0])
    bad = client.get("/api/v1/workorders/figures/?start=2026-12-31&end=2026-01-01")
    assert bad.status_code == 400 and "end" in bad.json()
    assert client.get("/workorders/figures/?start=2026-12-31&end=2026-01-01").status_code == 400

"""The queue API: permission and bad-input paths of every endpoint, never a 500."""

from datetime import time

import pytest
from rest_framework.test import APIClient

from hall.models import User
from hall.queue import services
from hall.queue.models import Ticket
from hall.queue.tests.factories import AppointmentSlotFactory, PriorityCategoryFactory, QueueLineFactory, window_serving
from hall.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACTIONS = ["recall", "no-show", "reactivate", "start", "finish", "transfer"]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def setup():
    line = QueueLineFactory(prefix="A")
    window = window_serving(line, number=1)
    other = window_serving(line, number=2)
    citizen = UserFactory(role=User.Role.PUBLIC, phone="13712340000")
    supervisor = UserFactory(role=User.Role.SUPERVISOR)
    return {
        "line": line,
        "window": window,
        "other": other,
        "clerk": window.clerks.get(),
        "other_clerk": other.clerks.get(),
        "citizen": citizen,
        "supervisor": supervisor,
    }


def test_citizen_takes_a_number_online_and_follows_it(api, setup):
    api.force_authenticate(setup["citizen"])
    response = api.post("/api/v1/queue/tickets/", {"line": setup["line"].pk}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"] == "A001" and data["source"] == "online"
    again = api.post("/api/v1/queue/tickets/", {"line": setup["line"].pk}, format="json")
    assert again.status_code == 400 and "请勿重复取号" in str(again.json())
    api.force_authenticate(None)
    track = api.get(f"/api/v1/queue/tickets/track/{data['token']}/")
    assert track.status_code == 200 and track.json()["ahead"] == 0


def test_issue_refusals_are_clear(api, setup):
    line = setup["line"]
    assert api.post("/api/v1/queue/tickets/", {"line": line.pk}).status_code == 403
    api.force_authenticate(setup["citizen"])
    assert api.post("/api/v1/queue/tickets/", {"line": 999999}).status_code == 400
    priority = PriorityCategoryFactory()
    response = api.post("/api/v1/queue/tickets/", {"line": line.pk, "priority": priority.code})
    assert response.status_code == 400 and "工作人员核验" in str(response.json())
    line.opens_at, line.closes_at = time(0, 0), time(0, 1)
    line.save()
    response = api.post("/api/v1/queue/tickets/", {"line": line.pk})
    assert response.status_code == 409 and "不在取号时间内" in response.json()["detail"]
    line.opens_at, line.closes_at, line.daily_limit = time(0, 0), time(23, 59, 59), 1
    line.save()
    services.ticket_issue(line=line)
    response = api.post("/api/v1/queue/tickets/", {"line": line.pk})
    assert response.status_code == 409 and "号码已取完" in response.json()["detail"]


def test_booking_api(api, setup):
    slot = AppointmentSlotFactory(line=setup["line"], capacity=1)
    assert api.post("/api/v1/queue/appointments/", {"slot": slot.pk}).status_code == 403
    api.force_authenticate(setup["citizen"])
    assert api.post("/api/v1/queue/appointments/", {"slot": slot.pk}).status_code == 201
    other = UserFactory(role=User.Role.PUBLIC, phone="13712349999")
    api.force_authenticate(other)
    full = api.post("/api/v1/queue/appointments/", {"slot": slot.pk})
    assert full.status_code == 409 and "约满" in full.json()["detail"]
    assert api.post("/api/v1/queue/appointments/", {"slot": "x"}).status_code == 400


def test_call_next_permissions(api, setup):
    services.ticket_issue(line=setup["line"])
    url = "/api/v1/queue/window/call-next/"
    assert api.post(url).status_code == 403
    api.force_authenticate(setup["citizen"])
    assert api.post(url).status_code == 403
    api.force_authenticate(setup["clerk"])
    assert api.post(url, {"window": setup["other"].pk}).status_code == 403
    assert api.post(url, {"window": "abc"}).status_code == 400
    response = api.post(url)
    assert response.status_code == 200 and response.json()["ticket"]["number"] == "A001"
    assert response.json()["detail"] == "请 A001 号到 1 号窗口办理"
    again = api.post(url)
    assert again.status_code == 400 and "请先处理当前号码" in str(again.json())
    api.force_authenticate(setup["other_clerk"])
    empty = api.post(url)
    assert empty.status_code == 200 and empty.json()["ticket"] is None
    api.force_authenticate(setup["supervisor"])
    assert api.post(url).status_code == 400  # a supervisor must name the window
    assert api.post(url, {"window": 999999}).status_code == 404
    clerkless = UserFactory(role=User.Role.CLERK)
    api.force_authenticate(clerkless)
    assert api.post(url).status_code == 403


@pytest.mark.parametrize("action", ACTIONS)
def test_ticket_actions_refuse_anonymous_citizens_and_other_windows(api, setup, action):
    services.ticket_issue(line=setup["line"])
    ticket = services.ticket_call_next(window=setup["window"], by=setup["clerk"])
    url = f"/api/v1/queue/tickets/{ticket.pk}/{action}/"
    assert api.post(url).status_code == 403
    api.force_authenticate(setup["citizen"])
    assert api.post(url).status_code == 403
    api.force_authenticate(setup["other_clerk"])
    assert api.post(url).status_code == 403
    assert api.post(url, {"window": setup["window"].pk}).status_code == 403
    api.force_authenticate(setup["clerk"])
    assert api.post(f"/api/v1/queue/tickets/999999/{action}/").status_code == 404


def test_ticket_action_flow_and_wrong_state_is_400(api, setup):
    services.ticket_issue(line=setup["line"])
    api.force_authenticate(setup["clerk"])
    ticket = api.post("/api/v1/queue/window/call-next/").json()["ticket"]
    base = f"/api/v1/queue/tickets/{ticket['id']}"
    response = api.post(f"{base}/no-show/")
    assert response.status_code == 400 and "重呼" in str(response.json())
    assert api.post(f"{base}/recall/").json()["call_count"] == 2
    assert api.post(f"{base}/no-show/").json()["status"] == "no_show"
    assert api.post(f"{base}/reactivate/").json()["status"] == "waiting"
    assert api.post(f"{base}/finish/").status_code == 400  # waiting again: nothing to finish
    ticket = api.post("/api/v1/queue/window/call-next/").json()["ticket"]
    assert api.post(f"{base}/start/").json()["status"] == "serving"
    bad = api.post(f"{base}/transfer/", {"to_window": 999999})
    assert bad.status_code == 400
    none = api.post(f"{base}/transfer/", {})
    assert none.status_code == 400 and "请选择" in str(none.json())
    assert api.post(f"{base}/finish/").json()["status"] == "done"
    assert api.post(f"{base}/finish/").status_code == 400


def test_supervisor_acts_on_any_window(api, setup):
    services.ticket_issue(line=setup["line"])
    api.force_authenticate(setup["supervisor"])
    ticket = api.post("/api/v1/queue/window/call-next/", {"window": setup["other"].pk}).json()["ticket"]
    assert ticket["window_number"] == 2
    response = api.post(
        f"/api/v1/queue/tickets/{ticket['id']}/transfer/",
        {"window": setup["other"].pk, "to_window": setup["window"].pk},
    )
    assert response.status_code == 200 and response.json()["status"] == "waiting"
    assert Ticket.objects.get(pk=ticket["id"]).target_window == setup["window"]


def test_pause_and_resume(api, setup):
    assert api.post("/api/v1/queue/window/pause/", {"reason": "午间休息"}).status_code == 403
    api.force_authenticate(setup["citizen"])
    assert api.post("/api/v1/queue/window/pause/", {"reason": "午间休息"}).status_code == 403
    api.force_authenticate(setup["clerk"])
    assert api.post("/api/v1/queue/window/pause/", {}).status_code == 400
    assert api.post("/api/v1/queue/window/pause/", {"reason": "x" * 101}).status_code == 400
    assert (
        api.post("/api/v1/queue/window/pause/", {"reason": "午间休息", "window": setup["other"].pk}).status_code == 403
    )
    assert api.post("/api/v1/queue/window/pause/", {"reason": "午间休息"}).json()["status"] == "paused"
    services.ticket_issue(line=setup["line"])
    blocked = api.post("/api/v1/queue/window/call-next/")
    assert blocked.status_code == 400 and "恢复服务后才能叫号" in str(blocked.json())
    assert api.post("/api/v1/queue/window/resume/").json()["status"] == "open"
    assert api.post("/api/v1/queue/window/resume/").status_code == 400


def test_board_is_public_and_stats_are_for_supervisors(api, setup):
    services.ticket_issue(line=setup["line"])
    services.ticket_call_next(window=setup["window"], by=setup["clerk"])
    board = api.get(f"/api/v1/queue/board/{setup['line'].site_id}/")
    assert board.status_code == 200
    assert board.json()["calls"][0]["announcement"] == "请 A001 号到 1 号窗口办理"
    assert api.get("/api/v1/queue/board/999999/").status_code == 404
    url = f"/api/v1/queue/stats/?site={setup['line'].site_id}"
    assert api.get(url).status_code == 403
    for who in ("citizen", "clerk"):
        api.force_authenticate(setup[who])
        assert api.get(url).status_code == 403
    api.force_authenticate(setup["supervisor"])
    stats = api.get(url)
    assert stats.status_code == 200 and stats.json()["calls_per_window"][0]["calls"] == 1
    assert api.get(url + "&start=2026-02-01&end=2026-01-01").status_code == 400
    assert api.get(url + "&start=2020-01-01&end=2026-01-01").status_code == 400
    assert api.get(url + "&start=notadate").status_code == 400
    assert api.get("/api/v1/queue/stats/").status_code == 400


def test_schema_includes_the_queue_without_warnings():
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=err)
    schema = out.getvalue()
    for path in ("/api/v1/queue/window/call-next/", "/api/v1/queue/tickets/{id}/transfer/", "/api/v1/queue/stats/"):
        assert path in schema

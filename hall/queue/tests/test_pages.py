"""The queue's pages through Django's test client: kiosk, ticket, board, console, citizen, stats."""

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hall.models import Site, User, Window
from hall.queue import services
from hall.queue.models import QueueLine, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(demo_people):
    QueueLine.objects.update(opens_at=time(0, 0), closes_at=time(23, 59, 59))
    return Site.objects.get(level=Site.Level.COUNTY)


def test_kiosk_issues_a_ticket_and_prints_it(client, hall):
    line = QueueLine.objects.get(site=hall, prefix="A")
    page = client.get(f"/queue/kiosk/{hall.pk}/")
    assert page.status_code == 200 and "请选择办事专区" in page.content.decode()
    page = client.get(f"/queue/kiosk/{hall.pk}/?zone={line.zone_id}")
    assert "取号：综合受理" in page.content.decode()
    response = client.post(f"/queue/kiosk/{hall.pk}/", {"line": line.pk, "zone": line.zone_id})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    page = client.get(response["Location"])
    body = page.content.decode()
    assert ticket.number in body and "<svg" in body and "前面等候" in body
    assert client.get(f"/queue/ticket/{ticket.token}/state/").json()["ahead"] == 0


def test_kiosk_refuses_a_closed_line_in_chinese(client, hall):
    line = QueueLine.objects.get(site=hall, prefix="A")
    line.opens_at, line.closes_at = time(0, 0), time(0, 1)
    line.save()
    response = client.post(f"/queue/kiosk/{hall.pk}/", {"line": line.pk, "zone": line.zone_id})
    assert response.status_code == 400 and "不在取号时间内" in response.content.decode()
    response = client.post(f"/queue/kiosk/{hall.pk}/", {"action": "checkin", "phone": "13700000000"})
    assert response.status_code == 400 and "未找到您今天在本大厅的预约" in response.content.decode()
    assert client.get("/queue/kiosk/999999/").status_code == 404


def test_board_state_runs_a_constant_number_of_queries(client, hall, demo_people):
    clerk = demo_people["clerk"]
    line = QueueLine.objects.get(site=hall, prefix="A")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/queue/board/{hall.pk}/state/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()

    services.ticket_issue(line=line)
    services.ticket_call_next(window=clerk.window, by=clerk)
    few, _ = count()
    for _ in range(5):
        services.ticket_issue(line=line)
    services.ticket_finish(ticket=Ticket.objects.get(status="called"), window=clerk.window, by=clerk)
    services.ticket_call_next(window=clerk.window, by=clerk)
    many, state = count()
    assert few == many
    assert state["calls"][0]["window_number"] == clerk.window.number
    assert client.get(f"/queue/board/{hall.pk}/").status_code == 200


def test_clerk_console_calls_through_htmx(client, hall, demo_people):
    clerk = demo_people["clerk"]
    services.ticket_issue(line=QueueLine.objects.get(site=hall, prefix="A"))
    client.force_login(clerk)
    page = client.get("/queue/window/")
    assert page.status_code == 200 and f"{clerk.window.number} 号窗口叫号" in page.content.decode()
    response = client.post("/queue/window/call/", {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "请 A001 号到" in response.content.decode()
    other = Window.objects.exclude(pk=clerk.window_id).first()
    assert client.post("/queue/window/call/", {"window": other.pk}).status_code == 403
    assert client.post("/queue/window/unknown/").status_code == 404
    response = client.post("/queue/window/finish/", {"ticket": "abc"})
    assert response.status_code == 404


def test_pages_guarded_by_role(client, demo_people, hall):
    client.force_login(demo_people["public"])
    assert client.get("/queue/window/").status_code == 403
    assert client.get("/queue/stats/").status_code == 403
    assert client.get("/queue/take/").status_code == 200
    client.force_login(demo_people["clerk"])
    assert client.get("/queue/take/").status_code == 403
    assert client.get("/queue/stats/").status_code == 403
    client.force_login(demo_people["supervisor"])
    assert client.get("/queue/window/").status_code == 200
    assert client.get(f"/queue/window/?window={demo_people['clerk'].window_id}").status_code == 200


def test_citizen_takes_a_number_and_books_online(client, demo_people, hall):
    citizen = demo_people["public"]
    client.force_login(citizen)
    line = QueueLine.objects.get(site=hall, prefix="B")
    response = client.post("/queue/take/", {"line": line.pk}, follow=True)
    assert "取号成功：B001" in response.content.decode()
    assert "B001" in client.get("/queue/take/").content.decode()
    slot = line.slots.first()
    slot.starts_at, slot.ends_at = time(0, 0), time(23, 59)
    slot.save()
    response = client.post("/queue/take/", {"action": "book", "slot": slot.pk}, follow=True)
    assert "预约成功" in response.content.decode()
    response = client.post("/queue/take/", {"action": "book", "slot": slot.pk}, follow=True)
    assert "无需重复预约" in response.content.decode()


def test_stats_page_today_and_range(client, demo_people, hall):
    clerk = demo_people["clerk"]
    line = QueueLine.objects.get(site=hall, prefix="A")
    for _ in range(3):
        services.ticket_issue(line=line)
    for _ in range(2):
        ticket = services.ticket_call_next(window=clerk.window, by=clerk)
        services.ticket_finish(ticket=ticket, window=clerk.window, by=clerk)
    client.force_login(demo_people["supervisor"])
    body = client.get(f"/queue/stats/?site={hall.pk}").content.decode()
    assert "窗口叫号量" in body and "综合受理" in body
    body = client.get(f"/queue/stats/?site={hall.pk}&start=2026-01-01&end=2025-01-01").content.decode()
    assert "已交换" in body
    assert client.get("/queue/stats/?start=bad").status_code == 200


def test_seed_queue_is_idempotent(hall):
    from hall.queue.demo import seed_queue

    first = seed_queue()
    assert first == seed_queue() and first["queue_lines"] == 5
    assert set(QueueLine.objects.filter(site=hall).values_list("prefix", flat=True)) == set("ABCDE")
    assert User.objects.filter(username="clerk01").get().window.queue_links.exists()


def test_board_kiosk_and_ticket_carry_the_halls_time(client, hall):
    """The pages and their polls carry the server's clock (server_ms) and zone for hall-clock.js."""
    from django.utils import timezone

    line = QueueLine.objects.get(site=hall, prefix="A")
    ticket = services.ticket_issue(line=line)
    before = int(timezone.now().timestamp() * 1000)
    for url in (f"/queue/board/{hall.pk}/", f"/queue/kiosk/{hall.pk}/", f"/queue/ticket/{ticket.token}/"):
        body = client.get(url).content.decode()
        assert 'data-time-zone="Asia/Shanghai"' in body and "data-hall-clock" in body and "hall-clock.js" in body
    for url in (f"/queue/board/{hall.pk}/state/", f"/queue/ticket/{ticket.token}/state/"):
        server_ms = client.get(url).json()["server_ms"]
        assert before <= server_ms <= int(timezone.now().timestamp() * 1000)

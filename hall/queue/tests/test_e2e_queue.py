"""Browser: a ticket taken at the kiosk, called by a clerk at the console, appears on the board."""

from __future__ import annotations

from datetime import time

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect

from hall.models import Site
from hall.queue.models import QueueLine

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Demo@2026"


@pytest.fixture
def _hall(demo_people):
    QueueLine.objects.update(opens_at=time(0, 0), closes_at=time(23, 59, 59))
    return Site.objects.get(level=Site.Level.COUNTY), demo_people


def test_kiosk_ticket_is_called_and_shown_on_the_board(_hall, browser_page, live_server):
    hall, people = _hall
    clerk = people["clerk"]
    page = browser_page
    page.add_init_script("window.print = function () {};")
    board = page.context.new_page()
    board.goto(f"{live_server.url}/queue/board/{hall.pk}/")
    expect(board.locator("h1")).to_have_text(hall.name)

    page.goto(f"{live_server.url}/queue/kiosk/{hall.pk}/")
    page.get_by_role("link", name="综合受理").first.click()
    page.get_by_role("button", name="取号：综合受理").click()
    expect(page.get_by_test_id("ticket-number")).to_have_text("A001")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名或手机号", exact=True).fill(clerk.username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/queue/window/")
    page.get_by_role("button", name="叫号（N）").click()
    expect(page.get_by_test_id("current-number")).to_have_text("A001")

    # The board polls every second: the call must appear with the window number.
    latest = board.locator("[data-board-latest]")
    expect(latest.locator(".board-number")).to_have_text("A001", timeout=5000)
    expect(latest.locator(".board-window")).to_have_text(str(clerk.window.number))
    expect(board.locator("[data-board-calls]")).to_contain_text(f"{clerk.window.number} 号窗口")

"""Browser: from the portal's front page a citizen reaches online application and ticket taking by
clicking only (门户 → 在线办理 → 办事指南 → 在线申请; 门户 → 取号预约 → 取号)."""

from __future__ import annotations

from datetime import time

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect

from hall.queue.models import QueueLine

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Demo@2026"


def test_portal_leads_to_online_application_and_ticket_taking(demo_people, browser_page, live_server):
    QueueLine.objects.update(opens_at=time(0, 0), closes_at=time(23, 59, 59))
    citizen = demo_people["public"]
    page = browser_page
    page.goto(f"{live_server.url}/")
    expect(page.locator(".tag-soon")).to_have_count(0)  # no placeholder label on the portal

    # 在线办理 → the guide list of matters that can be applied for online → a guide → 在线办理.
    page.get_by_test_id("portal-online").click()
    expect(page.get_by_label("只看可在线申请")).to_be_checked()
    page.get_by_role("link", name="个体工商户设立登记").click()
    expect(page.locator("h1")).to_contain_text("个体工商户设立登记")
    page.get_by_role("link", name="在线办理", exact=True).click()

    # Not logged in yet: the login page, then straight back to the application form.
    page.get_by_label("用户名或手机号", exact=True).fill(citizen.username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()
    assert "/apply/" in page.url
    expect(page.locator("h1")).to_have_text("网上申请")
    expect(page.locator("main")).to_contain_text("个体工商户设立登记")

    # Back to the portal through the navigation, then 取号预约 → 取号.
    page.get_by_role("link", name="办事服务").first.click()
    page.get_by_test_id("portal-take").click()
    expect(page.locator("h1")).to_have_text("取号预约")
    page.get_by_role("button", name="取号").first.click()
    expect(page.locator("body")).to_contain_text("取号成功")
    expect(page.get_by_role("link", name="查看进度").first).to_be_visible()


def test_board_kiosk_and_ticket_show_the_halls_time_not_the_screens(demo_people, _playwright_browser, live_server):
    """A screen in another time zone with its clock two days and five hours wrong still shows the
    hall's time (Asia/Shanghai, from the server)."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    from hall.models import Site
    from hall.queue import services

    QueueLine.objects.update(opens_at=time(0, 0), closes_at=time(23, 59, 59))
    hall = Site.objects.get(level=Site.Level.COUNTY)
    ticket = services.ticket_issue(line=QueueLine.objects.filter(site=hall).first())
    context = _playwright_browser.new_context(locale="zh-CN", timezone_id="America/New_York")
    page = context.new_page()
    page.set_default_timeout(10_000)
    wrong = datetime.now() - timedelta(days=2, hours=5)
    page.clock.install(time=wrong)
    try:
        for url, selector in (
            (f"/queue/board/{hall.pk}/", "[data-board-clock]"),
            (f"/queue/kiosk/{hall.pk}/", ".kiosk-clock"),
            (f"/queue/ticket/{ticket.token}/", "[data-testid=hall-clock]"),
        ):
            page.goto(live_server.url + url)
            page.clock.run_for(1500)  # let the clock tick at least once
            shown = page.locator(selector).text_content()
            hall_now = timezone.localtime()
            # The page's clock ran 1.5 s ahead of the server's: near a minute's edge it may show the next.
            expected = {
                f"{t:%Y}年{t.month}月{t.day}日 {t:%H:%M}"
                for t in (hall_now - timedelta(minutes=1), hall_now, hall_now + timedelta(seconds=2))
            }
            assert any(shown.startswith(e) for e in expected), (url, shown, expected)
    finally:
        context.close()

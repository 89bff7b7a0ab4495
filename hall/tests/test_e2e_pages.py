"""Browser tests of the shared layout and each role's home (headless Chromium through Playwright).

They use the project's shared fixtures ``browser_page`` and ``demo_people`` (conftest.py).
"""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

from hall.tests.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Demo@2026"

# Each role's home page and the <h1> it must show.
ROLE_HOMES = [
    ("clerk", "窗口工作台"),
    ("approver", "审批工作台"),
    ("inspector", "勘验任务"),
    ("supervisor", "大厅监管"),
    ("leader", "领导驾驶舱"),
    ("admin", "系统管理"),
    ("public", "办事服务"),
]


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def _people(demo_people):
    return demo_people


@pytest.fixture
def _page(_people, browser_page) -> Page:
    # _people first: users are created before the browser's event loop runs in this thread.
    return browser_page


# --- Tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "title"), ROLE_HOMES, ids=[role for role, _ in ROLE_HOMES])
def test_each_role_logs_in_to_its_home(_page, live_server, _people, role, title):
    page = _page
    user = _people[role]
    login(page, live_server.url, user.username, PASSWORD)

    expect(page.locator("h1")).to_have_text(title)
    header = page.locator("header.site-header")
    expect(header).to_contain_text(user.full_name)
    expect(header).to_contain_text(user.get_role_display())
    expect(header.get_by_role("button", name="退出登录")).to_be_visible()


def test_wrong_password_shows_error_and_fifth_failure_locks(_page, live_server, _people):
    page = _page
    user = _people["clerk"]
    errors = page.locator("#login-errors")
    for _attempt in range(4):
        login(page, live_server.url, user.username, "Wrong@2026")
        expect(errors).to_contain_text("用户名或密码错误")
        expect(errors).not_to_contain_text("已锁定")
        expect(page.locator("h1")).to_have_text("用户登录")

    login(page, live_server.url, user.username, "Wrong@2026")
    expect(errors).to_contain_text("锁定")
    expect(errors).to_contain_text("已锁定")

    # Locked: even the right password is refused now.
    login(page, live_server.url, user.username, PASSWORD)
    expect(errors).to_contain_text("已锁定")
    expect(page.locator("h1")).to_have_text("用户登录")


def test_logout_button_logs_out(_page, live_server, _people):
    page = _page
    login(page, live_server.url, _people["clerk"].username, PASSWORD)
    expect(page.locator("h1")).to_have_text("窗口工作台")

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state()
    expect(page).to_have_url(live_server.url + "/login/")
    expect(page.locator("h1")).to_have_text("用户登录")

    # The session is gone: a staff page sends us back to the login page.
    page.goto(live_server.url + "/workbench/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/workbench/")


def test_phone_viewport_login_and_portal(_page, live_server):
    page = _page
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(live_server.url + "/login/")
    expect(page.get_by_label("用户名或手机号", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("办事服务")
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_pages_load_no_outside_resources(_page, live_server, _people):
    page = _page
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))

    page.goto(live_server.url + "/login/")
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    login(page, live_server.url, _people["supervisor"].username, PASSWORD)
    expect(page.locator("h1")).to_have_text("大厅监管")
    page.wait_for_load_state("networkidle")

    # The vendored scripts really ran: htmx and ECharts are loaded; nobody waits, so no zone chart.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.echarts") == "object"
    expect(page.get_by_text("各专区当前无人等候。")).to_be_visible()
    # ECharts draws the leader's charts from the vendored file.
    page.get_by_role("button", name="退出登录").click()
    login(page, live_server.url, _people["leader"].username, PASSWORD)
    expect(page.locator("h1")).to_have_text("领导驾驶舱")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".chart svg").first).to_be_visible()

    outside = [url for url in requested if not url.startswith(live_server.url)]
    assert requested, "no request was recorded"
    assert outside == [], f"resources loaded from outside the server: {outside}"

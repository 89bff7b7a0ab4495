"""Browser tests of the work-order pages (headless Chromium through Playwright): the issue's Done-when.

1. A 办不成事 case is entered at the window → dispatched → returned by the department → dispatched
   again → replied → called back not satisfied → reopened → replied → satisfied → closed; the
   timeline shows every actor.
2. The front-desk quick entry: a clerk records a consultation with the keyboard only, in under
   ten seconds.
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

from evaluations.workorders.models import FrontDeskRecord, Status, WorkOrder
from hall.tests.browser import login, logout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_user(page: Page, base_url: str, username: str, number: str) -> None:
    logout(page)
    login(page, base_url, username)
    page.goto(f"{base_url}/workorders/{number}/")


def act(page: Page, label: str) -> None:
    page.locator(".action-buttons").get_by_text(label, exact=True).click()
    page.wait_for_load_state()


def confirm(page: Page) -> None:
    page.locator("#confirm-action").click()
    page.wait_for_load_state()


def test_unresolved_case_full_lifecycle(demo_people, browser_page, live_server):
    page, base = browser_page, live_server.url
    clerk, supervisor, approver = demo_people["clerk"], demo_people["supervisor"], demo_people["approver"]
    department = approver.department.name

    # --- The clerk at the 办不成事 window enters the case from the workbench ------------------------
    login(page, base, clerk.username)
    page.locator("#frontdesk-quick").get_by_text("“办不成事”反映登记 →").click()
    expect(page.locator("h1")).to_have_text("“办不成事”反映登记")
    page.get_by_label("诉求标题").fill("变更登记材料要求不一致")
    page.get_by_label("诉求内容").fill("按办事指南准备了材料，窗口又要求补充股东会决议原件，已往返三次。")
    page.get_by_label("诉求人").fill("卫群众")
    page.get_by_label("联系电话").fill("13800001234")
    page.locator("#submit-intake").click()
    page.wait_for_load_state()
    number = page.locator("#order-number").inner_text()
    expect(page.locator("#order-status")).to_have_text("待派单")
    assert "138****1234" in page.content()  # masked until revealed

    # --- The hall supervisor dispatches it ----------------------------------------------------------------
    as_user(page, base, supervisor.username, number)
    act(page, "派单")
    page.get_by_label("承办部门").select_option(label=department)
    confirm(page)
    expect(page.locator("#order-status")).to_have_text("已派单待签收")

    # --- The department returns it: without a reason it is refused, then with one -------------------------
    as_user(page, base, approver.username, number)
    act(page, "退回")
    confirm(page)
    expect(page.locator(".field-errors")).to_contain_text("退回须说明理由")
    page.get_by_label("理由").fill("需先由综合受理窗口核实材料清单")
    confirm(page)
    expect(page.locator("#order-status")).to_have_text("已退回")

    # --- Dispatched again, signed for and replied -----------------------------------------------------------
    as_user(page, base, supervisor.username, number)
    act(page, "派单")
    page.get_by_label("承办部门").select_option(label=department)
    page.get_by_label("派单说明").fill("材料清单已核实，请办理")
    confirm(page)
    as_user(page, base, approver.username, number)
    act(page, "签收")
    expect(page.locator("#order-status")).to_have_text("办理中")
    act(page, "答复")
    page.get_by_label("答复内容").fill("已统一窗口材料清单，股东会决议复印件即可。")
    confirm(page)
    expect(page.locator("#order-status")).to_have_text("已答复待回访")

    # --- Callback: not satisfied → reopened -----------------------------------------------------------------
    as_user(page, base, clerk.username, number)
    act(page, "回访")
    page.get_by_label("不满意").check()
    page.get_by_label("回访记录").fill("群众表示仍需再跑一次")
    confirm(page)
    expect(page.locator("#order-status")).to_have_text("办理中")

    as_user(page, base, approver.username, number)
    act(page, "答复")
    page.get_by_label("答复内容").fill("已安排帮办人员上门收取材料，当日办结。")
    confirm(page)

    as_user(page, base, clerk.username, number)
    act(page, "回访")
    page.get_by_label("满意", exact=True).check()
    confirm(page)
    expect(page.locator("#order-status")).to_have_text("已回访")

    as_user(page, base, supervisor.username, number)
    act(page, "办结")
    expect(page.locator("#order-status")).to_have_text("已办结")

    # --- The timeline shows every step with its actor -----------------------------------------------------
    items = page.locator("#timeline .timeline-item")
    expected = [
        ("登记受理", clerk.full_name),
        ("派单", supervisor.full_name),
        ("退回", approver.full_name),
        ("派单", supervisor.full_name),
        ("签收", approver.full_name),
        ("答复", approver.full_name),
        ("回访不满意重办", clerk.full_name),
        ("答复", approver.full_name),
        ("回访", clerk.full_name),
        ("办结", supervisor.full_name),
    ]
    expect(items).to_have_count(len(expected))
    for index, (label, actor) in enumerate(expected):
        expect(items.nth(index).locator(".timeline-action strong")).to_have_text(label)
        expect(items.nth(index).locator(".timeline-actor")).to_contain_text(actor)
    order = WorkOrder.objects.get(number=number)
    assert order.status == Status.CLOSED and order.reopen_count == 1 and order.return_count == 1


def test_front_desk_quick_entry_keyboard_only_under_ten_seconds(demo_people, browser_page, live_server):
    page, base = browser_page, live_server.url
    login(page, base, demo_people["clerk"].username)
    expect(page.locator("h1")).to_have_text("窗口工作台")
    for topic in ("医保转移接续需要哪些材料", "公积金提取流程"):
        started = time.monotonic()
        # Alt+D reaches 类别; "1" picks 咨询登记 and moves to 事由; Tab to 处理结果; Enter saves.
        page.keyboard.press("Alt+d")
        page.keyboard.press("1")
        page.keyboard.type(topic)
        page.keyboard.press("Tab")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        expect(page.locator("h1")).to_have_text("窗口工作台")
        expect(page.locator("body")).to_contain_text(f"已登记：咨询登记「{topic}」")
        elapsed = time.monotonic() - started
        assert elapsed < 10, f"quick entry took {elapsed:.1f} s"
    records = FrontDeskRecord.objects.order_by("id")
    assert [(r.kind, r.outcome, r.recorded_by_id) for r in records] == [
        ("consultation", "answered", demo_people["clerk"].pk)
    ] * 2

"""Browser test (issue 8, item 6): a citizen applies online with a business handling item
(业务办理项), a clerk accepts it on the page, and the citizen finds the acceptance in 消息 — the
same text as the SMS."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect

from approvals.models import Application, SmsMessage
from approvals.tests.factories import MaterialFactory, MatterVersionFactory
from approvals.tests.test_e2e_applications import PNG, act, confirm, login, logout
from hall.catalog.models import SubItem

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def matter(demo_people):
    version = MatterVersionFactory(department=demo_people["approver"].department, name="食品经营许可（消息测试）")
    new = SubItem.objects.create(version=version, code=f"{version.matter.code}01", name="新办", online_depth="4")
    SubItem.objects.create(version=version, code=f"{version.matter.code}04", name="注销", online_depth="4")
    MaterialFactory(version=version, name="食品经营许可申请书", sort_order=1)
    MaterialFactory(version=version, name="经营场所使用证明", sub_item=new, sort_order=2)
    return version


def test_citizen_sees_the_acceptance_in_messages(matter, demo_people, browser_page, live_server):
    page = browser_page
    citizen, clerk = demo_people["public"], demo_people["clerk"]

    # --- The citizen applies online for 新办 and uploads the materials -----------------------------------
    login(page, live_server.url, citizen.phone)
    page.goto(f"{live_server.url}/apply/{matter.matter.code}/")
    page.get_by_role("button", name="提交申请").click()  # no sub-item chosen: refused with the field's message
    page.wait_for_load_state()
    expect(page.locator("[data-field='sub_item'] .field-errors")).to_contain_text("请选择业务办理项")
    page.get_by_label("新办").check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    expect(page.locator("#app-status")).to_have_text("网上已提交")
    expect(page.locator("#app-sub-item")).to_have_text("新办")
    expect(page.locator("#answer-deadline")).to_be_visible()
    number = page.locator("#app-number").inner_text()
    for name in ("食品经营许可申请书", "经营场所使用证明"):
        row = page.locator(f"tr[data-material='{name}']")
        row.locator("input[type=file]").set_input_files({"name": f"{name}.png", "mimeType": "image/png", "buffer": PNG})
        row.get_by_role("button", name="上传", exact=True).click()
        page.wait_for_load_state()
    logout(page)

    # --- The clerk finds it on the workbench (待受理) and accepts it ----------------------------------------
    login(page, live_server.url, clerk.username)
    waiting = page.locator("section[aria-labelledby='panel-answer']")
    expect(waiting).to_contain_text(number)
    waiting.get_by_role("link", name=number).click()
    page.wait_for_load_state()
    act(page, "受理")
    confirm(page)
    expect(page.locator("#app-status")).to_have_text("已受理")
    logout(page)

    # --- The citizen opens 消息 and reads the acceptance ---------------------------------------------------
    login(page, live_server.url, citizen.phone)
    expect(page.locator(".notif-count")).not_to_have_text("0")
    page.locator(".notif-link").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("站内消息")
    acceptance = page.locator(".notice-item", has_text="已受理")
    expect(acceptance).to_have_count(1)
    expect(acceptance).to_contain_text(number)
    expect(acceptance).to_contain_text("承诺办结期限")
    expect(page.locator(".notice-item", has_text="已提交")).to_have_count(1)
    app = Application.objects.get(number=number)
    sms = SmsMessage.objects.filter(application=app, body__contains="已受理").get()
    assert acceptance.locator(".notice-body").inner_text() in sms.body
    acceptance.get_by_role("link", name="查看详情").click()
    page.wait_for_load_state()
    expect(page.locator("#app-number")).to_have_text(number)

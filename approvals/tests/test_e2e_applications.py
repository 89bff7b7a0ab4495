"""Browser tests of the application pages (headless Chromium through Playwright): the issue's Done-when.

1. A clerk takes an application at the window with one material 容缺, accepts it and prints the
   受理通知书; an approver pauses it for a site inspection, resumes, approves and completes it; the
   result is delivered; the timeline shows every step with its actor.
2. A citizen applies online, is asked to supplement, uploads the material and follows the
   application to its delivery on the public tracking page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

from approvals import services
from approvals.models import Application
from approvals.tests.factories import MaterialFactory, MatterVersionFactory
from hall.tests.browser import login, logout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def matter(demo_people):
    version = MatterVersionFactory(department=demo_people["approver"].department, name="食品经营许可（测试）")
    MaterialFactory(version=version, name="食品经营许可申请书", sort_order=1)
    MaterialFactory(version=version, name="经营场所使用证明", may_be_missing=True, sort_order=2)
    MaterialFactory(version=version, name="其他说明材料", is_required=False, sort_order=3)
    return version


def act(page: Page, label: str) -> None:
    """Click an action on the detail page; when it opens a form, the caller fills and confirms it."""
    page.locator(".action-buttons").get_by_text(label, exact=True).click()
    page.wait_for_load_state()


def confirm(page: Page) -> None:
    page.locator("#confirm-action").click()
    page.wait_for_load_state()


def test_window_intake_with_promise_through_inspection_to_delivery(matter, demo_people, browser_page, live_server):
    page = browser_page
    clerk, approver = demo_people["clerk"], demo_people["approver"]
    promised = matter.materials.get(may_be_missing=True)

    # --- The clerk: pick the matter (live search), enter the applicant, one material 容缺 ---------
    login(page, live_server.url, clerk.username)
    expect(page.locator("h1")).to_have_text("窗口工作台")
    page.locator("#matter-q").fill("食品经营")
    page.locator("#matter-results").get_by_text("食品经营许可（测试）").click()
    expect(page.locator("h1")).to_have_text("一窗受理")
    page.get_by_label("申请人名称").fill("卫群众")
    page.get_by_label("证件号码", exact=True).fill("11010519491231002X")
    page.get_by_label("联系电话").fill("13700000007")
    page.locator(f"input[name='m{promised.pk}_state'][value='promised']").check()
    due = timezone.localdate() + timedelta(days=7)
    page.locator(f"input[name='m{promised.pk}_due']").fill(due.isoformat())
    page.get_by_role("button", name="接件登记").click()
    page.wait_for_load_state()
    expect(page.locator("#app-status")).to_have_text("已接件")
    number = page.locator("#app-number").inner_text()

    act(page, "受理")
    confirm(page)
    expect(page.locator("#app-status")).to_have_text("已受理")

    # --- Print the 受理通知书 -------------------------------------------------------------------------
    page.locator("[data-notice='acceptance']").click()
    page.wait_for_load_state()
    expect(page.locator("#notice-title")).to_have_text("受理通知书")
    expect(page.locator("#notice-number")).to_have_text(number)
    expect(page.locator(".notice-qr:not(.evaluation-qr) svg")).to_have_count(1)  # the tracking code
    expect(page.locator("#print-button")).to_be_visible()
    page.go_back()
    logout(page)

    # --- The approver: review, site inspection, resume, approve, complete ---------------------------------
    login(page, live_server.url, approver.username)
    expect(page.locator("h1")).to_have_text("审批工作台")
    page.get_by_role("link", name=number).click()
    page.wait_for_load_state()
    act(page, "开始审查")
    expect(page.locator("#app-status")).to_have_text("审查中")
    act(page, "启动特别程序")
    page.get_by_label("特别程序类型").select_option("inspection")
    page.get_by_label("勘验方式").select_option("joint")
    page.get_by_label("勘验人员").select_option(label=str(demo_people["inspector"]))
    page.get_by_label("计划日期（勘验/评审/听证）").fill((timezone.localdate() + timedelta(days=2)).isoformat())
    page.get_by_label("原因（将书面告知申请人）").fill("核查经营场所布局与设施")
    confirm(page)
    expect(page.locator("#app-status")).to_have_text("特别程序中")
    act(page, "结束特别程序")
    page.get_by_label("特别程序结果").fill("现场勘验合格")
    confirm(page)
    expect(page.locator("#app-status")).to_have_text("审查中")
    act(page, "作出决定")
    page.get_by_label("决定书文号").fill("清审许〔2026〕88号")
    confirm(page)
    expect(page.locator("#app-status")).to_have_text("已决定")
    act(page, "办结")
    expect(page.locator("#app-status")).to_have_text("已办结")
    logout(page)

    # --- The result window: delivery ---------------------------------------------------------------
    login(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/applications/{number}/")
    act(page, "送达")
    page.get_by_label("窗口领取").check()
    confirm(page)
    expect(page.locator("#app-status")).to_have_text("已送达")

    # --- The timeline: every step with its actor ----------------------------------------------------------
    timeline = page.locator(".timeline")
    steps = [
        ("receive", clerk),
        ("accept", clerk),
        ("start_review", approver),
        ("pause", approver),
        ("resume", approver),
        ("decide", approver),
        ("complete", approver),
        ("deliver", clerk),
    ]
    for action, actor in steps:
        item = timeline.locator(f"[data-action='{action}']")
        expect(item).to_have_count(1)
        expect(item.locator(".timeline-actor")).to_contain_text(actor.full_name)
    expect(timeline.locator("[data-action='pause']")).to_contain_text("现场勘验")
    assert Application.objects.get(number=number).status == "delivered"


def test_citizen_applies_online_supplements_and_tracks(matter, demo_people, browser_page, live_server):
    page = browser_page
    citizen, clerk = demo_people["public"], demo_people["clerk"]
    approver = demo_people["approver"]

    # --- Apply online, upload the application form ------------------------------------------------------
    login(page, live_server.url, citizen.phone)  # citizens log in with their phone number
    page.goto(f"{live_server.url}/apply/{matter.matter.code}/")
    expect(page.locator("h1")).to_have_text("网上申请")
    expect(page.get_by_label("申请人名称")).to_have_value(citizen.full_name)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    expect(page.locator("#app-status")).to_have_text("网上已提交")
    number = page.locator("#app-number").inner_text()
    row = page.locator("tr[data-material='食品经营许可申请书']")
    row.locator("input[type=file]").set_input_files({"name": "申请书.png", "mimeType": "image/png", "buffer": PNG})
    row.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("已上传")

    # --- Staff ask for a supplement (the service, as a window clerk would on the page) -------------------------
    app = Application.objects.get(number=number)
    missing = app.materials.get(name="经营场所使用证明")
    services.application_start_prereview(application=app, by=clerk)
    services.application_request_supplement(
        application=app, by=clerk, items=[services.SupplementItem(name=missing.name, material_id=missing.pk)]
    )

    # --- The citizen answers from "my applications" -------------------------------------------------------
    page.goto(f"{live_server.url}/my/applications/")
    expect(page.locator("h1")).to_have_text("我的办件")
    card = page.locator(f".my-app[data-number='{number}']")
    expect(card).to_contain_text("补正中")
    card.get_by_role("link", name="上传补正材料").click()
    page.wait_for_load_state()
    expect(page.locator("#supp-title")).to_be_visible()
    row = page.locator("tr[data-material='经营场所使用证明']")
    row.locator("input[type=file]").set_input_files({"name": "场所证明.png", "mimeType": "image/png", "buffer": PNG})
    row.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_load_state()
    act(page, "补正材料")
    expect(page.locator("#app-status")).to_have_text("已补正")

    # --- The bureau finishes it (services) ---------------------------------------------------------------
    app.refresh_from_db()
    services.application_accept(application=app, by=clerk)
    services.application_start_review(application=app, by=approver)
    services.application_decide(application=app, approved=True, document_number="清审许〔2026〕9号", by=approver)
    services.application_complete(application=app, by=approver)
    services.application_deliver(application=app, method="post", tracking_number="EMS0001", by=clerk)
    logout(page)

    # --- Public tracking: number + phone -----------------------------------------------------------------
    page.goto(f"{live_server.url}/track/?number={number}")
    expect(page.get_by_label("办件编号")).to_have_value(number)
    page.get_by_label("申请时预留的手机号码").fill(citizen.phone)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    expect(page.locator("#track-status")).to_have_text("已送达")
    result = page.locator("#track-result")
    expect(result).to_contain_text("办结")
    expect(result).to_contain_text("卫*众")
    expect(result).not_to_contain_text(citizen.full_name)
    expect(result).not_to_contain_text(clerk.full_name)

"""Browser tests of evaluations (headless Chromium through Playwright): the issue's Done-when.

1. A clerk finishes a service → the window's evaluator tablet pops the rating → 不满意 with a
   reason tag → the department verifies (callback) and rectifies → the supervisor closes it and
   sees the rates change → the citizen adds one 追评 through the link sent to their phone.
2. A citizen scans the QR code of a printed 受理通知书 (opens its URL) and rates the application;
   a second attempt is refused with a Chinese message.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

from approvals import services as app_services
from approvals.models import SmsMessage
from evaluations.models import BadReviewCase, CaseStatus, Evaluation
from evaluations.services import device_register
from evaluations.tests.conftest import receive, serve
from hall.tests.browser import login, logout

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_in_process"),
]  # no worker: tasks run here

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _default_tags(transactional_db):
    """The default reason tags come from a data migration; an earlier transactional test's flush
    may have removed them, so put them back (idempotent, the migration's own function)."""
    from importlib import import_module

    from django.apps import apps

    import_module("evaluations.migrations.0002_defaults").create_defaults(apps, None)


def act(page: Page, action: str, note: str = "") -> None:
    form = page.locator(f"form.case-action[data-action='{action}']")
    if note:
        form.locator("textarea[name=note]").fill(note)
    if action == "rectify":
        form.locator("input[type=file]").set_input_files(
            files=[{"name": "整改照片.png", "mimeType": "image/png", "buffer": PNG}]
        )
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def figure(page: Page, code: str) -> str:
    return page.locator(f".figure[data-code='{code}'] [data-field=value]").inner_text()


def test_tablet_bad_review_to_closed_and_one_follow_up(browser_page: Page, live_server, people, window):
    page, base = browser_page, live_server.url
    _device, token = device_register(window=window, name="3号窗口评价器", by=people["admin"])

    tablet = page.context.browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    tablet.goto(f"{base}/evaluator/activate/{token}/")
    expect(tablet.get_by_test_id("evaluator-window")).to_contain_text(f"{window.number} 号窗口")
    expect(tablet.get_by_text("欢迎评价我们的服务")).to_be_visible()

    record = serve(window, people["clerk"])  # the clerk finishes the service (办结)
    expect(tablet.get_by_role("heading", name=re.compile("请为本次服务评价"))).to_be_visible(timeout=8000)
    expect(tablet.locator("[data-field=ticket]")).to_have_text(record.ticket.number)
    tablet.get_by_role("button", name="不满意", exact=True).click()
    submit = tablet.get_by_role("button", name="提交评价")
    expect(submit).to_be_disabled()  # a 差评 needs a reason tag first
    tablet.locator("[data-tags-for='dissatisfied']").get_by_role("button", name="等候时间过长").click()
    tablet.get_by_label("手机号码（选填，便于回访）").fill("13800001234")
    submit.click()
    expect(tablet.get_by_text("感谢您的评价！")).to_be_visible()
    evaluation = Evaluation.objects.get(service_record=record)
    assert evaluation.get_level_display() == "不满意" and evaluation.channel == "evaluator"
    case = BadReviewCase.objects.get(evaluation=evaluation)

    login(page, base, "t_supervisor")
    page.goto(base + "/evaluations/")
    expect(page.locator(".figure[data-code='evaluations.bad_rate']")).to_contain_text("100.00")
    assert figure(page, "evaluations.callback_rate").startswith("0.00")
    expect(page.locator(".figure[data-code='evaluations.good_rate']")).to_contain_text("好评率 =（非常满意 + 满意）")
    logout(page)

    login(page, base, "t_approver")
    page.goto(base + "/evaluations/cases/")
    page.get_by_role("link", name=f"差评#{case.pk}").click()
    act(page, "start_verify")
    act(page, "callback", "已电话回访，群众反映上午等候超过一小时")
    act(page, "confirm", "核实属实：上午高峰窗口不足")
    act(page, "start_rectify")
    act(page, "rectify", "高峰时段增开两个综合窗口，已落实")
    expect(page.locator("#case-status")).to_have_text("已整改")
    expect(page.get_by_text("佐证：整改照片.png")).to_be_visible()
    logout(page)

    login(page, base, "t_supervisor")
    page.goto(f"{base}/evaluations/cases/{case.pk}/")
    act(page, "close", "整改到位")
    expect(page.locator("#case-status")).to_have_text("已办结")
    page.goto(base + "/evaluations/")
    assert figure(page, "evaluations.rectification_rate").startswith("100.00")
    assert figure(page, "evaluations.callback_rate").startswith("100.00")
    logout(page)
    assert BadReviewCase.objects.get(pk=case.pk).status == CaseStatus.CLOSED

    # The citizen's phone got the 追评 link when the case was closed.
    sms = SmsMessage.objects.filter(phone="13800001234", body__contains="追评").get()
    path = re.search(r"(/e/[^\s?]+/)", sms.body).group(1)
    page.goto(base + path)
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rate-thanks")).to_be_visible()
    page.goto(base + path)
    expect(page.locator("#rate-refused")).to_contain_text("只能追评一次")
    assert Evaluation.objects.filter(follows=evaluation, is_follow_up=True).count() == 1
    tablet.context.close()


def test_qr_code_of_a_printed_acceptance_notice_rates_once(browser_page: Page, live_server, people, version):
    page, base = browser_page, live_server.url
    app = receive(people, version, applicant_user=people["public"])
    app = app_services.application_accept(application=app, by=people["clerk"])

    login(page, base, "t_clerk")
    page.goto(f"{base}/applications/{app.number}/notices/acceptance/")
    qr = page.locator(".evaluation-qr")
    expect(qr.locator("svg")).to_be_visible()
    expect(qr).to_contain_text("扫码评价本次服务")
    url = qr.get_attribute("data-evaluation-url")

    phone = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    phone.goto(url)
    expect(phone.locator("#rate-number")).to_have_text(app.number)
    phone.get_by_label("非常满意", exact=True).check()
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("#rate-thanks")).to_contain_text("感谢您的评价")
    phone.goto(url)
    expect(phone.locator("#rate-refused")).to_contain_text("已评价，每个办件只能评价一次（一事一评）")
    assert Evaluation.objects.filter(application=app).count() == 1
    assert Evaluation.objects.get(application=app).channel == "qr"
    phone.context.close()

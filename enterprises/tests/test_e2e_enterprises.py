"""Browser tests of the register (headless Chromium through Playwright): the issue's Done-when.

1. A 企业开办 bundle is taken at the 企业开办专区, its tasks are done at three different windows,
   the entity appears in the register and the bundle page shows elapsed working hours vs target.
2. 简易注销 → the public notice page lists it → an objection stops it; a second one without
   objection is deregistered by the timer task after 20 days.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

from enterprises.models import EntityStatus, MarketEntity
from enterprises.services import entity_register
from enterprises.tasks import sweep_deregistrations
from enterprises.tests.conftest import REGISTRATION
from hall.tests.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def finish(page: Page, kind: str) -> None:
    row = page.locator(f'tr[data-task="{kind}"]')
    row.get_by_role("button", name="办理").click()
    page.wait_for_load_state()


def test_startup_bundle_across_three_windows(browser_page: Page, live_server, startup_staff):
    page, base = browser_page, live_server.url
    login(page, base, startup_staff["intake"].username)
    page.goto(base + "/startup/new/")
    page.get_by_label("拟设立企业名称").fill(REGISTRATION["name"])
    page.get_by_label("企业类型").select_option("llc")
    page.get_by_label("法定代表人", exact=True).fill("张三")
    page.get_by_label("法定代表人身份证号码").fill(REGISTRATION["legal_representative_id_number"])
    page.get_by_label("注册资本（万元）").fill("100")
    page.get_by_label("住所", exact=True).fill("清源县人民路 100 号")
    page.get_by_label("行业门类（GB/T 4754）").select_option("I")
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_role("button", name="材料齐全，一窗受理").click()
    expect(page.locator("#bundle-number")).to_be_visible()
    number = page.locator("#bundle-number").inner_text()
    expect(page.locator("#tasks tbody tr")).to_have_count(6)
    bundle_url = page.url
    # Back office (市场监管) decides the registration with the e-licence.
    login(page, base, "e_registrar")
    page.goto(bundle_url)
    page.locator('tr[data-task="registration"] input[name="e_licence_number"]').fill("DZZZ-2026-0001")
    finish(page, "registration")
    expect(page.locator("#startup-entity")).to_contain_text(REGISTRATION["name"])
    # Window 6 hands out the licence; window 7 the invoices; window 5 the rest.
    login(page, base, "e_registration")
    page.goto(bundle_url)
    finish(page, "registration")
    login(page, base, "e_tax")
    page.goto(bundle_url)
    finish(page, "invoice")
    login(page, base, startup_staff["intake"].username)
    page.goto(bundle_url)
    for kind in ("seal", "social_insurance", "housing_fund", "bank"):
        finish(page, kind)
    expect(page.locator("#startup-state")).to_have_text("全部办结")
    expect(page.locator("#elapsed")).to_be_visible()
    expect(page.locator("#target")).to_have_text("3 小时 30 分")
    expect(page.locator("#target-result")).to_have_text("目标时限内办结")
    for number_text in ("5 号窗口", "6 号窗口", "7 号窗口"):
        expect(page.locator("#tasks")).to_contain_text(number_text)
    # The entity is on the register with its code.
    page.goto(base + "/enterprises/?q=星河")
    entity = MarketEntity.objects.get(name=REGISTRATION["name"])
    expect(page.locator(f'tr[data-entity="{entity.credit_code}"]')).to_be_visible()
    assert number.startswith("YJS")


def test_simple_deregistration_objection_and_timer(browser_page: Page, live_server, demo_people):
    from hall.models import Site

    page, base = browser_page, live_server.url
    site = Site.objects.select_related("division").get(level=Site.Level.COUNTY)
    first = entity_register(
        data=dict(REGISTRATION), site=site, by=demo_people["supervisor"], registered_on=date(2024, 1, 1)
    )
    second = entity_register(
        data=dict(REGISTRATION, name="清源县晨光商贸有限公司"),
        site=site,
        by=demo_people["supervisor"],
        registered_on=date(2024, 1, 1),
    )
    login(page, base, "t_supervisor")
    for entity in (first, second):
        page.goto(f"{base}/enterprises/{entity.pk}/")
        page.get_by_text("注销登记（简易注销 / 普通注销）").click()
        page.get_by_label("注销方式").select_option("simple")
        page.get_by_label("无债权债务或已清算完结").check()
        page.get_by_label("已提交全体投资人书面承诺").check()
        page.get_by_role("button", name="提交注销").click()
        expect(page.locator("#entity-status")).to_have_text("注销公示中")
    # The public notice page lists both; a creditor objects to the first.
    page.context.clear_cookies()
    page.goto(base + "/public/deregistration-notices/")
    expect(page.locator(f'tr[data-notice="{first.credit_code}"]')).to_be_visible()
    expect(page.locator(f'tr[data-notice="{second.credit_code}"]')).to_be_visible()
    page.locator(f'tr[data-notice="{first.credit_code}"]').get_by_role("link", name="提出异议").click()
    page.get_by_label("异议人（单位或个人）").fill("清源县某建材商行")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("异议理由").fill("该公司尚欠货款 5 万元未结清")
    page.get_by_role("button", name="提交异议").click()
    expect(page.locator("#objection-done")).to_be_visible()
    page.goto(base + "/public/deregistration-notices/")
    expect(page.locator(f'tr[data-notice="{first.credit_code}"]')).to_have_count(0)
    # The timer deregisters the second after the 20 days.
    sweep_deregistrations.apply(kwargs={"today": (timezone.localdate() + timedelta(days=20)).isoformat()})
    login(page, base, "t_supervisor")
    page.goto(f"{base}/enterprises/{second.pk}/")
    expect(page.locator("#entity-status")).to_have_text("已注销")
    page.goto(f"{base}/enterprises/{first.pk}/")
    expect(page.locator("#entity-status")).to_have_text("存续")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == EntityStatus.ACTIVE and second.status == EntityStatus.DEREGISTERED

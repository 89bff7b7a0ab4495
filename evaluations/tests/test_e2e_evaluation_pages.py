"""Browser tests of two evaluation pages that had none (headless Chromium through Playwright).

1. 好差评公示 (public, no login): the department's monthly cell counts what was rated, the year
   selector moves to last year's ratings, and no personal data of any evaluator is on the page.
2. 电话回访 (staff): a clerk records what an applicant said on the phone; a 差评 opens a case that
   the department must call back (回访) before it can confirm it. Citizens may not open the page.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

from evaluations.models import BadReviewCase, CaseStatus, Channel, Evaluation, Level
from evaluations.services import (
    Rating,
    case_callback,
    case_confirm,
    case_rectify,
    case_start_rectify,
    case_start_verify,
    evaluation_submit_for_application,
)
from evaluations.tests.conftest import complete, receive, tag
from hall.tests.browser import login, logout

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_in_process"),
]  # no worker: tasks run here

PHONE_LEFT = "13800001234"
BAD_TEXT = "窗口工作人员让我等了很久"


@pytest.fixture(autouse=True)
def _default_tags(transactional_db):
    """The default reason tags come from a data migration that an earlier transactional test's flush
    may have removed: put them back (idempotent, the migration's own function)."""
    from importlib import import_module

    from django.apps import apps

    import_module("evaluations.migrations.0002_defaults").create_defaults(apps, None)


def cell(page: Page, department: str, month: int) -> str:
    """The text of one department's cell in the column of ``month`` (“评价数 / 好评率 / 差评 / 已整改”)."""
    headers = page.locator(".public-table thead th").all_inner_texts()
    column = headers.index(f"{month} 月")
    row = page.locator(".public-table tbody tr").filter(has=page.get_by_role("rowheader", name=department, exact=True))
    return row.locator("th, td").nth(column).inner_text().strip()


def test_public_disclosure_counts_this_years_ratings_without_personal_data(
    browser_page: Page, live_server, people, version
):
    page, base = browser_page, live_server.url
    department = people["approver"].department
    today = timezone.localdate()
    first = complete(people, receive(people, version, applicant_user=people["public"]))
    second = complete(people, receive(people, version, applicant_user=people["public"]))
    older = complete(people, receive(people, version, applicant_user=people["public"]))
    evaluation_submit_for_application(
        application=first, rating=Rating(level=Level.VERY_SATISFIED), channel=Channel.PC, by=people["public"]
    )
    bad = evaluation_submit_for_application(
        application=second,
        rating=Rating(level=Level.DISSATISFIED, tag_ids=(tag(Level.DISSATISFIED).pk,), text=BAD_TEXT, phone=PHONE_LEFT),
        channel=Channel.PC,
        by=people["public"],
    )
    march_or_april = 3 if today.month != 3 else 4  # a month with no rating this year
    last_year = timezone.make_aware(datetime(today.year - 1, march_or_april, 15, 10, 0))
    evaluation_submit_for_application(
        application=older, rating=Rating(level=Level.SATISFIED), channel=Channel.QR, now=last_year
    )

    # Anyone, without logging in.
    page.goto(base + "/evaluations/public/")
    expect(page.get_by_role("heading", name=f"{today.year} 年好差评公示")).to_be_visible()
    assert cell(page, department.name, today.month) == "2 / 50.00% / 1 / 0"
    other = page.locator(".public-table tbody tr").filter(
        has_not=page.get_by_role("rowheader", name=department.name, exact=True)
    )
    expect(other.first.locator("td").first).to_have_text("—")  # a department nobody rated
    expect(page.locator(".public-table")).not_to_contain_text(
        f"{march_or_april} 月"
    )  # last year's month is not this year's
    content = page.content()
    for private in (
        people["public"].full_name,  # 卫群众, the evaluator
        "卫*众",
        PHONE_LEFT,
        "138****1234",
        BAD_TEXT,
        first.number,
        second.number,
        people["clerk"].full_name,
        people["approver"].full_name,
    ):
        assert private not in content, private

    # Once the 差评 is rectified, the public sees it in the 已整改 count.
    case = BadReviewCase.objects.get(evaluation=bad)
    approver = people["approver"]
    case = case_start_verify(case=case, by=approver)
    case = case_callback(case=case, note="已回访", by=approver)
    case = case_confirm(case=case, note="属实", by=approver)
    case = case_start_rectify(case=case, by=approver)
    case_rectify(case=case, note="增开窗口", by=approver)
    page.reload()
    assert cell(page, department.name, today.month) == "2 / 50.00% / 1 / 1"

    # Last year: only the rating of that month.
    page.get_by_label("年份").select_option(str(today.year - 1))
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name=f"{today.year - 1} 年好差评公示")).to_be_visible()
    expect(page.locator(".public-table thead th")).to_have_text(["部门", f"{march_or_april} 月"])
    assert cell(page, department.name, march_or_april) == "1 / 100.00% / 0 / 0"


def test_phone_callback_records_a_bad_review_and_the_case_needs_its_callback(
    browser_page: Page, live_server, people, completed
):
    page, base = browser_page, live_server.url
    number = completed.number

    # A citizen cannot open the page, nor is it in their menu.
    login(page, base, "t_public")
    expect(page.get_by_role("link", name="电话回访")).to_have_count(0)
    response = page.goto(base + "/evaluations/callback/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    logout(page)

    login(page, base, "t_clerk")
    page.get_by_role("link", name="电话回访").click()
    expect(page.get_by_role("heading", name="电话回访评价")).to_be_visible()
    page.get_by_label("办件编号").fill("QY20990101-9999")
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="记录回访评价").click()
    expect(page.get_by_role("alert")).to_have_text("未找到该办件，或不在您的办理范围内。")

    page.get_by_label("办件编号").fill(number)
    page.get_by_label("不满意", exact=True).check()
    page.get_by_role("button", name="记录回访评价").click()
    expect(page.locator(".rating-tags .field-error")).to_have_text("差评请至少选择一个原因标签。")
    assert not Evaluation.objects.filter(application=completed).exists()

    expect(page.get_by_label("不满意", exact=True)).to_be_checked()  # kept from the refused attempt
    page.locator("[data-tags-for='dissatisfied']").get_by_label("多次跑腿").check()
    page.get_by_label("评价内容").fill("电话中反映补正材料往返了三次")
    page.get_by_role("button", name="记录回访评价").click()
    expect(page.locator(".messages")).to_contain_text(f"已记录办件 {number} 的电话回访评价。")
    expect(page.get_by_label("办件编号")).to_have_value("")  # ready for the next call

    evaluation = Evaluation.objects.get(application=completed)
    assert (evaluation.channel, evaluation.level) == (Channel.PHONE, Level.DISSATISFIED)
    case = BadReviewCase.objects.get(evaluation=evaluation)
    assert case.status == CaseStatus.SUBMITTED

    # 一事一评: a second call about the same application is refused.
    page.get_by_label("办件编号").fill(number)
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="记录回访评价").click()
    expect(page.locator(".alert-error")).to_contain_text(f"办件 {number} 已评价，每个办件只能评价一次（一事一评）")
    assert Evaluation.objects.filter(application=completed).count() == 1
    logout(page)

    # The department's approver finds the case in 差评整改, with the applicant masked.
    login(page, base, "t_approver")
    page.get_by_role("link", name="差评整改").click()
    row = page.locator(f"tr[data-case='{case.pk}']")
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("多次跑腿")
    expect(row.locator("[data-field=status]")).to_have_text("待核实")
    row.get_by_role("link", name=f"差评#{case.pk}").click()
    expect(page.locator("#case-status")).to_have_text("待核实")
    details = page.locator("dl.kv")
    expect(details).to_contain_text("电话回访")
    expect(details).to_contain_text("实名 卫*众 137****0007")
    expect(details).to_contain_text("未回访")
    assert completed.applicant_phone not in page.content()

    page.locator("form.case-action[data-action='start_verify'] button[type=submit]").click()
    expect(page.locator("#case-status")).to_have_text("核实中")
    # A real-name 差评 cannot be judged before its callback: no 核实属实 button yet.
    expect(page.locator("form.case-action[data-action='confirm']")).to_have_count(0)

    callback = page.locator("form.case-action[data-action='callback']")
    callback.get_by_role("button", name="记录回访").click()
    expect(callback.locator(".field-error")).to_have_text("请填写回访情况。")
    callback = page.locator("form.case-action[data-action='callback']")
    callback.get_by_label("记录回访说明").fill("已回访：群众称补正材料要求前后不一致")
    callback.get_by_role("button", name="记录回访").click()
    expect(page.locator(".messages")).to_contain_text("已记录回访。")
    expect(page.locator("#case-status")).to_have_text("核实中")  # a callback does not move the case
    expect(details).to_contain_text("已回访：群众称补正材料要求前后不一致")
    expect(details).not_to_contain_text("未回访")
    expect(page.locator(".timeline")).to_contain_text("回访：已回访：群众称补正材料要求前后不一致")

    confirm = page.locator("form.case-action[data-action='confirm']")
    confirm.get_by_label("核实属实说明").fill("核实属实：材料清单未及时更新")
    confirm.get_by_role("button", name="核实属实").click()
    expect(page.locator("#case-status")).to_have_text("核实属实")
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED and case.called_back_at is not None

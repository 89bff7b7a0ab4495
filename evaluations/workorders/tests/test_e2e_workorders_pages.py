"""Browser tests of the work-order lists and figures (headless Chromium through Playwright).

1. 部门工单: a department's approver sees exactly the orders dispatched to the department that
   wait to be signed for or are in handling, most urgent first, overdue ones marked 红牌;
   another department's approver sees only theirs.
2. The inbox's empty state and its pages of 30, in Chinese.
3. 工单派单台: the supervisor's counters and sections (new, returned, overdue).
4. 工单查询: every filter narrows the list to the matching orders and the pages keep the filters.
5. 工单统计: each figure links to exactly the orders behind it (the list counts what the figure
   says), for the whole county and for one department; a period ending before it starts is refused.
6. Clerks and citizens are refused (403) on the pages of other roles, and see no link to them.

Orders are created through the services; the figures' daily rollups are refreshed on commit by
the Celery task, run in process here.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

pytest.importorskip("playwright.sync_api")
from django.utils import timezone
from playwright.sync_api import Page, expect

from evaluations.workorders import extensions, services
from evaluations.workorders.models import CallbackResult, Kind, Source, WorkOrder
from hall.tests.browser import login, logout

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_in_process"),
]  # no worker: tasks run here

ROWS = "table.workorder-rows tbody tr[data-number]"


# --- Helpers ---------------------------------------------------------------------------------------


def nav(page: Page, label: str) -> None:
    page.locator("#main-nav").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state()


def listed(page: Page, scope: str = "") -> list[str]:
    """The order numbers of the rows shown, top to bottom."""
    return page.locator(f"{scope} {ROWS}".strip()).evaluate_all("rows => rows.map(r => r.dataset.number)")


def days_ago(n: int) -> datetime:
    """Ten in the morning, ``n`` calendar days ago (local time)."""
    day = timezone.localdate() - timedelta(days=n)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def receive(people, **overrides) -> WorkOrder:
    values = {
        "source": Source.UNRESOLVED_WINDOW,
        "kind": Kind.COMPLAINT,
        "title": "营业执照变更多次往返",
        "content": "办理营业执照变更，窗口要求的材料与办事指南不一致，已往返三次。",
        "requester": services.Requester(name="卫群众", phone="13800001234"),
    }
    values.update(overrides)
    order, created = services.workorder_receive(data=services.OrderInput(**values), by=people["clerk"])
    assert created
    return order


def dispatch(people, order: WorkOrder, department) -> WorkOrder:
    return services.workorder_dispatch(order=order, department=department, by=people["supervisor"])


def sign(order: WorkOrder, approver) -> WorkOrder:
    return services.workorder_sign(order=order, by=approver)


def close(people, order: WorkOrder, approver) -> WorkOrder:
    """Sign, reply, call back satisfied and close: the whole way to 已办结."""
    order = sign(order, approver)
    order = services.workorder_reply(order=order, by=approver, text="已统一窗口材料清单，当日办结。")
    order = services.workorder_callback(order=order, by=people["clerk"], result=CallbackResult.SATISFIED)
    return services.workorder_close(order=order, by=people["supervisor"])


# --- 部门工单 -----------------------------------------------------------------------------------------


def test_inbox_lists_exactly_the_departments_open_orders_most_urgent_first(
    people, department, other_approver, browser_page, live_server
):
    page, base = browser_page, live_server.url
    approver = people["approver"]
    other_department = other_approver.department

    overdue = dispatch(people, receive(people, title="超期未办的投诉", received_at=days_ago(40)), department)
    extensions.workorder_supervise(order=overdue, by=people["supervisor"], note="请尽快办理")
    in_handling = sign(
        dispatch(people, receive(people, kind=Kind.HELP, title="办理中的求助", received_at=days_ago(7)), department),
        approver,
    )
    to_sign = dispatch(people, receive(people, kind=Kind.SUGGESTION, title="新派来的建议"), department)
    elsewhere = dispatch(people, receive(people, title="派给其他部门的投诉"), other_department)
    undispatched = receive(people, title="尚未派单的投诉")
    replied = services.workorder_reply(
        order=sign(dispatch(people, receive(people, title="已答复的投诉"), department), approver),
        by=approver,
        text="已答复。",
    )

    login(page, base, approver.username)
    nav(page, "部门工单")
    expect(page.locator("h1")).to_have_text("部门工单")
    assert listed(page) == [overdue.number, in_handling.number, to_sign.number]
    for absent in (elsewhere, undispatched, replied):
        expect(page.locator(f'tr[data-number="{absent.number}"]')).to_have_count(0)
    expect(page.locator(".pagination")).to_have_count(0)
    expect(page.get_by_text("共 3 件", exact=True)).to_be_visible()

    # The overdue order is red, carries 红牌 and 督办; the others are green and unmarked.
    red = page.locator(f'tr[data-number="{overdue.number}"]')
    expect(red).to_have_class("deadline-red")
    expect(red.locator(".badge-red")).to_have_text("红牌")
    expect(red).to_contain_text("督办")
    expect(red).to_contain_text("已派单待签收")
    for order, status in ((in_handling, "办理中"), (to_sign, "已派单待签收")):
        row = page.locator(f'tr[data-number="{order.number}"]')
        expect(row).to_have_class("deadline-green")
        expect(row.locator(".badge-red, .badge-yellow")).to_have_count(0)
        expect(row).not_to_contain_text("督办")
        expect(row).to_contain_text(status)
        expect(row).to_contain_text(department.name)
    # The requester's phone is masked in the list.
    expect(red).to_contain_text("138****1234")
    expect(red).not_to_contain_text("13800001234")

    # A number opens the order.
    red.get_by_role("link", name=overdue.number).click()
    expect(page.locator("#order-number")).to_have_text(overdue.number)

    # 工单查询 shows the department's orders in every status, still none of another department's.
    page.goto(base + "/workorders/")
    assert set(listed(page)) == {overdue.number, in_handling.number, to_sign.number, replied.number}

    # The other department's approver sees only the order dispatched to them.
    logout(page)
    login(page, base, other_approver.username)
    nav(page, "部门工单")
    assert listed(page) == [elsewhere.number]
    expect(page.locator(f'tr[data-number="{elsewhere.number}"]')).to_contain_text(other_department.name)
    page.goto(base + "/workorders/")
    assert listed(page) == [elsewhere.number]


def test_inbox_empty_state_and_pages_of_thirty(people, department, browser_page, live_server):
    page, base = browser_page, live_server.url
    login(page, base, people["approver"].username)
    nav(page, "部门工单")
    expect(page.locator("table.workorder-rows tbody")).to_have_text("没有工单。")
    expect(page.locator(".pagination")).to_have_count(0)

    numbers = [dispatch(people, receive(people, title=f"批量派单的投诉 {i:02d}"), department).number for i in range(31)]
    page.reload()
    expect(page.locator(ROWS)).to_have_count(30)
    pager = page.locator("nav.pagination")
    expect(pager.locator(".page-info")).to_have_text("第 1 / 2 页，共 31 件")
    expect(pager.get_by_role("link", name="上一页")).to_have_count(0)
    first_page = listed(page)
    pager.get_by_role("link", name="下一页").click()
    page.wait_for_load_state()
    expect(pager.locator(".page-info")).to_have_text("第 2 / 2 页，共 31 件")
    expect(pager.get_by_role("link", name="下一页")).to_have_count(0)
    second_page = listed(page)
    assert len(second_page) == 1
    assert sorted(first_page + second_page) == sorted(numbers)
    pager.get_by_role("link", name="上一页").click()
    page.wait_for_load_state()
    assert listed(page) == first_page


# --- 工单派单台 ---------------------------------------------------------------------------------------


def test_board_counts_and_sections(people, department, browser_page, live_server):
    page, base = browser_page, live_server.url
    approver = people["approver"]
    new = receive(people, title="新登记的投诉")
    returned = services.workorder_return(
        order=dispatch(people, receive(people, title="被退回的投诉"), department),
        by=approver,
        reason="不属于本部门职责",
    )
    overdue = sign(
        dispatch(people, receive(people, title="超期的投诉", received_at=days_ago(40)), department), approver
    )
    dispatched = dispatch(people, receive(people, title="待签收的投诉"), department)

    login(page, base, people["supervisor"].username)
    nav(page, "工单派单台")
    expect(page.locator("h1")).to_have_text("工单派单台")
    counts = page.locator("#board-counts")
    for label, value in (("待派单", 1), ("已退回", 1), ("待签收", 1), ("办理中", 1), ("红牌", 1), ("黄牌", 0)):
        expect(counts.locator(".stat", has_text=label).locator("strong")).to_have_text(str(value))
    assert listed(page, "#board-new") == [new.number]
    assert listed(page, "#board-returned") == [returned.number]
    assert listed(page, "#board-overdue") == [overdue.number]
    expect(page.locator(f'#board-overdue tr[data-number="{overdue.number}"]')).to_have_class("deadline-red")
    expect(page.locator("#board-due-soon tbody")).to_have_text("没有工单。")
    expect(page.locator("#board-callback tbody")).to_have_text("没有工单。")
    for section in ("#board-new", "#board-returned", "#board-overdue"):
        expect(page.locator(f'{section} tr[data-number="{dispatched.number}"]')).to_have_count(0)

    page.get_by_role("link", name="工单查询", exact=True).click()
    expect(page.locator("h1")).to_have_text("工单查询")
    assert sorted(listed(page)) == sorted(o.number for o in (new, returned, overdue, dispatched))


# --- 工单查询 -----------------------------------------------------------------------------------------


def test_list_filters_narrow_the_rows_and_pages_keep_them(
    people, department, other_approver, browser_page, live_server
):
    page, base = browser_page, live_server.url
    complaint = receive(people, title="窗口推诿的投诉", received_at=days_ago(20))
    consultation = receive(
        people,
        source=Source.HOTLINE,
        hotline_number="12345-20261101-0007",
        kind=Kind.CONSULTATION,
        title="热线咨询公积金提取",
        received_at=days_ago(3),
    )
    dispatch(people, consultation, department)
    help_order = dispatch(
        people, receive(people, source=Source.ONLINE, kind=Kind.HELP, title="网上求助"), other_approver.department
    )
    everything = {complaint.number, consultation.number, help_order.number}

    login(page, base, people["supervisor"].username)
    page.goto(base + "/workorders/")
    expect(page.locator("h1")).to_have_text("工单查询")
    assert set(listed(page)) == everything
    expect(page.get_by_text("共 3 件", exact=True)).to_be_visible()

    def search() -> None:
        page.get_by_role("button", name="查询", exact=True).click()
        page.wait_for_load_state()

    page.get_by_label("状态").select_option(label="已派单待签收")
    search()
    assert set(listed(page)) == {consultation.number, help_order.number}
    page.get_by_label("类型").select_option(label="咨询")
    search()
    assert listed(page) == [consultation.number]
    expect(page.get_by_label("状态")).to_have_value("dispatched")  # the filters stay chosen
    page.get_by_label("来源").select_option(label="办不成事反映窗口")
    search()
    expect(page.locator("table.workorder-rows tbody")).to_have_text("没有工单。")

    page.goto(base + "/workorders/")
    page.get_by_label("来源").select_option(label="12345热线")
    search()
    assert listed(page) == [consultation.number]

    page.goto(base + "/workorders/")
    page.get_by_label("工单编号 / 热线工单号").fill("12345-20261101-0007")
    search()
    assert listed(page) == [consultation.number]
    page.get_by_label("工单编号 / 热线工单号").fill(complaint.number.lower())
    search()
    assert listed(page) == [complaint.number]

    page.goto(base + "/workorders/")
    page.get_by_label("受理日期起").fill(timezone.localdate().isoformat())
    search()
    assert listed(page) == [help_order.number]
    page.get_by_label("受理日期起").fill((timezone.localdate() - timedelta(days=25)).isoformat())
    page.get_by_label("受理日期止").fill((timezone.localdate() - timedelta(days=10)).isoformat())
    search()
    assert listed(page) == [complaint.number]

    page.goto(base + "/workorders/?received_from=2026-13-45")
    expect(page.locator(".messages")).to_contain_text("日期格式不正确，已忽略该条件。")
    assert set(listed(page)) == everything

    # 31 more complaints waiting to be dispatched: two pages, and page two keeps the filters.
    more = {receive(people, title=f"批量登记的投诉 {i:02d}").number for i in range(31)}
    page.goto(base + "/workorders/")
    page.get_by_label("状态").select_option(label="待派单")
    page.get_by_label("类型").select_option(label="投诉")
    search()
    pager = page.locator("nav.pagination")
    expect(pager.locator(".page-info")).to_have_text("第 1 / 2 页，共 32 件")
    shown = listed(page)
    pager.get_by_role("link", name="下一页").click()
    page.wait_for_load_state()
    expect(pager.locator(".page-info")).to_have_text("第 2 / 2 页，共 32 件")
    expect(page.get_by_label("状态")).to_have_value("received")
    shown += listed(page)
    assert sorted(shown) == sorted(more | {complaint.number})


# --- 工单统计 -----------------------------------------------------------------------------------------


def open_figures(page: Page, start: str, end: str, department: str = "") -> None:
    page.get_by_label("开始日期").fill(start)
    page.get_by_label("结束日期").fill(end)
    page.get_by_label("部门", exact=True).select_option(label=department or "全部部门")
    page.get_by_role("button", name="统计", exact=True).click()
    page.wait_for_load_state()


def figure(page: Page, code: str):
    return page.locator(f'#figures tr[data-code="{code}"] .figure-value')


def drill(page: Page, code: str) -> list[str]:
    """Click the figure's value; return the order numbers on every page of the list it opens."""
    figures_url = page.url
    figure(page, code).get_by_role("link").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("工单查询")
    numbers = listed(page)
    while page.locator("nav.pagination").get_by_role("link", name="下一页").count():
        page.locator("nav.pagination").get_by_role("link", name="下一页").click()
        page.wait_for_load_state()
        numbers += listed(page)
    page.goto(figures_url)
    return numbers


def test_each_figure_links_to_exactly_the_orders_behind_it(
    people, department, other_approver, browser_page, live_server
):
    page, base = browser_page, live_server.url
    approver = people["approver"]
    closed = close(
        people, dispatch(people, receive(people, title="已办结的投诉", received_at=days_ago(10)), department), approver
    )
    handling = sign(
        dispatch(
            people,
            receive(
                people,
                source=Source.HOTLINE,
                hotline_number="12345-20261125-0001",
                kind=Kind.CONSULTATION,
                title="热线咨询",
                received_at=days_ago(5),
            ),
            department,
        ),
        approver,
    )
    other = dispatch(
        people, receive(people, source=Source.ONLINE, kind=Kind.HELP, title="网上求助"), other_approver.department
    )
    waiting = receive(people, title="待派单的投诉")
    # Received before the period, dispatched within it.
    old = dispatch(
        people,
        receive(people, source=Source.LETTER, kind=Kind.SUGGESTION, title="来信建议", received_at=days_ago(60)),
        department,
    )
    today = timezone.localdate()
    start, end = (today - timedelta(days=30)).isoformat(), today.isoformat()
    login(page, base, people["supervisor"].username)
    nav(page, "工单统计")
    expect(page.locator("h1")).to_have_text("诉求工单统计")
    open_figures(page, start, end)

    expected = {
        "wo_received": {closed.number, handling.number, other.number, waiting.number},
        "wo_dispatched": {closed.number, handling.number, other.number, old.number},
        "wo_completed": {closed.number},
        "wo_unresolved_cases": {closed.number, waiting.number},
        "wo_complaint_share": {closed.number, waiting.number},  # the complaints behind the share
        "wo_on_time_rate": {closed.number},
    }
    for code in ("wo_received", "wo_dispatched", "wo_completed", "wo_unresolved_cases"):
        expect(figure(page, code)).to_have_text(f"{len(expected[code])} 件")
    expect(figure(page, "wo_complaint_share")).to_have_text("50.00 %")
    expect(figure(page, "wo_on_time_rate")).to_have_text("100.00 %")
    expect(figure(page, "wo_completion_rate")).to_have_text("25.00 %")
    expect(figure(page, "wo_callback_satisfaction")).to_have_text("100.00 %")
    for code, numbers in expected.items():
        shown = drill(page, code)
        assert len(shown) == len(numbers), code
        assert set(shown) == numbers, code

    # One department: only the orders of that department.
    open_figures(page, start, end, department=department.name)
    expect(page.get_by_label("部门", exact=True)).to_have_value(str(department.pk))
    by_department = {
        "wo_received": {closed.number, handling.number},
        "wo_dispatched": {closed.number, handling.number, old.number},
        "wo_completed": {closed.number},
    }
    for code, numbers in by_department.items():
        expect(figure(page, code)).to_have_text(f"{len(numbers)} 件")
        shown = drill(page, code)
        assert len(shown) == len(numbers), code
        assert set(shown) == numbers, code

    # A period with nothing in it: zeros, and rates that cannot be computed show “—”.
    open_figures(page, "2020-01-01", "2020-12-31")
    expect(figure(page, "wo_received")).to_have_text("0 件")
    expect(figure(page, "wo_completion_rate")).to_have_text("—")
    assert drill(page, "wo_received") == []
    expect(page.locator("#figures")).to_be_visible()

    # A period ending before it starts is refused in Chinese, with no figures.
    open_figures(page, end, start)
    expect(page.locator(".field-errors")).to_contain_text("结束日期不能早于开始日期。")
    expect(page.locator("#figures")).to_have_count(0)


# --- Who may open these pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "refused", "allowed"),
    [
        ("clerk", ["inbox/", "board/", "figures/"], []),
        ("public", ["inbox/", "board/", "figures/", ""], []),
        ("approver", ["board/", "figures/"], ["部门工单"]),
    ],
)
def test_other_roles_are_refused(people, role, refused, allowed, browser_page, live_server):
    page, base = browser_page, live_server.url
    login(page, base, people[role].username)
    links = page.locator("#main-nav")
    for label in ("工单派单台", "工单统计", "部门工单"):
        if label not in allowed:
            expect(links.get_by_role("link", name=label, exact=True)).to_have_count(0)
    for path in refused:
        response = page.goto(f"{base}/workorders/{path}")
        assert response is not None and response.status == 403, path
        expect(page.locator("h1")).to_have_text("无权访问")
        expect(page.locator(".error-page")).to_contain_text("您的角色无权访问此页面。")
        expect(page.locator(ROWS)).to_have_count(0)

"""Browser test: a leader asks for a half-year report, opens one figure by department and clicks a
department's number down to exactly those applications (the existing list page, filtered)."""

from __future__ import annotations

from datetime import date

import pytest

from approvals.load import generate_applications
from approvals.models import Application
from reports.rollups import rollups_rebuild
from reports.tests.conftest import TODAY, YEAR
from reports.tests.test_e2e_reports import login

SECOND_HALF = (date(2026, 7, 1), date(2026, 12, 31))


@pytest.mark.e2e
def test_leader_cuts_a_half_year_figure_by_department_and_reaches_its_applications(
    demo_people, browser_page, live_server
):
    generate_applications(count=160, today=TODAY, seed=11)
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])
    received = Application.objects.filter(received_on__range=SECOND_HALF)
    page = browser_page
    login(page, live_server.url, demo_people["leader"].username)

    page.goto(live_server.url + "/reports/")
    page.get_by_label("统计期").select_option("half")
    page.get_by_label("年度").fill("2026")
    page.get_by_label("半年").select_option("2")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    assert "2026年下半年" in page.locator("main").inner_text()
    row = page.locator("tr[data-code='app.received']")
    assert row.locator("td.num").inner_text().strip().replace(",", "") == str(received.count())

    # The figure's own page, cut by department: the period is kept when the dimension changes.
    row.locator("td").first.get_by_role("link").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="部门", exact=True).click()
    page.wait_for_load_state()
    assert "period=half" in page.url and "half=2" in page.url and "dimension=department" in page.url
    department_id = received.order_by("department_id").values_list("department_id", flat=True).first()
    expected = set(received.filter(department_id=department_id).values_list("number", flat=True))
    cell = page.locator(f"tr[data-key='{department_id}'] td.num")
    assert cell.inner_text().strip().replace(",", "") == str(len(expected))

    cell.get_by_role("link").click()
    page.wait_for_load_state()
    assert page.locator("[data-report-count]").inner_text().strip() == str(len(expected))
    shown = {text.strip().split()[0] for text in page.locator("table tbody tr td:first-child").all_inner_texts()}
    assert shown == expected or len(expected) > len(shown)  # a long list is paginated
    assert shown <= expected

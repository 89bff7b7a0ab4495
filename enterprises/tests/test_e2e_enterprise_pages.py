"""Browser tests of two register pages that had none (headless Chromium through Playwright).

1. 市场主体统计: each register figure, clicked, opens the register listing exactly the entities it
   counts (for this year and for a period chosen on the page); only supervisors, leaders and
   administrators may open it.
2. 存量导入: a workbook with bad rows is refused with every error named by row and column in Chinese
   and nothing imported (the page's rule: all or nothing); corrected, all its rows are imported,
   appear in the register with the ID numbers masked and count in the figures.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

from enterprises.models import EntityImport, EntityStatus, EntityType, MarketEntity
from enterprises.services import HEADERS, deregistration_file, entity_register, entity_revoke
from enterprises.tests.conftest import REGISTRATION
from hall.tests.browser import login
from hall.validators import credit_code_check_char

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_in_process"),
]  # no worker: tasks run here
ID_NUMBER = REGISTRATION["legal_representative_id_number"]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def figure(page: Page, code: str) -> int:
    """The value of one figure in 户 (“12 户” → 12)."""
    text = page.locator(f"tr[data-metric='{code}'] .metric-value").inner_text()
    assert text.endswith(" 户"), text
    return int(text.removesuffix(" 户"))


def listed(page: Page) -> int:
    """The register's count of the entities the current filters select (“共 12 户”)."""
    meta = page.locator(".page-head .page-meta").inner_text()
    return int(meta.split("共 ", 1)[1].split(" 户", 1)[0])


def drill(page: Page, code: str, name: str) -> int:
    """Click a figure's name (its drill-down) and return how many entities the register lists."""
    figures_url = page.url
    page.locator(f"tr[data-metric='{code}']").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name="市场主体登记名录")).to_be_visible()
    count = listed(page)
    page.goto(figures_url)
    return count


def credit_code(serial: int) -> str:
    first17 = f"92130921MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


@pytest.fixture
def register(demo_people):
    """Entities registered, deregistered and revoked this year and last year, through the services."""
    from hall.models import Site

    site = Site.objects.select_related("division").get(level=Site.Level.COUNTY)
    by = demo_people["supervisor"]
    today = timezone.localdate()
    last_year = date(today.year - 1, 6, 1)
    long_ago = date(today.year - 3, 5, 1)

    def new(name: str, on: date, entity_type: str = "llc") -> MarketEntity:
        data = dict(REGISTRATION, name=name, entity_type=entity_type)
        return entity_register(data=data, site=site, by=by, registered_on=on)

    new("清源县今年一号科技有限公司", today)
    new("清源县今年二号个体店", today, EntityType.INDIVIDUAL)
    new("清源县去年商贸有限公司", last_year)
    gone_last_year = new("清源县去年注销有限公司", long_ago)
    deregistration_file(entity=gone_last_year, kind="ordinary", by=by, today=last_year + timedelta(days=30))
    gone_this_year = new("清源县今年注销有限公司", long_ago)
    deregistration_file(entity=gone_this_year, kind="ordinary", by=by, today=today)
    revoked = new("清源县今年吊销有限公司", long_ago)
    entity_revoke(
        entity=revoked, decision_number="清市监罚〔2026〕8号", reason="无照经营超过六个月", by=by, today=today
    )
    return demo_people


def test_register_figures_equal_the_entities_they_drill_down_to(browser_page: Page, live_server, register):
    page, base = browser_page, live_server.url
    today = timezone.localdate()
    entities = MarketEntity.objects.all()

    login(page, base, "t_supervisor")
    page.get_by_role("link", name="市场主体统计").click()
    expect(page.get_by_role("heading", name="市场主体统计")).to_be_visible()
    expect(page.locator(".page-meta")).to_contain_text(f"统计期 {today.year}-01-01 至 {today:%Y-%m-%d}")

    new = figure(page, "entities_new")
    assert new == entities.filter(registered_on__range=(date(today.year, 1, 1), today)).count() >= 2
    expect(page.locator("tr[data-metric='entities_new']")).to_contain_text("个体工商户 1")
    assert drill(page, "entities_new", "新登记市场主体") == new

    stock = figure(page, "entities_stock")
    alive = entities.exclude(deregistered_on__lte=today).filter(registered_on__lte=today).count()
    assert stock == alive
    assert drill(page, "entities_stock", "实有市场主体") == stock

    gone = figure(page, "entities_deregistered")  # 注销 and 吊销 of this year, not last year's
    assert gone == entities.filter(deregistered_on__range=(date(today.year, 1, 1), today)).count() == 2
    assert drill(page, "entities_deregistered", "注销市场主体") == gone

    # Last year, chosen on the page.
    page.get_by_label("统计期自").fill(f"{today.year - 1}-01-01")
    page.get_by_label("至", exact=True).fill(f"{today.year - 1}-12-31")
    page.get_by_role("button", name="统计").click()
    expect(page.locator(".page-meta")).to_contain_text(f"统计期 {today.year - 1}-01-01 至 {today.year - 1}-12-31")
    assert figure(page, "entities_new") == drill(page, "entities_new", "新登记市场主体") >= 1
    assert figure(page, "entities_deregistered") == drill(page, "entities_deregistered", "注销市场主体") >= 1
    assert figure(page, "entities_stock") == drill(page, "entities_stock", "实有市场主体")

    # A period that ends before it starts is refused in Chinese.
    page.get_by_label("统计期自").fill(f"{today.year}-03-01")
    page.get_by_label("至", exact=True).fill(f"{today.year}-02-01")
    page.get_by_role("button", name="统计").click()
    expect(page.locator("[data-field=end] .field-errors")).to_have_text("结束日期不能早于开始日期。")


def test_figures_and_import_refuse_roles_without_them(browser_page: Page, live_server, demo_people):
    page, base = browser_page, live_server.url
    for username, path in (
        ("t_clerk", "/enterprises/figures/"),
        ("t_approver", "/enterprises/figures/"),
        ("t_public", "/enterprises/figures/"),
        ("t_approver", "/enterprises/import/"),
        ("t_leader", "/enterprises/import/"),
        ("t_public", "/enterprises/import/"),
    ):
        login(page, base, username)
        response = page.goto(base + path)
        assert response.status == 403, (username, path)
        expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    login(page, base, "t_leader")
    assert page.goto(base + "/enterprises/figures/").status == 200
    expect(page.get_by_role("link", name="市场主体统计")).to_be_visible()


def workbook(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(page: Page, name: str, content: bytes) -> None:
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    page.get_by_label("导入文件（.xlsx）").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state()


def good_rows() -> list[list]:
    return [
        [credit_code(1), "清源县导入一号农业有限公司", "有限责任公司", "李一", ID_NUMBER, "50", "清源县一号路", "A",
         "2019-04-01", "存续", None, "13812340001"],
        [credit_code(2), "清源县导入二号便利店", "个体工商户", "王二", None, None, "清源县二号街", "F",
         date(2021, 7, 15), None, None, None],
        [credit_code(3), "清源县导入三号合作社", "农民专业合作社", "赵三", None, "10", "清源县三号村", "A",
         "2015-01-20", "已注销", "2022-12-31", None],
    ]  # fmt: skip


def test_import_lists_every_bad_row_in_chinese_then_imports_the_corrected_workbook(
    browser_page: Page, live_server, demo_people
):
    page, base = browser_page, live_server.url
    before = MarketEntity.objects.count()
    future = (timezone.localdate() + timedelta(days=10)).isoformat()
    wrong_check = credit_code(4)[:17] + ("0" if credit_code(4)[17] != "0" else "1")
    bad_rows = [
        [wrong_check, "清源县校验位错误有限公司", "有限责任公司", "钱四", None, None, "清源县四号路", "C",
         "2020-01-01", None, None, None],
        [credit_code(5), "清源县类型错误公司", "有限公司", "孙五", None, None, "清源县五号路", "C",
         "2020-01-01", None, None, None],
        [credit_code(6), "清源县未来成立有限公司", "有限责任公司", "周六", None, None, "清源县六号路", "C",
         future, None, None, "0571-1234"],
        [credit_code(1), "清源县重复代码有限公司", "有限责任公司", "吴七", None, None, "清源县七号路", "C",
         "2020-01-01", None, None, None],
    ]  # fmt: skip

    login(page, base, "t_clerk")
    page.get_by_role("link", name="市场主体", exact=True).click()
    page.get_by_role("link", name="存量导入").click()
    expect(page.get_by_role("heading", name="存量市场主体导入")).to_be_visible()
    expect(page.locator("form.card")).to_contain_text("第一行为表头：统一社会信用代码、名称、主体类型")

    # Not a workbook: refused on the form.
    page.get_by_label("导入文件（.xlsx）").set_input_files(
        files=[{"name": "名录.csv", "mimeType": "text/csv", "buffer": "统一社会信用代码,名称\n".encode()}]
    )
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("[data-field=file] .field-errors")).to_have_text("请上传 .xlsx 格式的导入文件。")

    # Good and bad rows together: every bad row is named, and nothing is imported.
    upload(page, "存量名录.xlsx", workbook(good_rows() + bad_rows))
    expect(page.get_by_role("heading", name="导入：存量名录.xlsx")).to_be_visible()
    expect(page.locator("#import-state")).to_have_text("有错误，未导入")
    expect(page.locator("#import-status")).to_contain_text("已处理 7 / 7 行 · 已导入 0 行")
    errors = [row.locator("td").all_inner_texts() for row in page.locator("#import-errors tbody tr").all()]
    assert errors == [
        ["第 5 行", "统一社会信用代码", "统一社会信用代码校验位不正确。"],
        ["第 6 行", "主体类型", "主体类型“有限公司”无效，应为：" + "、".join(EntityType.labels) + "。"],
        ["第 7 行", "成立日期", "成立日期无效（格式 2024-01-31，不能晚于今天）。"],
        ["第 7 行", "联系电话", "联系电话应为 11 位手机号码。"],
        ["第 8 行", "统一社会信用代码", "与第 2 行重复。"],
    ]
    assert MarketEntity.objects.count() == before
    assert not MarketEntity.objects.filter(credit_code=credit_code(1)).exists()

    # The corrected workbook (the bad rows fixed) imports every row.
    fixed = [list(row) for row in bad_rows]
    fixed[0][0] = credit_code(4)
    fixed[1][2] = "有限责任公司"
    fixed[2][8], fixed[2][11] = "2020-01-01", "13812340006"
    fixed[3][0] = credit_code(7)
    page.get_by_role("link", name="返回导入").click()
    expect(page.locator("table").last).to_contain_text("有错误，未导入")
    upload(page, "存量名录（已更正）.xlsx", workbook(good_rows() + fixed))
    expect(page.locator("#import-state")).to_have_text("导入完成")
    expect(page.locator("#import-status")).to_contain_text("已处理 7 / 7 行 · 已导入 7 行")
    expect(page.locator("#import-errors")).to_have_count(0)
    assert MarketEntity.objects.count() == before + 7
    record = EntityImport.objects.get(original_name="存量名录（已更正）.xlsx")
    assert (record.state, record.imported_rows) == (EntityImport.State.DONE, 7)

    # In the register, with the legal representative's ID number masked.
    page.goto(base + "/enterprises/?q=导入一号")
    row = page.locator(f"tr[data-entity='{credit_code(1)}']")
    expect(row).to_contain_text("清源县导入一号农业有限公司")
    expect(row).to_contain_text("110105********002X")
    expect(row).to_contain_text("2019-04-01")
    assert ID_NUMBER not in page.content()
    page.goto(f"{base}/enterprises/?q={credit_code(3)}")
    expect(page.locator(f"tr[data-entity='{credit_code(3)}'] .badge")).to_have_text("已注销")
    assert MarketEntity.objects.get(credit_code=credit_code(3)).status == EntityStatus.DEREGISTERED

    # The figures count them: the 2019 company is in the stock at the end of 2019, the 2022 exit in 2022.
    login(page, base, "t_supervisor")
    page.goto(base + "/enterprises/figures/?start=2019-01-01&end=2019-12-31")
    assert figure(page, "entities_new") == drill(page, "entities_new", "新登记市场主体") >= 1
    page.goto(base + "/enterprises/figures/?start=2022-01-01&end=2022-12-31")
    assert figure(page, "entities_deregistered") == drill(page, "entities_deregistered", "注销市场主体") >= 1

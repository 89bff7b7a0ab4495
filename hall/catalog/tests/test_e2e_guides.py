"""Browser test of the public guides: search, open a guide, see its materials and decode its QR code."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

zxingcpp = pytest.importorskip("zxingcpp")  # dev-only QR decoder (requirements-dev.txt)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Rasterise the SVG <img> on a canvas and return its pixels as grayscale bytes.
READ_QR_PIXELS = """(img) => {
  const size = 480;
  const canvas = document.createElement('canvas');
  canvas.width = size; canvas.height = size;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, size, size);
  ctx.drawImage(img, 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const gray = new Array(size * size);
  for (let i = 0; i < size * size; i++) {
    gray[i] = Math.round((rgba[4 * i] + rgba[4 * i + 1] + rgba[4 * i + 2]) / 3);
  }
  return {size, gray};
}"""


@pytest.fixture
def _page(demo_people, browser_page) -> Page:
    # demo_people first: the demo catalog is seeded before the browser's event loop runs.
    return browser_page


def test_citizen_searches_opens_a_guide_and_its_qr_code_decodes_to_it(_page, live_server):
    page = _page
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox", name="搜索办事指南").fill("食品经营")
    page.get_by_role("button", name="搜索指南").click()

    expect(page.locator("h1")).to_have_text("办事指南")
    results = page.locator("table.guide-results")
    expect(results).to_contain_text("食品经营许可")
    page.get_by_role("link", name="食品经营许可", exact=True).click()

    expect(page.locator("h1")).to_have_text("食品经营许可")
    materials = page.locator("table.guide-materials")
    expect(materials).to_contain_text("食品经营许可申请书")
    expect(materials).to_contain_text("营业执照复印件")
    expect(page.get_by_role("link", name="在线办理")).to_have_attribute(
        "href", "/apply/" + page.url.split("/")[-2] + "/"
    )

    qr = page.locator("img[data-guide-qr]")
    expect(qr).to_be_visible()
    page.wait_for_function("() => document.querySelector('img[data-guide-qr]').naturalWidth > 0")
    pixels = qr.evaluate(READ_QR_PIXELS)
    size = pixels["size"]
    image = memoryview(bytes(pixels["gray"])).cast("B", (size, size))
    decoded = zxingcpp.read_barcodes(image)
    assert [barcode.text for barcode in decoded] == [page.url]


def test_guide_filters_by_theme_and_immediate(_page, live_server):
    page = _page
    page.goto(live_server.url + "/guide/")
    page.get_by_role("link", name="新生儿出生").click()
    results = page.locator("table.guide-results")
    expect(results).to_contain_text("出生医学证明办理")
    expect(results).not_to_contain_text("食品经营许可")
    page.get_by_label("只看即办件").check()
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(results).to_contain_text("即办")

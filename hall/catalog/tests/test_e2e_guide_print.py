"""A printed guide (办事指南) is a compact leaflet: few sheets, the QR code on the first one."""

from __future__ import annotations

import re

import pytest
from django.db.models import Count

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page

from hall.catalog.models import MatterVersion

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MM = 96 / 25.4  # CSS pixels per millimetre


@pytest.fixture
def _page(demo_people, browser_page) -> Page:
    # demo_people first: the demo catalog is seeded before the browser's event loop runs.
    return browser_page


def test_a_printed_guide_takes_at_most_one_sheet_per_section_plus_one(_page, live_server):
    version = (
        MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED)
        .annotate(n=Count("materials"))
        .order_by("-n", "pk")
        .select_related("matter")
        .first()
    )
    assert version.n >= 3
    page = _page
    page.goto(f"{live_server.url}/guide/{version.matter.code}/")
    sections = page.locator("main section.card h2").count()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    sheets = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= sheets <= sections + 1, f"{sheets} sheets for {sections} sections"

    # The QR code sits on the first sheet: in print layout at A4's printable width, its box ends
    # above the first sheet's printable height (297 mm less the page margins).
    page.set_viewport_size({"width": round((210 - 24) * MM), "height": 1000})
    page.emulate_media(media="print")
    qr = page.locator("[data-guide-qr]").bounding_box()
    assert qr["y"] + qr["height"] < (297 - 26) * MM
    assert page.locator("h1").bounding_box()["y"] < 30 * MM

"""axe-core over the main pages of every role (and of visitors): no serious or critical violation.

axe-core is injected by ``axe-playwright-python`` (requirements-dev.txt) into the real pages that
headless Chromium renders from the live server, with the demo data and one application in hand.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals import services
from approvals.tests.conftest import applicant
from approvals.tests.factories import MaterialFactory, MatterVersionFactory
from hall.catalog.models import MatterVersion

pytest.importorskip("playwright.sync_api")
from hall.tests.browser import login

axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")  # dev-only (requirements-dev.txt)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}


@pytest.fixture
def _application(demo_people):
    version = MatterVersionFactory(department=demo_people["approver"].department, name="食品经营许可（无障碍测试）")
    MaterialFactory(version=version, name="食品经营许可申请书", sort_order=1)
    MaterialFactory(version=version, name="经营场所使用证明", may_be_missing=True, sort_order=2)
    app = services.application_receive(
        version=version,
        applicant=applicant(),
        by=demo_people["clerk"],
        materials=[services.MaterialState(material_id=m.pk, state="provided") for m in version.materials.all()],
        applicant_user=demo_people["public"],
    )
    return services.application_accept(application=app, by=demo_people["clerk"])


def _pages_by_role(app) -> dict[str, list[str]]:
    guide = MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED).select_related("matter").first()
    detail = reverse("application_detail", args=[app.number])
    return {
        "": [
            reverse("portal"),
            reverse("guide_search"),
            reverse("guide_search") + "?q=许可",
            reverse("guide_detail", args=[guide.matter.code]),
            reverse("track"),
            reverse("login"),
        ],
        "clerk": [
            reverse("workbench"),
            reverse("application_list"),
            detail,
            reverse("application_notice", args=[app.number, "acceptance"]),
        ],
        "approver": [reverse("backoffice"), detail],
        "inspector": [reverse("inspections")],
        "supervisor": [reverse("dashboard"), reverse("catalog_home"), reverse("application_extensions")],
        "leader": [reverse("leader_home")],
        "admin": [reverse("system_home")],
        "public": [reverse("portal"), reverse("my_applications"), detail],
    }


def test_main_pages_of_every_role_have_no_serious_accessibility_violation(_application, browser_page, live_server):
    axe = axe_module.Axe()
    page = browser_page
    found = []
    for role, urls in _pages_by_role(_application).items():
        page.context.clear_cookies()
        if role:
            login(page, live_server.url, f"t_{role}")
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response.status == 200, f"{role or '访客'} {url}: {response.status}"
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in BLOCKING:
                    targets = [node["target"] for node in violation["nodes"][:3]]
                    found.append(f"{role or '访客'} {url}: {violation['id']} ({violation['impact']}) {targets}")
    assert not found, "\n".join(found)


def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")

"""Guide pages (public), the QR code, and the staff catalog pages and their permissions."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hall.catalog.models import MatterVersion
from hall.catalog.spreadsheet import catalog_workbook, export_versions
from hall.catalog.tests.factories import MaterialFactory, publishable_draft, published_version

pytestmark = pytest.mark.django_db


def test_guide_search_and_detail_are_public(client):
    version = published_version(name="公共场所卫生许可", keywords="美容美发")
    MaterialFactory(version=version, name="从业人员健康证明", may_be_missing=True)
    page = client.get("/guide/", {"q": "美容"})
    assert page.status_code == 200
    assert "公共场所卫生许可" in page.content.decode()
    detail = client.get(f"/guide/{version.matter.code}/").content.decode()
    assert "从业人员健康证明" in detail and "可容缺" in detail
    assert f"/guide/{version.matter.code}/qr.svg" in detail
    assert f'href="/apply/{version.matter.code}/"' in detail  # depth Ⅲ and online handling
    assert client.get(f"/guide/{publishable_draft().matter.code}/").status_code == 404


def test_no_apply_link_below_depth_three(client):
    version = published_version(online_depth="2")
    assert "/apply/" not in client.get(f"/guide/{version.matter.code}/").content.decode()


def test_qr_code_is_svg_of_the_absolute_guide_url(client):
    version = published_version()
    response = client.get(f"/guide/{version.matter.code}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert f"http://testserver/guide/{version.matter.code}/".encode() in response.content
    assert client.get("/guide/NOPE/qr.svg").status_code == 404


def test_guide_search_query_count_does_not_grow(client):
    published_version()
    with CaptureQueriesContext(connection) as few:
        client.get("/guide/")
    for _ in range(12):
        published_version()
    with CaptureQueriesContext(connection) as many:
        client.get("/guide/")
    assert len(many) == len(few)


def test_portal_links_to_the_guide_search(client, db):
    assert 'action="/guide/"' in client.get("/").content.decode()


@pytest.mark.parametrize("role", ["public", "clerk", "approver"])
def test_staff_pages_refuse_other_roles(client, demo_people, role):
    client.force_login(demo_people[role])
    for url in ("/catalog/", "/catalog/stats/", "/catalog/spreadsheet/", "/catalog/spreadsheet/export.xlsx"):
        assert client.get(url).status_code == 403, url


def test_staff_pages_for_supervisor(client, demo_people):
    client.force_login(demo_people["supervisor"])
    home = client.get("/catalog/").content.decode()
    assert "事项清单" in home
    stats = client.get("/catalog/stats/").content.decode()
    assert "时限压缩率" in stats and "减材料" in stats
    export = client.get("/catalog/spreadsheet/export.xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_leader_reads_but_cannot_import_or_publish(client, demo_people):
    client.force_login(demo_people["leader"])
    assert client.get("/catalog/stats/").status_code == 200
    upload = io.BytesIO(catalog_workbook(export_versions()))
    upload.name = "catalog.xlsx"
    assert client.post("/catalog/spreadsheet/", {"file": upload}).status_code == 403
    version = MatterVersion.objects.filter(status="published").first()
    assert client.post(f"/catalog/versions/{version.pk}/new-draft/").status_code == 403


def test_publish_from_the_catalog_page_shows_each_problem(client, demo_people):
    client.force_login(demo_people["supervisor"])
    draft = publishable_draft(promised_limit_days=99)
    response = client.post(f"/catalog/versions/{draft.pk}/publish/", follow=True)
    assert "承诺办结时限" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_upload_with_errors_shows_sheet_row_and_column(client, demo_people):
    client.force_login(demo_people["admin"])
    upload = io.BytesIO(b"garbage")
    upload.name = "catalog.xlsx"
    response = client.post("/catalog/spreadsheet/", {"file": upload})
    assert response.status_code == 400
    assert "无法读取文件" in response.content.decode()


def test_admin_shows_published_versions_read_only(client, demo_people):
    client.force_login(demo_people["admin"])
    demo_people["admin"].is_staff = demo_people["admin"].is_superuser = True
    demo_people["admin"].save()
    version = MatterVersion.objects.filter(status="published").first()
    page = client.get(f"/admin/catalog/matterversion/{version.pk}/change/")
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()
    draft = publishable_draft()
    assert 'name="name"' in client.get(f"/admin/catalog/matterversion/{draft.pk}/change/").content.decode()


def test_guide_search_counts_the_matters_of_each_theme_service(client, demo_people):
    from hall.catalog.models import ThemeService

    page = client.get("/guide/").content.decode()
    for theme in ThemeService.objects.filter(is_active=True):
        assert f"{theme.name}</a>" in page
        assert f"{theme.matters.count()} 个事项" in page

"""The public pages (portal, guides, guide search, tracking) at a constant query count and cached
for visitors without a session, invalidated exactly when what they show changes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hall.catalog.models import MatterVersion
from hall.catalog.services import matter_version_new_draft, matter_version_publish, matter_version_update_draft
from hall.catalog.tests.factories import MaterialFactory, ProcessStepFactory, SubItemFactory, published_version
from hall.models import Site, User, Zone
from hall.public_cache import HIT_HEADER
from hall.services.accounts import user_create

pytestmark = pytest.mark.django_db


def _public_urls(version: MatterVersion) -> list[str]:
    return ["/", "/guide/", "/guide/?q=许可", f"/guide/{version.matter.code}/", "/track/"]


def _grow_catalog(n: int) -> None:
    for i in range(n):
        version = published_version(name=f"食品经营许可扩充{i}", keywords="许可")
        for j in range(3):
            MaterialFactory(version=version, name=f"材料{j}")
        SubItemFactory(version=version)
        ProcessStepFactory(version=version, order=2, name="审查")


def _uncached_queries(url: str) -> int:
    client = Client()
    client.cookies["messages"] = "x"  # a pending message: never served from the cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_public_pages_cost_a_constant_small_number_of_queries_and_none_when_cached(demo_people):
    version = published_version(name="食品经营许可（查询计数）", keywords="许可")
    MaterialFactory(version=version, name="申请书")
    urls = _public_urls(version)
    few = {url: _uncached_queries(url) for url in urls}
    _grow_catalog(15)
    site = Site.objects.first()
    for i in range(5):
        Zone.objects.create(site=site, name=f"扩充专区{i}", sort_order=90 + i)
    many = {url: _uncached_queries(url) for url in urls}
    assert many == few
    assert max(few.values()) <= 12, few

    anonymous = Client()
    for url in urls:
        first = anonymous.get(url)
        assert first.status_code == 200 and first[HIT_HEADER] == "miss"
        with CaptureQueriesContext(connection) as queries:
            again = anonymous.get(url)
        assert again[HIT_HEADER] == "hit" and len(queries) == 0, url
        assert again.content.replace(b"\n", b"") and again["Content-Type"].startswith("text/html")


@pytest.mark.django_db(transaction=True)
def test_publishing_a_new_version_shows_at_once_and_draft_edits_do_not_invalidate(client):
    version = published_version(name="旧名称的许可事项", keywords="许可")
    url = f"/guide/{version.matter.code}/"
    assert "旧名称的许可事项" in client.get(url).content.decode()
    assert client.get(url)[HIT_HEADER] == "hit"
    assert "旧名称的许可事项" in client.get("/guide/?q=许可").content.decode()

    draft = matter_version_new_draft(matter=version.matter, by=None)
    matter_version_update_draft(version=draft, by=None, name="新名称的许可事项")
    assert client.get(url)[HIT_HEADER] == "hit"  # a draft is invisible: the cache stays

    matter_version_publish(version=draft, by=None)
    response = client.get(url)
    assert response[HIT_HEADER] == "miss"
    html = response.content.decode()
    assert "新名称的许可事项" in html and "旧名称的许可事项" not in html
    assert "新名称的许可事项" in client.get("/guide/?q=许可").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_site_or_zone_change_refreshes_the_portal(client, demo_people):
    site = Site.objects.first()
    client.get("/")
    assert client.get("/")[HIT_HEADER] == "hit"
    Zone.objects.create(site=site, name="新设不动产登记专区", sort_order=99)
    response = client.get("/")
    assert response[HIT_HEADER] == "miss" and "新设不动产登记专区" in response.content.decode()


def test_an_anonymous_cached_page_never_holds_a_logged_in_users_name(demo_people):
    citizen = user_create(
        username="13911112222",
        password="Demo@2026",
        full_name="欧阳缓存",
        role=User.Role.PUBLIC,
        phone="13911112222",
        id_number="110105198001010016",
    )
    version = published_version(name="缓存隔离测试事项")
    for url in _public_urls(version):
        signed_in = Client()
        signed_in.force_login(citizen)
        own = signed_in.get(url)
        assert own.status_code == 200 and HIT_HEADER not in own
        assert "欧阳缓存" in own.content.decode(), url
        for _ in range(2):  # the miss that stores the page, then the hit
            anonymous = Client().get(url).content.decode()
            assert "欧阳缓存" not in anonymous, url
        again = signed_in.get(url)
        assert HIT_HEADER not in again and "欧阳缓存" in again.content.decode()


def test_a_cached_tracking_form_carries_each_visitors_own_csrf_token(demo_people):
    Client().get("/track/")
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/track/")
    assert page[HIT_HEADER] == "hit"
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert "\x00" not in token and len(token) == 64
    response = visitor.post(
        "/track/", {"csrfmiddlewaretoken": token, "number": "2026000000000001", "phone": "13700000007"}
    )
    assert response.status_code == 404  # checked, not refused by the CSRF check (403)

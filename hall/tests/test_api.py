"""The hall's API: permissions, masked personal data, clear 400s, constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from hall.tests.factories import SiteFactory, WindowFactory, ZoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_me_requires_login(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 403


def test_me_masks_personal_data(api, demo_people):
    citizen = demo_people["public"]
    api.force_authenticate(citizen)
    data = api.get("/api/v1/me/").json()
    assert data["role_display"] == "群众/企业"
    assert data["id_number"] == "110105********002X"
    assert data["phone"] == citizen.phone[:3] + "****" + citizen.phone[-4:]


def test_sites_list_runs_a_constant_number_of_queries(api):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/api/v1/sites/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()

    site = SiteFactory()
    WindowFactory(zone=ZoneFactory(site=site))
    few, _ = count_queries()
    for _ in range(5):
        zone = ZoneFactory(site=SiteFactory())
        for _ in range(4):
            WindowFactory(zone=zone)
    many, data = count_queries()
    assert data["count"] == 6
    assert few == many


def test_sites_show_zones_and_windows(api, demo_people):
    data = api.get("/api/v1/sites/", {"level": "county"}).json()
    hall = data["results"][0]
    assert hall["name"] == "清源县政务服务中心"
    zone_names = [z["name"] for z in hall["zones"]]
    assert zone_names == ["综合受理", "企业开办专区", "工改专区", "快捷即办", "办不成事反映窗口"]
    assert hall["zones"][0]["windows"][0]["status_display"] == "开放"


def test_departments_list_with_sections(api, demo_people):
    data = api.get("/api/v1/departments/").json()
    names = [d["name"] for d in data["results"]]
    assert "清源县市场监督管理局" in names
    market = next(d for d in data["results"] if d["short_name"] == "市场监管")
    assert [s["name"] for s in market["sections"]] == ["登记注册股", "食品生产经营许可股"]


def test_working_days_add(api, demo_people):
    api.force_authenticate(demo_people["clerk"])
    data = api.get("/api/v1/calendar/working-days/", {"start": "2026-09-30", "n": 1}).json()
    assert data["result_date"] == "2026-10-08"
    assert data["warnings"] == []


def test_working_days_between_and_fallback_warning(api, demo_people):
    api.force_authenticate(demo_people["clerk"])
    data = api.get("/api/v1/calendar/working-days/", {"start": "2026-12-31", "end": "2027-01-08"}).json()
    assert data["working_days"] == 6
    assert "2027 年尚未载入法定节假日安排" in data["warnings"][0]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, "start", "请提供起始日期 start（YYYY-MM-DD）。"),
        ({"start": "2026-02-30", "n": 1}, "start", None),
        ({"start": "2026-09-30"}, "n", "请提供工作日数 n，或截止日期 end。"),
        ({"start": "2026-09-30", "n": -1}, "n", None),
        ({"start": "2026-09-30", "n": "abc"}, "n", None),
    ],
)
def test_working_days_bad_input_is_a_400_per_field(api, demo_people, params, field, message):
    api.force_authenticate(demo_people["clerk"])
    response = api.get("/api/v1/calendar/working-days/", params)
    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    if message:
        assert errors[field] == [message]


def test_openapi_schema_and_offline_swagger(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/calendar/working-days/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in docs  # served from our static files, not a CDN
    assert "cdn" not in docs.lower()


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}

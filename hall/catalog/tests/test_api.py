"""The catalog API: public search and detail, staff drafts and publishing, errors and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from hall.catalog.models import MatterVersion
from hall.catalog.tests.factories import (
    MaterialFactory,
    ThemeServiceFactory,
    publishable_draft,
    published_version,
)
from hall.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return APIClient()


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_is_public_shows_only_published_and_filters(client):
    department = DepartmentFactory()
    food = published_version(name="食品经营许可", keywords="餐饮", department=department)
    published_version(name="取水许可", online_depth="2")
    publishable_draft(name="食品草稿")
    theme = ThemeServiceFactory(code="WYKCG")
    theme.matters.add(food.matter)

    data = client.get("/api/v1/matters/").json()
    assert data["count"] == 2
    assert {r["name"] for r in data["results"]} == {"食品经营许可", "取水许可"}
    for query, expected in [
        ("q=餐饮", {"食品经营许可"}),
        (f"q={food.matter.code}", {"食品经营许可"}),
        (f"department={department.pk}", {"食品经营许可"}),
        ("theme=WYKCG", {"食品经营许可"}),
        ("online_depth=2", {"取水许可"}),
        ("service_object=2", {"食品经营许可", "取水许可"}),
        ("service_object=1", set()),
        ("immediate=true", set()),
    ]:
        assert {r["name"] for r in client.get(f"/api/v1/matters/?{query}").json()["results"]} == expected, query


def test_list_rejects_bad_facets_with_400(client):
    response = client.get("/api/v1/matters/?online_depth=9&matter_type=xx")
    assert response.status_code == 400
    assert set(response.json()) == {"online_depth", "matter_type"}


def test_list_api_query_count_does_not_grow_with_matters(client):
    for _ in range(2):
        published_version()
    few = _count_queries(client, "/api/v1/matters/")
    for _ in range(15):
        MaterialFactory(version=published_version())
    assert _count_queries(client, "/api/v1/matters/") == few


def test_detail_returns_current_version_with_materials_and_steps(client):
    version = published_version(name="教师资格认定")
    MaterialFactory(version=version, name="学历证书", may_be_missing=True)
    data = client.get(f"/api/v1/matters/{version.matter.code}/").json()
    assert data["name"] == "教师资格认定" and data["version"] == 1
    assert {m["name"] for m in data["materials"]} == {"申请书", "学历证书"}
    assert data["steps"][0]["name"] == "受理"
    assert client.get("/api/v1/matters/NOPE/").status_code == 404
    draft_only = publishable_draft()
    assert client.get(f"/api/v1/matters/{draft_only.matter.code}/").status_code == 404


@pytest.mark.parametrize("role", [None, "public", "clerk", "leader"])
def test_staff_endpoints_refuse_citizens_and_other_roles(client, demo_people, role):
    if role:
        client.force_authenticate(demo_people[role])
    version = MatterVersion.objects.filter(status="published").first()
    assert client.get("/api/v1/catalog/versions/").status_code == 403
    assert client.post("/api/v1/catalog/versions/", {}, format="json").status_code == 403
    assert client.post(f"/api/v1/catalog/versions/{version.pk}/retire/").status_code == 403
    assert client.post(f"/api/v1/matters/{version.matter.code}/new-version/").status_code == 403


def test_supervisor_drafts_edits_and_publishes_through_the_api(client, demo_people):
    client.force_authenticate(demo_people["supervisor"])
    department = DepartmentFactory()
    bad = client.post(
        "/api/v1/catalog/versions/",
        {"code": "API-1", "name": "", "matter_type": "99", "department": department.pk},
        format="json",
    )
    assert bad.status_code == 400
    assert {"name", "matter_type", "legal_limit_days"} <= set(bad.json())

    created = client.post(
        "/api/v1/catalog/versions/",
        {
            "code": "API-1",
            "name": "接口事项",
            "matter_type": "01",
            "department": department.pk,
            "legal_limit_days": 10,
            "promised_limit_days": 20,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    refused = client.post(f"/api/v1/catalog/versions/{pk}/publish/")
    assert refused.status_code == 400
    body = refused.json()
    assert "承诺办结时限" in body["promised_limit_days"][0]
    assert {"legal_basis", "place", "materials", "steps"} <= set(body)

    version = MatterVersion.objects.get(pk=pk)
    ok = publishable_draft()
    patched = client.patch(
        f"/api/v1/catalog/versions/{pk}/",
        {
            "promised_limit_days": 5,
            "legal_basis": "《行政许可法》",
            "acceptance_conditions": "齐全",
            "result_name": "许可证",
            "service_objects": ["2"],
            "handling_forms": ["1"],
            "place": "大厅",
            "hours": "工作日",
            "consultation_phone": "0317-1",
            "supervision_phone": "0317-2",
            "site_visit_reason": "核验原件",
        },
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    ok.materials.update(version=version)
    ok.steps.update(version=version)
    published = client.post(f"/api/v1/catalog/versions/{pk}/publish/")
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"

    frozen = client.patch(f"/api/v1/catalog/versions/{pk}/", {"name": "改名"}, format="json")
    assert frozen.status_code == 400 and "不能修改" in frozen.json()["status"][0]
    new = client.post("/api/v1/matters/API-1/new-version/")
    assert new.status_code == 201 and new.json()["version"] == 2
    assert client.post("/api/v1/matters/API-1/new-version/").status_code == 400


def test_schema_documents_the_catalog_endpoints(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/matters/" in schema["paths"]
    assert "/api/v1/matters/{code}/" in schema["paths"]
    assert "/api/v1/catalog/versions/{id}/publish/" in schema["paths"] or any("publish" in p for p in schema["paths"])

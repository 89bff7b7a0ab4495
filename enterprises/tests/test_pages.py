"""Pages, API and import: bad input gets a clear 4xx and changes nothing."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from enterprises.models import EntityImport, MarketEntity, StartupBundle
from enterprises.services import HEADERS, entity_import_run, entity_register
from enterprises.tests.conftest import REGISTRATION

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(demo_people):
    from hall.models import Site

    return Site.objects.select_related("division").get(level=Site.Level.COUNTY)


def _login(client, user):
    client.force_login(user)
    return client


def _workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _row(code, name="清源县甲商店"):
    return [
        code,
        name,
        "个体工商户",
        "张三",
        "11010519491231002X",
        0,
        "清源县人民路 1 号",
        "F",
        "2020-05-01",
        "存续",
        None,
        None,
    ]


def _import(content, by, site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    record = EntityImport.objects.create(
        file=SimpleUploadedFile("entities.xlsx", content), original_name="entities.xlsx", uploaded_by=by
    )
    return entity_import_run(entity_import=record, site=site, by=by)


def test_import_is_all_or_nothing_with_errors_by_row(demo_people, site, settings, tmp_path):
    good = "91440300708461136T"
    wrong_check = "91110000802100433A"
    content = _workbook([_row(good), _row(wrong_check, "乙商店"), _row(good, "丙商店")])
    record = _import(content, demo_people["supervisor"], site, settings, tmp_path)
    assert record.state == EntityImport.State.REJECTED
    messages = {(e["row"], e["message"]) for e in record.errors}
    assert (3, "统一社会信用代码校验位不正确。") in messages
    assert (4, "与第 2 行重复。") in messages
    assert not MarketEntity.objects.exists()
    record = _import(
        _workbook([_row(good), _row("91330100716105852F", "丁商店")]),
        demo_people["supervisor"],
        site,
        settings,
        tmp_path,
    )
    assert record.state == EntityImport.State.DONE and record.imported_rows == 2
    assert MarketEntity.objects.count() == 2
    # A code already on the register is refused by row.
    record = _import(_workbook([_row(good, "戊商店")]), demo_people["supervisor"], site, settings, tmp_path)
    assert record.state == EntityImport.State.REJECTED and "已在登记名录中" in record.errors[0]["message"]


def test_intake_page_refuses_bad_input_with_field_messages(client, startup_staff):
    _login(client, startup_staff["intake"])
    assert client.get("/startup/new/").status_code == 200
    response = client.post(
        "/startup/new/", {**REGISTRATION, "legal_representative_id_number": "110105194912310021", "phone": "123"}
    )
    assert response.status_code == 400
    assert "身份证号码校验位不正确" in response.content.decode()
    assert not StartupBundle.objects.exists()


def test_change_to_a_deregistered_entity_is_a_400(client, demo_people, site):
    entity = entity_register(
        data=dict(REGISTRATION), site=site, by=demo_people["supervisor"], registered_on=date(2025, 1, 1)
    )
    MarketEntity.objects.filter(pk=entity.pk).update(status="deregistered", deregistered_on=date(2026, 1, 1))
    _login(client, demo_people["clerk"])
    response = client.post(f"/enterprises/{entity.pk}/act/change/", {"name": "新名称有限公司"})
    assert response.status_code == 400
    assert "已注销，不能办理变更登记" in response.content.decode()
    response = client.post(
        f"/api/v1/enterprises/{entity.pk}/changes/",
        {"changes": {"name": "新名称有限公司"}},
        content_type="application/json",
    )
    assert response.status_code == 400 and "entity" in response.json()
    entity.refresh_from_db()
    assert entity.name == REGISTRATION["name"]


def test_register_pages_and_api_mask_id_numbers_and_guard_roles(client, demo_people, site):
    entity_register(data=dict(REGISTRATION), site=site, by=demo_people["supervisor"])
    _login(client, demo_people["clerk"])
    page = client.get("/enterprises/?q=星河").content.decode()
    assert "110105********002X" in page and "11010519491231002X" not in page
    # The date filters the figures' drill-downs use: a bad date is a 400 with its field's message.
    response = client.get("/enterprises/?dormant_from=2026-13-01&deregistered_to=昨天")
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"dormant_from", "deregistered_to"}
    assert "有效的日期" in response.content.decode()
    data = client.get("/api/v1/enterprises/?q=星河").json()
    assert data[0]["legal_representative_id_number"] == "110105********002X"
    _login(client, demo_people["public"])
    assert client.get("/enterprises/").status_code == 403
    assert client.get("/api/v1/enterprises/").status_code == 403
    _login(client, demo_people["leader"])
    response = client.get("/enterprises/figures/?start=2026-01-01&end=2026-12-31")
    assert response.status_code == 200 and "计算公式" in response.content.decode()
    assert client.get("/enterprises/figures/?start=2026-12-01&end=2026-01-01").status_code == 400
    assert client.get("/api/v1/enterprises/figures/?start=2026-01-01&end=2026-12-31").status_code == 200


def test_public_notice_and_objection_need_no_login(client, demo_people, site):
    from enterprises.services import deregistration_file

    entity = entity_register(data=dict(REGISTRATION), site=site, by=demo_people["supervisor"])
    record = deregistration_file(
        entity=entity, kind="simple", no_unsettled_debts=True, investors_promise=True, by=demo_people["supervisor"]
    )
    assert REGISTRATION["name"] in client.get("/public/deregistration-notices/").content.decode()
    response = client.post(
        f"/public/deregistration-notices/{record.pk}/objection/",
        {"objector_name": "李", "objector_phone": "1", "reason": ""},
    )
    assert response.status_code == 400
    response = client.post(
        f"/api/v1/public/deregistration-notices/{record.pk}/objections/",
        {"objector_name": "某债权人", "objector_phone": "13912345678", "reason": "尚有货款未结清"},
        content_type="application/json",
    )
    assert response.status_code == 201
    entity.refresh_from_db()
    assert entity.status == "active"


def test_register_list_query_count_does_not_grow_with_rows(client, demo_people, site, django_assert_max_num_queries):
    from enterprises.load import generate_entities

    _login(client, demo_people["clerk"])
    generate_entities(count=5, years=2, seed=1)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/enterprises/").status_code == 200
    generate_entities(count=40, years=2, seed=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/enterprises/").status_code == 200


def test_admin_pages_open(client, demo_people):
    _login(client, demo_people["admin"])
    for name in ("marketentity", "startupbundle", "registrationact"):
        assert client.get(f"/admin/enterprises/{name}/").status_code == 200
    # The opening hours the 企业开办 clock runs on are the hall's table.
    assert client.get("/admin/hall/openingperiod/").status_code == 200


def test_import_upload_task_and_progress_page(
    client, demo_people, settings, tmp_path, django_capture_on_commit_callbacks
):
    from enterprises.tasks import run_entity_import

    settings.MEDIA_ROOT = tmp_path
    _login(client, demo_people["clerk"])
    bad = SimpleUploadedFile("entities.csv", b"a,b")
    assert client.post("/enterprises/import/", {"file": bad}).status_code == 400
    upload = SimpleUploadedFile("entities.xlsx", _workbook([_row("91440300708461136T")]))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/enterprises/import/", {"file": upload})
    assert response.status_code == 302 and len(callbacks) == 1
    record = EntityImport.objects.get()
    assert run_entity_import.apply(args=[record.pk]).get() == EntityImport.State.DONE
    assert run_entity_import.apply(args=[record.pk]).get() == EntityImport.State.DONE  # idempotent
    assert MarketEntity.objects.count() == 1
    page = client.get(f"/enterprises/import/{record.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "导入完成" in page and "hx-trigger" not in page

"""吊销营业执照 (revocation) as a recorded act, 吊销后普通注销, and 普通注销 run as a plain application
(办件) whose approval deregisters the entity with the act linked to it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from approvals import services as approvals
from approvals.models import ApplicantType, ApplicationMaterial, Status
from approvals.tests.factories import MaterialFactory, MatterVersionFactory
from enterprises.models import ActKind, Deregistration, EntityFlow, EntityStatus, MarketEntity
from enterprises.services import deregistration_file, entity_register, entity_revoke
from enterprises.tests.conftest import REGISTRATION
from hall.models import User

pytestmark = pytest.mark.django_db
DECISION = "清市监处罚〔2026〕12号"


@pytest.fixture
def site(demo_people):
    from hall.models import Site

    return Site.objects.select_related("division").get(level=Site.Level.COUNTY)


@pytest.fixture
def company(site, demo_people):
    return entity_register(
        data=dict(REGISTRATION, contact_phone="13812345678"),
        site=site,
        by=demo_people["supervisor"],
        registered_on=date(2025, 1, 1),
    )


def _exits() -> int:
    return sum(EntityFlow.objects.values_list("deregistered", flat=True))


def test_revocation_is_a_history_act_and_leaves_the_stock(company, demo_people):
    entity_revoke(
        entity=company, decision_number=DECISION, reason="成立后无正当理由超过六个月未开业", by=demo_people["clerk"]
    )
    company.refresh_from_db()
    assert company.status == EntityStatus.REVOKED and company.deregistered_on is not None
    act = company.acts.get(kind=ActKind.REVOKE)
    assert act.changes == {"decision_number": DECISION} and DECISION in act.note
    assert act.actor == demo_people["clerk"]
    assert _exits() == 1
    # A second revocation, a change or a 简易注销 of a revoked entity: refused, nothing changes.
    with pytest.raises(ValidationError, match="已吊销"):
        entity_revoke(entity=company, decision_number=DECISION, reason="重复的吊销决定", by=demo_people["clerk"])
    with pytest.raises(ValidationError) as exc:
        deregistration_file(
            entity=company, kind="simple", no_unsettled_debts=True, investors_promise=True, by=demo_people["clerk"]
        )
    assert "须办理普通注销" in exc.value.message_dict["kind"][0]
    assert company.acts.count() == 2 and _exits() == 1


def test_ordinary_deregistration_after_revocation_is_not_counted_twice(company, demo_people):
    entity_revoke(entity=company, decision_number=DECISION, reason="长期未经营被吊销", by=demo_people["clerk"])
    revoked_on = MarketEntity.objects.get(pk=company.pk).deregistered_on
    record = deregistration_file(entity=company, kind="ordinary", reason="吊销后注销", by=demo_people["clerk"])
    assert record.state == Deregistration.State.DEREGISTERED
    company.refresh_from_db()
    assert company.status == EntityStatus.DEREGISTERED and company.deregistered_on == revoked_on
    assert list(company.acts.values_list("kind", flat=True)) == [ActKind.ESTABLISH, ActKind.REVOKE, ActKind.DEREGISTER]
    assert _exits() == 1


def test_revocation_bad_input_is_a_400_per_field_and_changes_nothing(client, company, demo_people):
    client.force_login(demo_people["clerk"])
    url = f"/api/v1/enterprises/{company.pk}/revocations/"
    response = client.post(url, {"decision_number": "12", "reason": "无"}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert "行政处罚决定书文号" in str(body["decision_number"]) and "事实和依据" in str(body["reason"])
    assert client.post(url, {}, content_type="application/json").status_code == 400
    page = client.post(f"/enterprises/{company.pk}/act/revoke/", {"decision_number": "", "reason": ""})
    assert page.status_code == 400
    company.refresh_from_db()
    assert company.status == EntityStatus.ACTIVE and not company.acts.filter(kind=ActKind.REVOKE).exists()
    client.force_login(demo_people["leader"])
    assert (
        client.post(
            url, {"decision_number": DECISION, "reason": "无照经营"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.post("/api/v1/enterprises/999999/revocations/", {}, content_type="application/json").status_code in (
        403,
        404,
    )


def test_revocation_through_the_api_and_the_page(client, company, demo_people):
    client.force_login(demo_people["clerk"])
    response = client.post(
        f"/api/v1/enterprises/{company.pk}/revocations/",
        {"decision_number": DECISION, "reason": "提交虚假材料取得登记"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["status"] == EntityStatus.REVOKED
    page = client.get(f"/enterprises/{company.pk}/").content.decode()
    assert "吊销营业执照" in page and "吊销日期" in page and "吊销后注销" in page
    response = client.post(f"/enterprises/{company.pk}/act/deregister/", {"kind": "ordinary", "reason": "吊销后注销"})
    assert response.status_code == 302
    assert MarketEntity.objects.get(pk=company.pk).status == EntityStatus.DEREGISTERED


def _decide_deregistration(company, demo_people, *, name="有限责任公司注销登记"):
    approver = User.objects.get(username="approver01")
    version = MatterVersionFactory(department=approver.department, name=name)
    material = MaterialFactory(version=version, name="注销登记申请书")
    app = approvals.application_receive(
        version=version,
        applicant=approvals.ApplicantData(
            applicant_type=ApplicantType.LEGAL_PERSON,
            name=company.name,
            phone="13812345678",
            credit_code=company.credit_code,
            legal_representative="张三",
        ),
        by=demo_people["clerk"],
        materials=[approvals.MaterialState(material_id=material.pk, state=ApplicationMaterial.State.PROVIDED)],
    )
    app = approvals.application_accept(application=app, by=demo_people["clerk"])
    app = approvals.application_start_review(application=app, by=approver)
    return approvals.application_decide(
        application=app, approved=True, document_number="清市监注〔2026〕3号", by=approver
    )


def test_ordinary_deregistration_as_an_application_links_the_act(company, demo_people):
    app = _decide_deregistration(company, demo_people)
    assert app.status == Status.DECIDED
    company.refresh_from_db()
    assert company.status == EntityStatus.DEREGISTERED
    record = Deregistration.objects.get(entity=company)
    assert record.kind == Deregistration.Kind.ORDINARY and record.application_id == app.pk
    act = company.acts.get(kind=ActKind.DEREGISTER)
    assert act.application_id == app.pk
    assert _exits() == 1


def test_a_deregistration_application_for_an_entity_in_notice_is_refused(company, demo_people):
    deregistration_file(
        entity=company, kind="simple", no_unsettled_debts=True, investors_promise=True, by=demo_people["clerk"]
    )
    with pytest.raises(ValidationError, match="注销公示中"):
        _decide_deregistration(company, demo_people)
    company.refresh_from_db()
    assert company.status == EntityStatus.IN_NOTICE
    assert not company.acts.filter(kind=ActKind.DEREGISTER).exists()

"""变更, 简易注销 with notice/objection/sweep, 歇业 limits and sweep, 个转企: rules and refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from enterprises.models import ActKind, Deregistration, Dormancy, EntityStatus, EntityType, MarketEntity
from enterprises.services import (
    deregistration_file,
    deregistrations_sweep,
    dormancies_sweep,
    dormancy_extend,
    dormancy_file,
    entity_change,
    entity_convert,
    entity_register,
    objection_file,
)
from enterprises.tests.conftest import REGISTRATION

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)


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


@pytest.fixture
def individual(site, demo_people):
    data = dict(REGISTRATION, name="清源县张三便利店", entity_type=EntityType.INDIVIDUAL, registered_capital="0")
    return entity_register(data=data, site=site, by=demo_people["supervisor"], registered_on=date(2025, 1, 1))


def test_change_keeps_before_and_after_in_the_history(company, demo_people):
    entity_change(entity=company, changes={"address": "清源县建设街 8 号"}, by=demo_people["supervisor"])
    act = company.acts.get(kind=ActKind.CHANGE)
    assert act.changes["address"]["before"] == "清源县人民路 100 号"
    assert act.changes["address"]["after"] == "清源县建设街 8 号"


def test_duplicate_code_and_wrong_check_character_are_refused(company, site, demo_people):
    with pytest.raises(ValidationError) as exc:
        entity_register(
            data=dict(REGISTRATION), site=site, credit_code=company.credit_code, by=demo_people["supervisor"]
        )
    assert "已在登记名录中" in exc.value.message_dict["credit_code"][0]
    wrong = company.credit_code[:17] + ("0" if company.credit_code[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        entity_register(data=dict(REGISTRATION), site=site, credit_code=wrong, by=demo_people["supervisor"])
    assert "校验位" in exc.value.message_dict["credit_code"][0]
    assert MarketEntity.objects.count() == 1


def test_simple_deregistration_notice_objection_and_sweep(company, site, demo_people):
    with pytest.raises(ValidationError) as exc:
        deregistration_file(entity=company, kind="simple", by=demo_people["supervisor"], today=TODAY)
    assert set(exc.value.message_dict) == {"no_unsettled_debts", "investors_promise"}
    record = deregistration_file(
        entity=company,
        kind="simple",
        no_unsettled_debts=True,
        investors_promise=True,
        by=demo_people["supervisor"],
        today=TODAY,
    )
    assert record.notice_ends_on == TODAY + timedelta(days=19)
    company.refresh_from_db()
    assert company.status == EntityStatus.IN_NOTICE
    objection_file(
        deregistration=record,
        objector_name="某债权人",
        objector_phone="13912345678",
        reason="尚有货款未结清",
        today=TODAY,
    )
    company.refresh_from_db()
    record.refresh_from_db()
    assert company.status == EntityStatus.ACTIVE and record.state == Deregistration.State.OBJECTED
    # A second one without objection is deregistered by the sweep after 20 days, once.
    second = deregistration_file(
        entity=company,
        kind="simple",
        no_unsettled_debts=True,
        investors_promise=True,
        by=demo_people["supervisor"],
        today=TODAY,
    )
    assert deregistrations_sweep(today=TODAY + timedelta(days=19)) == 0
    assert deregistrations_sweep(today=TODAY + timedelta(days=20)) == 1
    assert deregistrations_sweep(today=TODAY + timedelta(days=21)) == 0
    company.refresh_from_db()
    second.refresh_from_db()
    assert company.status == EntityStatus.DEREGISTERED and company.deregistered_on == TODAY + timedelta(days=20)
    assert second.state == Deregistration.State.DEREGISTERED
    # A change to a deregistered entity is refused and changes nothing.
    with pytest.raises(ValidationError) as exc:
        entity_change(entity=company, changes={"name": "新名称有限公司"}, by=demo_people["supervisor"])
    assert "不能办理变更登记" in exc.value.message_dict["entity"][0]
    company.refresh_from_db()
    assert company.name == REGISTRATION["name"]


def test_individual_business_needs_no_notice(individual, demo_people):
    record = deregistration_file(
        entity=individual, kind="simple", no_unsettled_debts=True, investors_promise=True, by=demo_people["supervisor"]
    )
    individual.refresh_from_db()
    assert record.state == Deregistration.State.DEREGISTERED and individual.status == EntityStatus.DEREGISTERED


def test_dormancy_must_be_filed_before_it_starts_and_stay_within_three_years(company, demo_people):
    by = demo_people["supervisor"]
    with pytest.raises(ValidationError) as exc:
        dormancy_file(entity=company, starts_on=TODAY, ends_on=TODAY + timedelta(days=30), by=by, today=TODAY)
    assert "开始前备案" in exc.value.message_dict["starts_on"][0]
    start = TODAY + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        dormancy_file(entity=company, starts_on=start, ends_on=start.replace(year=start.year + 3), by=by, today=TODAY)
    assert "累计不得超过 3 年" in exc.value.message_dict["ends_on"][0]
    assert not Dormancy.objects.exists()
    first = dormancy_file(entity=company, starts_on=start, ends_on=date(2027, 3, 2), by=by, today=TODAY)
    # An extension filed too early is refused with the dates it may be filed on.
    with pytest.raises(ValidationError) as exc:
        dormancy_extend(dormancy=first, ends_on=date(2028, 3, 2), by=by, today=date(2027, 1, 1))
    assert "期满前 30 日内" in exc.value.message_dict["ends_on"][0]
    # Within the 30 days, but past 3 years in total.
    with pytest.raises(ValidationError) as exc:
        dormancy_extend(dormancy=first, ends_on=date(2029, 3, 10), by=by, today=date(2027, 2, 20))
    assert "累计不得超过 3 年" in exc.value.message_dict["ends_on"][0]
    extension = dormancy_extend(dormancy=first, ends_on=date(2028, 3, 2), by=by, today=date(2027, 2, 20))
    assert extension.extends_id == first.pk


def test_dormancy_sweep_starts_reminds_and_resumes(company, demo_people):
    by = demo_people["supervisor"]
    dormancy = dormancy_file(
        entity=company, starts_on=TODAY + timedelta(days=1), ends_on=TODAY + timedelta(days=40), by=by, today=TODAY
    )
    assert dormancies_sweep(today=TODAY + timedelta(days=1)).started == 1
    company.refresh_from_db()
    assert company.status == EntityStatus.DORMANT
    assert dormancies_sweep(today=TODAY + timedelta(days=32)).reminded == 1
    assert dormancies_sweep(today=TODAY + timedelta(days=33)).reminded == 0
    result = dormancies_sweep(today=TODAY + timedelta(days=41))
    assert result.resumed == 1
    company.refresh_from_db()
    dormancy.refresh_from_db()
    assert company.status == EntityStatus.ACTIVE and dormancy.state == Dormancy.State.ENDED
    assert company.acts.filter(kind=ActKind.RESUME).count() == 1
    assert dormancies_sweep(today=TODAY + timedelta(days=42)).resumed == 0


def test_individual_to_enterprise_links_both_records(individual, site, demo_people):
    enterprise = entity_convert(
        entity=individual,
        data={"entity_type": EntityType.SOLE, "name": "清源县张三商贸个人独资企业"},
        by=demo_people["supervisor"],
        site=site,
    )
    individual.refresh_from_db()
    assert enterprise.converted_from_id == individual.pk and individual.converted_to == enterprise
    assert individual.status == EntityStatus.DEREGISTERED
    assert individual.acts.get(kind=ActKind.CONVERT).related_entity_id == enterprise.pk
    assert enterprise.credit_code.startswith("91")
    with pytest.raises(ValidationError):
        entity_convert(entity=enterprise, data={"entity_type": EntityType.LLC}, by=demo_people["supervisor"], site=site)

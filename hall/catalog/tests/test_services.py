"""Versions of a matter: drafting, the publish rules, immutability, new versions, retiring."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hall.catalog.models import HandlingType, MatterVersion, OnlineDepth
from hall.catalog.selectors import current_version, published_versions
from hall.catalog.services import (
    matter_version_create_draft,
    matter_version_new_draft,
    matter_version_publish,
    matter_version_retire,
    matter_version_update_draft,
)
from hall.catalog.tests.factories import MaterialFactory, SubItemFactory, publishable_draft, published_version
from hall.models import AuditLog
from hall.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db
S = MatterVersion.Status


def test_publishing_a_draft_that_breaks_rules_lists_every_problem_by_field():
    draft = publishable_draft(
        legal_limit_days=10,
        promised_limit_days=12,
        online_depth=OnlineDepth.IV,
        site_visits=1,
        site_visit_reason="",
        is_charged=False,
        supports_online_payment=True,
        supervision_phone="0317-5210001",
        result_name="",
    )
    with pytest.raises(ValidationError) as caught:
        matter_version_publish(version=draft, by=None)
    problems = caught.value.message_dict
    assert "不得超过法定办结时限" in problems["promised_limit_days"][0]
    assert "0 次" in problems["site_visits"][0]
    assert "必须现场办理原因" in problems["site_visit_reason"][0]
    assert "不收费" in problems["supports_online_payment"][0]
    assert "不能与咨询电话相同" in problems["supervision_phone"][0]
    assert "审批结果名称" in problems["result_name"][0]
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert not AuditLog.objects.filter(action="matterversion.publish").exists()


def test_immediate_matter_must_promise_zero_days_and_zero_days_must_be_immediate():
    immediate = publishable_draft(handling_type=HandlingType.IMMEDIATE, promised_limit_days=3)
    with pytest.raises(ValidationError) as caught:
        matter_version_publish(version=immediate, by=None)
    assert "即办件" in caught.value.message_dict["promised_limit_days"][-1]
    promised = publishable_draft(handling_type=HandlingType.PROMISED, promised_limit_days=0)
    with pytest.raises(ValidationError) as caught:
        matter_version_publish(version=promised, by=None)
    assert "handling_type" in caught.value.message_dict


def test_draft_without_materials_or_steps_cannot_be_published():
    from hall.catalog.tests.factories import MatterVersionFactory

    with pytest.raises(ValidationError) as caught:
        matter_version_publish(version=MatterVersionFactory(), by=None)
    assert set(caught.value.message_dict) >= {"materials", "steps"}


def test_publish_is_audited_and_sets_validity(demo_people):
    admin = demo_people["admin"]
    version = matter_version_publish(version=publishable_draft(), by=admin, ip="10.0.0.9")
    assert version.status == S.PUBLISHED
    assert version.published_by == admin and version.valid_from is not None
    entry = AuditLog.objects.get(action="matterversion.publish", object_id=str(version.pk))
    assert entry.actor == admin and entry.ip_address == "10.0.0.9"


def test_published_version_cannot_be_edited():
    version = published_version(name="原名称")
    with pytest.raises(ValidationError) as caught:
        matter_version_update_draft(version=version, by=None, name="新名称")
    assert "不能修改" in caught.value.message_dict["status"][0]
    version.refresh_from_db()
    assert version.name == "原名称"


def test_new_version_copies_everything_and_leaves_the_old_one_intact():
    old = published_version(name="食品经营许可", promised_limit_days=10)
    sub_item = SubItemFactory(version=old, code="01", name="新办")
    MaterialFactory(version=old, name="营业执照", sub_item=sub_item, may_be_missing=True)
    draft = matter_version_new_draft(matter=old.matter, by=None)
    assert (draft.version, draft.status) == (old.version + 1, S.DRAFT)
    assert [m.name for m in draft.materials.order_by("sort_order", "id")] == [
        m.name for m in old.materials.order_by("sort_order", "id")
    ]
    copied = draft.materials.get(name="营业执照")
    assert copied.sub_item.version_id == draft.pk and copied.may_be_missing
    assert draft.steps.count() == old.steps.count()

    matter_version_update_draft(version=draft, by=None, promised_limit_days=3)
    draft.materials.filter(name="营业执照").delete()
    matter_version_publish(version=draft, by=None)

    old.refresh_from_db()
    assert old.status == S.RETIRED and old.promised_limit_days == 10 and old.valid_to is not None
    assert old.materials.filter(name="营业执照").exists()
    assert current_version(old.matter.code).pk == draft.pk
    assert published_versions().filter(matter=old.matter).count() == 1


def test_second_draft_of_a_matter_is_refused():
    version = published_version()
    matter_version_new_draft(matter=version.matter, by=None)
    with pytest.raises(ValidationError) as caught:
        matter_version_new_draft(matter=version.matter, by=None)
    assert "已有草稿" in caught.value.message_dict["matter"][0]


def test_database_allows_one_published_version_per_matter():
    version = published_version()
    second = publishable_draft(matter=version.matter, version=2)
    second.status = S.PUBLISHED
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_retire_removes_the_matter_from_the_public_catalog():
    version = published_version()
    matter_version_retire(version=version, by=None)
    assert current_version(version.matter.code) is None
    with pytest.raises(ValidationError):
        matter_version_retire(version=version, by=None)


def test_create_draft_validates_fields_in_chinese():
    department = DepartmentFactory()
    with pytest.raises(ValidationError) as caught:
        matter_version_create_draft(
            code="X1",
            by=None,
            name="测试",
            matter_type="99",
            department=department,
            legal_limit_days=5,
            promised_limit_days=1,
            service_objects=["8"],
        )
    assert set(caught.value.message_dict) >= {"matter_type", "service_objects"}
    with pytest.raises(ValidationError) as caught:
        matter_version_create_draft(code="", by=None)
    assert "实施编码" in caught.value.message_dict["code"][0]
    version = matter_version_create_draft(
        code="X1",
        by=None,
        name="测试",
        matter_type="01",
        department=department,
        legal_limit_days=5,
        promised_limit_days=1,
    )
    assert version.version == 1 and version.status == S.DRAFT
    assert AuditLog.objects.filter(action="matterversion.create_draft").count() == 1


def test_demo_catalog_is_published_clean_and_compares_editions(demo_people):
    from hall.catalog.models import CatalogEdition, ThemeService
    from hall.catalog.selectors import catalog_statistics, edition_comparison
    from hall.catalog.services import matter_version_problems

    published = list(published_versions().prefetch_related("materials", "steps", "sub_items"))
    assert len(published) >= 40
    assert len({v.department_id for v in published}) >= 8
    assert all(matter_version_problems(v) == {} for v in published)
    assert {"企业开办", "我要开餐馆", "新生儿出生"} <= set(ThemeService.objects.values_list("name", flat=True))
    stats = catalog_statistics()
    assert stats["total"] == len(published)
    old, new = CatalogEdition.objects.order_by("effective_date")
    figures = edition_comparison(old, new)
    assert figures["materials_removed"] > 0 and figures["steps_removed"] > 0
    assert figures["days_cut"] > 0 and figures["visits_cut"] > 0

"""Online application of a matter with business handling items (业务办理项: 新办/变更/延续/注销):
the item is required, stored, decides the materials and promised limit, and shows on pages and notices."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from approvals import services
from approvals.models import Application, SmsMessage
from approvals.tests.factories import MaterialFactory, MatterVersionFactory
from hall.catalog.models import SubItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_items(people):
    """A matter with 新办 (its own extra material, a shorter promised limit) and 注销 (counter only)."""
    version = MatterVersionFactory(department=people["approver"].department, name="食品经营许可（办理项）")
    new = SubItem.objects.create(
        version=version, code=f"{version.matter.code}01", name="新办", online_depth="4", promised_limit_days=5
    )
    SubItem.objects.create(version=version, code=f"{version.matter.code}03", name="延续", online_depth="3")
    SubItem.objects.create(version=version, code=f"{version.matter.code}04", name="注销", online_depth="1")
    MaterialFactory(version=version, name="申请书", sort_order=1)
    MaterialFactory(version=version, name="经营场所证明", sub_item=new, sort_order=2)
    return version


def _item(version, name):
    return version.sub_items.get(name=name)


def test_the_chosen_item_is_stored_and_decides_materials_and_limit(people, with_items):
    app = services.application_submit_online(
        version=with_items, by=people["public"], sub_item=_item(with_items, "新办")
    )
    assert app.sub_item.name == "新办" and app.promised_limit_days == 5
    assert set(app.materials.values_list("name", flat=True)) == {"申请书", "经营场所证明"}
    renewal = services.application_submit_online(
        version=with_items, by=people["public"], sub_item=_item(with_items, "延续")
    )
    assert renewal.promised_limit_days == with_items.promised_limit_days  # no own limit: the matter's
    assert list(renewal.materials.values_list("name", flat=True)) == ["申请书"]
    assert "食品经营许可（办理项）·新办" in SmsMessage.objects.get(application=app).body


def test_the_item_is_required_valid_and_online_capable(people, with_items, version):
    with pytest.raises(ValidationError) as missing:
        services.application_submit_online(version=with_items, by=people["public"])
    assert "请选择业务办理项" in missing.value.message_dict["sub_item"][0]
    assert "新办" in missing.value.message_dict["sub_item"][0]
    with pytest.raises(ValidationError) as counter_only:
        services.application_submit_online(version=with_items, by=people["public"], sub_item=_item(with_items, "注销"))
    assert "不支持网上申请" in counter_only.value.message_dict["sub_item"][0]
    with pytest.raises(ValidationError) as foreign:
        services.application_submit_online(version=version, by=people["public"], sub_item=_item(with_items, "新办"))
    assert "不属于" in foreign.value.message_dict["sub_item"][0]
    assert not Application.objects.exists()
    # A matter without items needs none.
    assert services.application_submit_online(version=version, by=people["public"]).sub_item is None


def test_the_page_offers_the_items_and_answers_400_per_field(client, people, with_items):
    client.force_login(people["public"])
    url = f"/apply/{with_items.matter.code}/"
    page = client.get(url)
    assert page.status_code == 200 and "业务办理项" in page.content.decode() and "延续" in page.content.decode()
    refused = client.post(url, {"applicant_type": "natural"})
    assert refused.status_code == 400 and "请选择业务办理项" in refused.content.decode()
    bogus = client.post(url, {"applicant_type": "natural", "sub_item": "999999"})
    assert bogus.status_code == 400 and "请从列出的业务办理项中选择" in bogus.content.decode()
    new = _item(with_items, "新办")
    done = client.post(
        url,
        {
            "applicant_type": "natural",
            "applicant_name": people["public"].full_name,
            "applicant_id_type": "resident_id",
            "applicant_id_number": people["public"].id_number,
            "applicant_phone": people["public"].phone,
            "sub_item": str(new.pk),
        },
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    app = Application.objects.get()
    assert app.sub_item == new
    detail = client.get(f"/applications/{app.number}/").content.decode()
    assert 'id="app-sub-item">新办<' in detail


def test_the_api_takes_the_item_and_the_notice_names_it(people, with_items):
    api = APIClient()
    api.force_login(people["public"])
    missing = api.post("/api/v1/applications/online/", {"matter_version": with_items.pk}, format="json")
    assert missing.status_code == 400 and "sub_item" in missing.json()
    new = _item(with_items, "新办")
    made = api.post(
        "/api/v1/applications/online/", {"matter_version": with_items.pk, "sub_item": new.pk}, format="json"
    )
    assert made.status_code == 201 and made.json()["sub_item_name"] == "新办"
    app = Application.objects.get(number=made.json()["number"])
    app.materials.update(state="provided")
    services.application_accept(application=app, by=people["clerk"])
    staff = APIClient()
    staff.force_login(people["clerk"])
    notice = staff.get(f"/applications/{app.number}/notices/acceptance/")
    assert notice.status_code == 200 and "食品经营许可（办理项）（新办）" in notice.content.decode()

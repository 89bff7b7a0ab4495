"""Where a matter can be done (事项下放/委托/代收代办): the records, the intake offer, the guide, the figures."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hall.catalog.delegations import (
    delegation_counts_by_site,
    matter_delegate,
    matter_delegation_revoke,
    versions_offered_at,
)
from hall.catalog.demo import DELEGATION_DOCUMENT
from hall.catalog.models import MatterDelegation, MatterVersion
from hall.models import AuditLog, Site, User, Window
from hall.services.accounts import user_create

PASSWORD = "Demo@2026"


def _published(name: str) -> MatterVersion:
    return MatterVersion.objects.select_related("matter").get(name=name, status=MatterVersion.Status.PUBLISHED)


@pytest.fixture
def town(demo_people):
    return Site.objects.get(name="城关镇便民服务中心")


@pytest.fixture
def town_clerk(town):
    window = Window.objects.get(site=town, number=1)
    return user_create(
        username="t_town_clerk",
        password=PASSWORD,
        full_name="钱乡镇",
        role=User.Role.CLERK,
        department=window.department,
        site=town,
        window=window,
        phone="13700009999",
    )


def test_a_town_clerk_is_offered_only_the_matters_delegated_to_the_town(client, town_clerk, demo_people):
    client.force_login(town_clerk)
    search = reverse("application_matter_search")
    html = client.get(search, {"q": "登记"}).content.decode()
    assert "个体工商户设立登记" in html  # 下放 to 城关镇
    assert "城乡居民基本医疗保险参保登记" in html
    assert "有限责任公司设立登记" not in html  # kept by the county hall
    assert "不动产首次登记" not in html

    delegated, kept = _published("个体工商户设立登记"), _published("有限责任公司设立登记")
    intake = reverse("application_intake")
    assert client.get(intake, {"matter": delegated.matter.code}).status_code == 200
    refused = client.get(intake, {"matter": kept.matter.code})
    assert refused.status_code == 404

    # The county hall's clerk is offered the whole catalog.
    client.force_login(demo_people["clerk"])
    html = client.get(search, {"q": "登记"}).content.decode()
    assert "个体工商户设立登记" in html and "有限责任公司设立登记" in html
    assert client.get(intake, {"matter": kept.matter.code}).status_code == 200


def test_offer_follows_the_delegation_dates(town):
    version = _published("个体工商户设立登记")
    delegation = MatterDelegation.objects.get(matter=version.matter, site=town)
    assert versions_offered_at(town, day=datetime.date(2025, 2, 28)).filter(pk=version.pk).count() == 0
    assert versions_offered_at(town, day=datetime.date(2025, 3, 1)).filter(pk=version.pk).count() == 1
    matter_delegation_revoke(delegation=delegation, revoked_date=datetime.date(2026, 1, 1))
    assert versions_offered_at(town, day=datetime.date(2026, 1, 1)).filter(pk=version.pk).count() == 0
    assert AuditLog.objects.filter(action="matter.delegation_revoke").count() == 1
    with pytest.raises(ValidationError):
        matter_delegation_revoke(delegation=delegation, revoked_date=datetime.date(2026, 2, 1))


def test_guide_of_a_delegated_matter_lists_the_sites(client, demo_people):
    version = _published("个体工商户设立登记")
    html = client.get(f"/guide/{version.matter.code}/").content.decode()
    assert "可办理场所" in html
    for site in ("清源县政务服务中心", "城关镇便民服务中心", "河西镇便民服务中心"):
        assert site in html
    assert DELEGATION_DOCUMENT in html and "下放" in html

    collected = _published("食品经营许可")  # 城关镇 only collects it
    html = client.get(f"/guide/{collected.matter.code}/").content.decode()
    assert "城关镇便民服务中心" in html and "代收代办" in html and "河西镇便民服务中心" not in html

    kept = _published("有限责任公司设立登记")
    html = client.get(f"/guide/{kept.matter.code}/").content.decode()
    assert "城关镇便民服务中心" not in html


def test_delegate_validates_and_audits(town, demo_people):
    version = _published("有限责任公司设立登记")
    county = Site.objects.get(level=Site.Level.COUNTY)
    with pytest.raises(ValidationError) as county_error:
        matter_delegate(
            matter=version.matter, site=county, kind="delegated", document="x", effective_date=datetime.date(2025, 1, 1)
        )
    assert "site" in county_error.value.message_dict
    with pytest.raises(ValidationError) as missing:
        matter_delegate(
            matter=version.matter, site=town, kind="delegated", document=" ", effective_date=datetime.date(2025, 1, 1)
        )
    assert "document" in missing.value.message_dict
    with pytest.raises(ValidationError):
        matter_delegate(
            matter=version.matter,
            site=town,
            kind=MatterDelegation.Kind.COLLECT,
            decides=True,
            document="清政办〔2026〕1号",
            effective_date=datetime.date(2026, 1, 1),
        )
    delegation = matter_delegate(
        matter=version.matter,
        site=town,
        kind=MatterDelegation.Kind.COLLECT,
        document="清政办〔2026〕1号",
        effective_date=datetime.date(2026, 1, 1),
        by=demo_people["admin"],
    )
    assert delegation.decides is False
    assert AuditLog.objects.filter(action="matter.delegate", object_id=str(delegation.pk)).exists()


def test_catalog_figures_count_delegated_matters_per_site(client, demo_people):
    rows = {r["site"]: r for r in delegation_counts_by_site()}
    assert rows["城关镇便民服务中心"]["total"] == 5
    assert rows["城关镇便民服务中心"]["collect"] == 1 and rows["城关镇便民服务中心"]["decides"] == 4
    assert rows["河西镇便民服务中心"]["total"] == 4
    client.force_login(demo_people["admin"])
    html = client.get(reverse("catalog_stats")).content.decode()
    assert "按承接场所" in html and 'data-site="城关镇便民服务中心"' in html


def test_a_town_clerk_cannot_take_in_a_theme_service_with_matters_kept_by_the_county(client, town_clerk, demo_people):
    from hall.catalog.models import ThemeService

    theme = ThemeService.objects.filter(is_active=True).order_by("code").first()
    url = reverse("application_theme_intake")
    client.force_login(town_clerk)
    assert client.get(url, {"theme": theme.code}).status_code == 404
    client.force_login(demo_people["clerk"])
    assert client.get(url, {"theme": theme.code}).status_code == 200


def test_the_guide_api_lists_the_sites(client, demo_people):
    version = _published("个体工商户设立登记")
    sites = client.get(f"/api/v1/matters/{version.matter.code}/").json()["sites"]
    by_name = {s["site"]: s for s in sites}
    assert by_name["清源县政务服务中心"]["kind"] == "县级办理"
    assert by_name["城关镇便民服务中心"]["kind"] == "下放" and by_name["城关镇便民服务中心"]["decides"] is True
    assert by_name["城关镇便民服务中心"]["document"] == DELEGATION_DOCUMENT

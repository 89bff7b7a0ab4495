"""一件事一次办 at the window: the theme intake page and the bundle page; and intake linking the new
application(s) to the queue ticket being served at the clerk's window (叫号关联办件)."""

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import ApplicationBundle, Status
from approvals.tests.conftest import all_provided, applicant
from approvals.tests.factories import MaterialFactory, MatterVersionFactory, ThemeServiceFactory
from approvals.tests.test_pages import login
from hall.queue import services as queue
from hall.queue.models import TicketApplicationLink, WindowLine
from hall.queue.tests.factories import QueueLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def theme(people, version):
    other = MatterVersionFactory(department=people["approver"].department, name="公共场所卫生许可（测试）")
    MaterialFactory(version=other, name="卫生许可申请书", sort_order=1)
    service = ThemeServiceFactory(name="开办餐馆一件事")
    service.matters.set([version.matter, other.matter])
    return service


def applicant_post(**extra) -> dict:
    data = {
        "applicant_type": "natural",
        "applicant_name": "卫群众",
        "applicant_phone": "13700000007",
        "applicant_id_type": "resident_id",
        "applicant_id_number": "11010519491231002X",
    }
    data.update(extra)
    return data


def test_theme_intake_creates_a_bundle_tracked_together(client, people, theme, version):
    login(client, people["clerk"])
    url = reverse("application_theme_intake")
    picker = client.get(url).content.decode()
    assert "<h1>一件事一次办</h1>" in picker and "开办餐馆一件事" in picker
    form = client.get(url, {"theme": theme.code}).content.decode()
    assert "卫生许可申请书" in form and "营业场所证明" in form and version.name in form
    materials = {}
    for v in [version, *[m.versions.get() for m in theme.matters.exclude(pk=version.matter_id)]]:
        for m in v.materials.all():
            materials[f"m{m.pk}_state"] = "provided" if m.is_required else "not_applicable"
    response = client.post(url + f"?theme={theme.code}", {**applicant_post(), **materials})
    bundle = ApplicationBundle.objects.get()
    assert response.status_code == 302 and response.url == reverse("application_bundle", args=[bundle.number])
    apps = list(bundle.applications.order_by("number"))
    assert len(apps) == 2 and all(a.status == Status.RECEIVED for a in apps)
    assert all(a.materials.filter(is_required=True, state="missing").count() == 0 for a in apps)

    page = client.get(response.url).content.decode()
    assert bundle.number in page and all(a.number in page for a in apps)
    assert "关联办件（共 2 件，已办结 0 件" in page and 'id="bundle-state">办理中' in page
    services.application_accept(application=apps[0], by=people["clerk"])
    assert "已受理" in client.get(response.url).content.decode()


def test_theme_intake_errors_and_permissions(client, people, theme):
    url = reverse("application_theme_intake")
    login(client, people["clerk"])
    response = client.post(url + f"?theme={theme.code}", applicant_post(applicant_phone="123"))
    assert response.status_code == 400 and "applicant_phone" in response.content.decode()
    assert not ApplicationBundle.objects.exists()
    assert client.get(url, {"theme": "NOPE"}).status_code == 404
    theme.is_active = False
    theme.save()
    assert client.get(url, {"theme": theme.code}).status_code == 404
    login(client, people["approver"])
    assert client.get(url).status_code == 403


def test_bundle_page_is_scoped(client, people, theme):
    bundle = services.theme_application_receive(
        theme_service=theme, applicant=applicant(), by=people["clerk"], applicant_user=people["public"]
    )
    url = reverse("application_bundle", args=[bundle.number])
    login(client, people["public"])
    assert client.get(url).status_code == 200  # the applicant's own
    login(client, people["approver"])
    assert client.get(url).status_code == 200  # the department's
    assert client.get(reverse("application_bundle", args=["YJS0"])).status_code == 404
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user(username="13900001111", full_name="蒋其他", role="public")
    login(client, stranger)
    assert client.get(url).status_code == 404


# --- Queue ticket link ------------------------------------------------------------------------------


@pytest.fixture
def serving_ticket(people):
    """A ticket called to the clerk's window (叫号), as the queue services do it."""
    window = people["clerk"].window
    line = QueueLineFactory(site=window.site, zone=window.zone, prefix="X")  # the demo seed has A…
    WindowLine.objects.create(window=window, line=line)
    queue.ticket_issue(line=line)
    ticket = queue.ticket_call_next(window=window, by=people["clerk"])
    assert ticket is not None
    return ticket


def test_intake_links_the_ticket_being_served(people, version, serving_ticket):
    app = services.application_receive(
        version=version, applicant=applicant(), by=people["clerk"], materials=all_provided(version)
    )
    link = TicketApplicationLink.objects.get(ticket=serving_ticket)
    assert link.application_number == app.number and link.linked_by == people["clerk"]


def test_theme_intake_links_every_application(people, theme, serving_ticket):
    bundle = services.theme_application_receive(theme_service=theme, applicant=applicant(), by=people["clerk"])
    numbers = set(bundle.applications.values_list("number", flat=True))
    assert set(serving_ticket.application_links.values_list("application_number", flat=True)) == numbers


def test_no_ticket_no_link(people, version, serving_ticket):
    queue.ticket_finish(ticket=serving_ticket, window=people["clerk"].window, by=people["clerk"])
    services.application_receive(version=version, applicant=applicant(), by=people["clerk"])
    assert not TicketApplicationLink.objects.exists()
    # A supervisor receiving without a window links nothing either.
    services.application_receive(version=version, applicant=applicant(), by=people["supervisor"])
    assert not TicketApplicationLink.objects.exists()


def test_a_failed_intake_leaves_no_link(people, version, serving_ticket):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.application_receive(
            version=version,
            applicant=applicant(),
            by=people["clerk"],
            materials=[services.MaterialState(material_id=0, state="provided")],
        )
    assert not TicketApplicationLink.objects.exists()

"""The demo 企业开办 theme (``manage.py seed_startup_theme``): idempotent, and after a fresh
``seed_demo`` its window clerk at the 企业开办专区 logs in with the demo password and takes a bundle."""

from io import StringIO

import pytest
from django.core.management import call_command

from enterprises.demo import STARTUP_CLERK
from enterprises.models import StartupBundle, StartupTask
from enterprises.tests.conftest import REGISTRATION
from hall.catalog.models import MatterVersion, ThemeService
from hall.demo import DEMO_PASSWORD, seed_demo
from hall.models import Department, User, Window

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "themes": ThemeService.objects.count(),
        "versions": MatterVersion.objects.count(),
        "departments": Department.objects.count(),
        "windows": Window.objects.count(),
        "users": User.objects.count(),
    }


def test_seed_startup_theme_is_idempotent_and_its_clerk_takes_a_bundle(client):
    seed_demo()
    out = StringIO()
    call_command("seed_startup_theme", stdout=out)
    assert "包含 6 个事项" in out.getvalue()
    first = _counts()
    call_command("seed_startup_theme", stdout=StringIO())
    seed_demo()
    call_command("seed_startup_theme", stdout=StringIO())
    assert _counts() == first

    username, _, number, _ = STARTUP_CLERK
    clerk = User.objects.select_related("window__zone").get(username=username)
    assert clerk.window.number == number and clerk.window.zone.name == "企业开办专区"
    assert client.login(username=username, password=DEMO_PASSWORD)
    response = client.post("/startup/new/", {**REGISTRATION, "phone": "13812345678"})
    assert response.status_code == 302, response.content.decode()
    startup = StartupBundle.objects.get()
    assert response["Location"].endswith(f"/startup/{startup.bundle.number}/")
    assert StartupTask.objects.filter(startup=startup).count() == 6
    page = client.get(response["Location"])
    assert page.status_code == 200 and REGISTRATION["name"] in page.content.decode()


def test_seed_startup_theme_without_the_demo_county_is_a_clear_error():
    with pytest.raises(Exception, match="请先运行演示数据初始化"):
        call_command("seed_startup_theme", stdout=StringIO())
    assert not ThemeService.objects.exists() and not User.objects.exists()

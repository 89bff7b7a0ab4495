"""Shared test fixtures: demo people, the PostgreSQL / Redis / Chromium gates, the browser.

Tests that need a service carry a marker (``postgres``, ``celery_worker``, ``e2e``). Without the
service they are skipped with a reason, except in CI (``CI=true``), where a skip would hide a
broken set-up and so becomes a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DEMO_TEST_PASSWORD = "Demo@2026"


def _redis_reachable() -> tuple[bool, str]:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        return False, "CELERY_BROKER_URL does not name a Redis broker"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True, ""
    except OSError as exc:
        return False, f"Redis at {parsed.hostname}:{parsed.port} unreachable ({exc})"


def _gate_reason(marker: str) -> str | None:
    """Why tests with this marker cannot run here, or None when they can."""
    if marker == "postgres":
        from django.conf import settings

        if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
            return "needs PostgreSQL: set DATABASE_URL=postgres://…"
    elif marker == "celery_worker":
        ok, why = _redis_reachable()
        if not ok:
            return f"needs a Redis broker: {why}"
        from django.conf import settings

        if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
            return "the worker runs in another process and cannot see SQLite's in-memory test database"
    elif marker == "e2e":
        if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
            return f"needs Debian's chromium at {CHROMIUM}"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "celery_worker", "e2e"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _gate_reason(marker)
        if reason is None:
            continue
        if IN_CI:
            pytest.fail(f"CI requires this {marker} test to run, but: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness is for attackers, not for a test suite on two cores."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path):
    """Each test gets its own cache, so the cached calendar never leaks between tests."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def demo_people(db):
    """One user of every role, created through the service, password ``Demo@2026``."""
    from hall.demo import seed_demo
    from hall.models import Department, Site, User, Window
    from hall.services.accounts import user_create

    seed_demo()
    hall = Site.objects.get(level=Site.Level.COUNTY)
    department = Department.objects.filter(kind=Department.Kind.DEPARTMENT).first()
    window = Window.objects.filter(site=hall, clerks__isnull=True).order_by("number").first()
    people = {}
    names = {
        "clerk": "周一窗",
        "approver": "吴审批",
        "inspector": "郑勘验",
        "supervisor": "冯大厅",
        "leader": "陈局长",
        "admin": "褚管理",
        "public": "卫群众",
    }
    for number, role in enumerate(User.Role.values, start=1):
        is_public = role == User.Role.PUBLIC
        people[role] = user_create(
            username=f"t_{role}",
            password=DEMO_TEST_PASSWORD,
            full_name=names[role],
            role=role,
            department=None if is_public else department,
            site=None if is_public else hall,
            window=window if role == User.Role.CLERK else None,
            phone=f"1370000{number:04d}",
            id_number="11010519491231002X" if is_public else "",
        )
    return people


@pytest.fixture(scope="session")
def _playwright_browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_playwright_browser, live_server, transactional_db):
    """A fresh browser context at a 1366×768 clerk screen, in Chinese, Asia/Shanghai time."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    context = _playwright_browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()

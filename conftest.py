"""Shared test fixtures: demo people, the PostgreSQL / Redis / Chromium gates, the browser.

Tests that need a service carry a marker (``postgres``, ``celery_worker``, ``e2e``). Without the
service they are skipped with a reason, except in CI (``CI=true``), where a skip would hide a
broken set-up and so becomes a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
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


def _allow_audit_truncate_in_test_databases(sender, connection, **kwargs):
    """The audit table refuses TRUNCATE (hall migration 0006) except in a database named test_*
    on a session that asks for it: pytest-django flushes transactional tests with TRUNCATE, so
    every connection of the test run asks. Production connections never do (docs/production.md)."""
    if connection.vendor == "postgresql" and str(connection.settings_dict.get("NAME", "")).startswith("test_"):
        with connection.cursor() as cursor:
            cursor.execute("SET hall.allow_audit_truncate = 'on'")


def pytest_configure(config):
    from django.db.backends.signals import connection_created

    connection_created.connect(_allow_audit_truncate_in_test_databases, dispatch_uid="hall-audit-truncate-in-tests")


@pytest.fixture(scope="session", autouse=True)
def _isolated_celery_broker(tmp_path_factory):
    """Tasks the tests enqueue never reach the development broker's queues (a `make run` worker
    would run them against the demo database): on the filesystem broker they go to a folder of
    this run, on Redis to a queue of this run (one per xdist worker), purged and deleted at the end."""
    from hall.celery import app

    run = uuid.uuid4().hex[:8]
    if str(app.conf.broker_url).startswith("filesystem://"):
        folder = tmp_path_factory.mktemp("celery-broker")
        (folder / "processed").mkdir()
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    queue = f"hall-test-{run}"
    app.conf.task_default_queue = queue
    app.amqp.__dict__.pop("queues", None)  # rebuilt from the new default on first use
    yield queue
    with app.connection_for_write() as connection:
        # Declared on this channel first, so that deleting also removes its exchange binding.
        bound = app.amqp.queues[queue].bind(connection.default_channel)
        bound.declare()
        bound.purge()
        bound.delete()


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


@pytest.fixture
def tasks_in_process():
    """Tasks enqueued on commit run at once in this process, the live server's too (browser tests
    have no worker). Set on the Celery app itself, under the namespaced key too: Celery reads
    ``CELERY_*`` first once its configuration is loaded, so the Django ``settings`` fixture alone is
    not seen."""
    from hall.celery import app

    app.conf.update(task_always_eager=True, CELERY_TASK_ALWAYS_EAGER=True)
    yield
    app.conf.update(task_always_eager=False, CELERY_TASK_ALWAYS_EAGER=False)

"""The demo county, the production settings check, and PostgreSQL-only behaviour."""

import os
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

from hall.demo import seed_demo
from hall.models import Department, Site, User, Window, Zone
from hall.validators import validate_credit_code

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_seed_demo_builds_a_realistic_county_and_is_idempotent():
    first = seed_demo()
    second = seed_demo()
    assert second["users_created"] == 0
    assert {k: v for k, v in first.items() if k != "users_created"} == {
        k: v for k, v in second.items() if k != "users_created"
    }
    hall = Site.objects.get(level=Site.Level.COUNTY)
    assert set(Zone.objects.filter(site=hall).values_list("name", flat=True)) >= {
        "综合受理",
        "企业开办专区",
        "工改专区",
        "快捷即办",
        "办不成事反映窗口",
    }
    assert Window.objects.filter(site=hall).count() >= 12
    assert Site.objects.filter(level=Site.Level.TOWN).count() == 2
    departments = Department.objects.filter(kind=Department.Kind.DEPARTMENT)
    assert departments.count() >= 8
    for short in ["市场监管", "住建", "发改", "自然资源", "卫健", "交通运输", "教育", "农业农村"]:
        assert departments.filter(short_name=short).exists(), short
    for code in departments.values_list("credit_code", flat=True):
        validate_credit_code(code)
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role.values)
    clerk = User.objects.get(username="clerk01")
    assert clerk.window.number == 1 and clerk.check_password("Demo@2026")


def test_check_deploy_reports_no_issues_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "hall.example.gov.cn",
        "VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests; never in deployment
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "ALLOWED_HOSTS": "x", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_failed_logins_are_all_counted(settings):
    """Twenty wrong passwords at the same moment: each one counts, none is lost to a race."""
    settings.LOGIN_FAILURE_LIMIT = 100
    user = User.objects.create_user(username="racer", password="Demo@2026", full_name="并发", role=User.Role.CLERK)
    from hall.services.accounts import user_login_failed

    barrier = threading.Barrier(20)
    errors = []

    def attempt():
        try:
            barrier.wait()
            user_login_failed(user=user)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    user.refresh_from_db()
    assert user.failed_login_count == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_audit_log_is_append_only_in_the_database(demo_people):
    from django.db import DatabaseError, transaction

    from hall.models import AuditLog

    entry = AuditLog.objects.filter(action="user.create").first()
    with pytest.raises(DatabaseError, match="审计记录只能追加"), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).update(note="篡改")
    with pytest.raises(DatabaseError, match="审计记录只能追加"), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).delete()
    # Deleting a user leaves their audit trail untouched.
    user = demo_people["inspector"]
    count = AuditLog.objects.filter(actor_id=user.pk).count()
    User.objects.filter(pk=user.pk).delete()
    assert AuditLog.objects.filter(actor_id=user.pk).count() == count

"""Accounts: password policy, lockout after failed logins, idle sessions, role pages, audit."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from hall.models import AuditLog, User
from hall.services.accounts import user_create, user_unlock

pytestmark = pytest.mark.django_db

PASSWORD = "Demo@2026"


def login(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("Ab1@", "密码长度太短"),
        ("abcdefgh12", "密码须至少包含大写字母、小写字母、数字、符号中的 3 类。"),
        ("ABCDEFGHIJ", "密码须至少包含大写字母、小写字母、数字、符号中的 3 类。"),
        ("12345678901", "密码只包含数字。"),
    ],
)
def test_weak_passwords_are_refused_with_chinese_reasons(password, fragment):
    with pytest.raises(ValidationError) as excinfo:
        user_create(username="newclerk", password=password, full_name="新人", role=User.Role.CLERK)
    assert any(fragment in message for message in excinfo.value.message_dict["password"])
    assert not User.objects.filter(username="newclerk").exists()


def test_user_create_validates_fields_and_records_an_audit_entry(demo_people):
    admin = demo_people["admin"]
    with pytest.raises(ValidationError) as excinfo:
        user_create(username="clerk99", password="Hall#2026x", full_name="新窗口", role=User.Role.CLERK, by=admin)
    assert excinfo.value.message_dict["department"] == ["工作人员须选择所属部门。"]
    user = user_create(
        username="clerk99",
        password="Hall#2026x",
        full_name="新窗口",
        role=User.Role.CLERK,
        department=demo_people["clerk"].department,
        by=admin,
    )
    assert user.check_password("Hall#2026x")
    entry = AuditLog.objects.get(action="user.create", object_id=str(user.pk))
    assert entry.actor == admin
    assert entry.after["role"] == "clerk"
    with pytest.raises(ValidationError) as excinfo:
        user_create(
            username="citizen9",
            password="Hall#2026x",
            full_name="群众",
            role=User.Role.PUBLIC,
            department=demo_people["clerk"].department,
            id_number="110105194912310021",
        )
    assert excinfo.value.message_dict["department"] == ["群众/企业用户不属于任何部门。"]
    assert excinfo.value.message_dict["id_number"] == ["身份证号码校验位不正确，请核对后重新输入。"]


def test_only_clerks_sit_at_windows(demo_people):
    with pytest.raises(ValidationError) as excinfo:
        user_create(
            username="appr2",
            password="Hall#2026x",
            full_name="审批",
            role=User.Role.APPROVER,
            window=demo_people["clerk"].window,
        )
    assert "只有窗口人员可以分配到窗口。" in excinfo.value.message_dict["window"]


def test_login_sends_each_role_to_its_home(client, demo_people):
    homes = {
        "clerk": "/workbench/",
        "approver": "/backoffice/",
        "inspector": "/inspections/",
        "supervisor": "/dashboard/",
        "leader": "/leader/",
        "admin": "/system/",
        "public": "/",
    }
    for role, user in demo_people.items():
        client.logout()
        response = login(client, user.username)
        assert response.status_code == 302
        assert client.get(response.url).url == homes[role], role


def test_citizens_may_log_in_with_their_phone_number(client, demo_people):
    citizen = demo_people["public"]
    response = login(client, citizen.phone)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == citizen.pk


def test_five_failures_lock_the_account_for_thirty_minutes(client, demo_people):
    clerk = demo_people["clerk"]
    for attempt in range(1, 5):
        response = login(client, clerk.username, "wrong-Password1")
        assert f"再失败 {5 - attempt} 次，账户将被锁定 30 分钟。" in response.content.decode()
    response = login(client, clerk.username, "wrong-Password1")
    assert "账户已锁定至" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.locked_until is not None
    assert timedelta(minutes=29) < clerk.locked_until - timezone.now() <= timedelta(minutes=30)
    # Even the right password is refused while locked.
    response = login(client, clerk.username)
    assert response.status_code == 200
    assert "账户已锁定至" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action="auth.locked", object_id=str(clerk.pk)).count() == 1
    assert AuditLog.objects.filter(action="auth.login_failed", object_id=str(clerk.pk)).count() == 5


def test_the_lock_expires_after_thirty_minutes(client, demo_people):
    clerk = demo_people["clerk"]
    User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert login(client, clerk.username).status_code == 302


def test_an_administrator_can_unlock_early(client, demo_people):
    clerk = demo_people["clerk"]
    User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() + timedelta(minutes=20))
    user_unlock(user=clerk, by=demo_people["admin"])
    assert login(client, clerk.username).status_code == 302
    assert AuditLog.objects.filter(action="auth.unlock", actor=demo_people["admin"]).exists()


def test_a_successful_login_resets_the_failure_count(client, demo_people):
    clerk = demo_people["clerk"]
    for _ in range(4):
        login(client, clerk.username, "wrong-Password1")
    assert login(client, clerk.username).status_code == 302
    client.logout()
    for _ in range(4):
        login(client, clerk.username, "wrong-Password1")
    clerk.refresh_from_db()
    assert clerk.locked_until is None


def test_unknown_users_get_the_same_message(client, db):
    response = login(client, "nobody", "wrong-Password1")
    assert "用户名或密码错误。" in response.content.decode()


def test_sessions_expire_after_thirty_idle_minutes(client, demo_people):
    login(client, demo_people["clerk"].username)
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 29 * 60 < client.session.get_expiry_age() <= 30 * 60
    session = client.session
    session.set_expiry(-1)  # as if 30 minutes passed without a request
    session.save()
    response = client.get(reverse("workbench"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_password_change_applies_the_policy(client, demo_people):
    clerk = demo_people["clerk"]
    client.force_login(clerk)
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": "weakweak", "new_password2": "weakweak"}
    )
    assert response.status_code == 200
    assert "密码须至少包含" in response.content.decode()
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Window#2027", "new_password2": "Window#2027"},
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("Window#2027")
    assert AuditLog.objects.filter(action="auth.password_change", object_id=str(clerk.pk)).exists()


ROLE_PAGES = {
    "workbench": {"clerk", "supervisor"},
    "backoffice": {"approver", "supervisor", "leader"},
    "inspections": {"inspector", "approver", "supervisor", "leader"},
    "dashboard": {"supervisor", "leader", "admin"},
    "leader_home": {"leader"},
    "system_home": {"admin"},
}


@pytest.mark.parametrize("page", ROLE_PAGES)
def test_role_pages_refuse_other_roles(client, demo_people, page):
    for role, user in demo_people.items():
        client.force_login(user)
        response = client.get(reverse(page))
        expected = 200 if role in ROLE_PAGES[page] else 403
        assert response.status_code == expected, (page, role)
        if expected == 403:
            assert "无权访问" in response.content.decode()


def test_anonymous_visitors_are_sent_to_login(client, db):
    response = client.get(reverse("workbench"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert client.get(reverse("portal")).status_code == 200


def test_logout_needs_post(client, demo_people):
    client.force_login(demo_people["clerk"])
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_viewing_a_users_full_id_number_in_the_admin_is_audited(client, demo_people):
    admin, citizen = demo_people["admin"], demo_people["public"]
    client.force_login(admin)
    response = client.get(reverse("admin:hall_user_change", args=[citizen.pk]))
    assert response.status_code == 200
    entry = AuditLog.objects.get(action="user.view_personal_data", object_id=str(citizen.pk))
    assert entry.actor == admin
    assert "110105********002X" in entry.note
    changelist = client.get(reverse("admin:hall_user_changelist")).content.decode()
    assert citizen.phone not in changelist


def test_createsuperuser_makes_an_administrator(monkeypatch, db):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Strong#Pass2026")
    call_command("createsuperuser", "--noinput", "--username", "sysadmin", "--full_name", "系统管理员", verbosity=0)
    user = User.objects.get(username="sysadmin")
    assert (user.role, user.is_superuser, user.is_staff) == (User.Role.ADMIN, True, True)


@pytest.mark.parametrize(
    "model", ["hall/auditlog", "approvals/applicationevent", "approvals/smsmessage", "queue/ticket", "queue/calllog"]
)
def test_service_written_rows_are_read_only_in_the_admin(client, demo_people, model):
    client.force_login(demo_people["admin"])
    assert client.get(f"/admin/{model}/").status_code == 200
    assert client.get(f"/admin/{model}/add/").status_code == 403

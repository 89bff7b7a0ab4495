"""Accounts: creating users, login success and failure with lockout, password changes."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hall.models import Department, Site, User, Window
from hall.services.audit import audit_record, model_snapshot

USER_AUDIT_FIELDS = ["username", "full_name", "role", "department", "site", "window", "is_active"]


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    full_name: str,
    role: str,
    department: Department | None = None,
    site: Site | None = None,
    window: Window | None = None,
    phone: str = "",
    id_number: str = "",
    by: User | None = None,
    ip: str | None = None,
) -> User:
    """Create a staff or public user after validating every field and the password policy."""
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        department=department,
        site=site or (window.site if window else None),
        window=window,
        phone=phone,
        id_number=id_number.upper(),
        is_staff=role == User.Role.ADMIN,
        is_superuser=role == User.Role.ADMIN,
    )
    errors: dict[str, list] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    audit_record(actor=by, action="user.create", obj=user, after=model_snapshot(user, USER_AUDIT_FIELDS), ip=ip)
    return user


def user_login_succeeded(*, user: User, ip: str | None = None) -> None:
    """A correct password: clear the failure count and record the login."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        audit_record(actor=user, action="auth.login", obj=user, ip=ip)
    user.failed_login_count = 0
    user.locked_until = None


def user_login_failed(*, user: User, ip: str | None = None) -> User:
    """A wrong password: count it atomically and lock the account at the limit."""
    limit = settings.LOGIN_FAILURE_LIMIT
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user = User.objects.select_for_update().get(pk=user.pk)
        audit_record(actor=None, action="auth.login_failed", obj=user, note=f"第 {user.failed_login_count} 次", ip=ip)
        if user.failed_login_count >= limit:
            user.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            user.failed_login_count = 0
            user.save(update_fields=["locked_until", "failed_login_count"])
            audit_record(
                actor=None,
                action="auth.locked",
                obj=user,
                note=f"连续 {limit} 次登录失败，锁定至 {timezone.localtime(user.locked_until):%Y-%m-%d %H:%M}",
                ip=ip,
            )
    return user


@transaction.atomic
def user_unlock(*, user: User, by: User, ip: str | None = None) -> None:
    """An administrator lifts a lockout before it expires."""
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    audit_record(actor=by, action="auth.unlock", obj=user, ip=ip)


@transaction.atomic
def user_change_password(*, user: User, new_password: str, by: User | None = None, ip: str | None = None) -> None:
    """Set a new password that passes the policy; the caller has verified the old one."""
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    audit_record(actor=by or user, action="auth.password_change", obj=user, ip=ip)

"""Authentication: login lockout after repeated failures, and the password-strength rule
(DOMAIN.md §8: 5 failures lock for 30 minutes; at least 8 characters mixing classes)."""

from __future__ import annotations

import string

from django.contrib.auth import password_validation
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from hall.models import User
from hall.services.accounts import user_login_failed, user_login_succeeded
from hall.services.audit import client_ip


class LockoutModelBackend(ModelBackend):
    """ModelBackend that refuses locked accounts and counts failures.

    Every login path (the login page, the admin, the API's session login) authenticates through
    here, so the lockout cannot be bypassed. Citizens may log in with their phone number.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        username = username or kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = (
            User.objects.filter(username=username).first()
            or User.objects.filter(role=User.Role.PUBLIC, phone=username).first()
        )
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        ip = client_ip(request)
        if user.is_locked():
            if request is not None:
                request.login_locked_until = user.locked_until
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            user_login_succeeded(user=user, ip=ip)
            return user
        user = user_login_failed(user=user, ip=ip)
        if request is not None:
            if user.is_locked():
                request.login_locked_until = user.locked_until
            request.login_failures = user.failed_login_count
        return None


class CharacterClassesValidator:
    """Passwords must mix at least ``min_classes`` of: upper case, lower case, digits, symbols."""

    CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits)

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def classes_in(self, password: str) -> int:
        found = sum(1 for chars in self.CLASSES if any(c in chars for c in password))
        found += any(not c.isalnum() for c in password)
        return found

    def validate(self, password, user=None):
        if self.classes_in(password) < self.min_classes:
            raise ValidationError(
                f"密码须至少包含大写字母、小写字母、数字、符号中的 {self.min_classes} 类。",
                code="password_too_simple",
            )

    def get_help_text(self):
        return f"密码须至少包含大写字母、小写字母、数字、符号中的 {self.min_classes} 类。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a Chinese message (Django 5.2's catalogue lacks this string)."""

    def get_error_message(self):
        return f"密码长度太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"

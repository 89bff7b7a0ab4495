"""Forms of the hall pages: login with lockout messages, password change through the service."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from hall.services.accounts import user_change_password
from hall.services.audit import client_ip


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="用户名或手机号",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "该账户已停用，请联系系统管理员。",
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            locked_until = getattr(self.request, "login_locked_until", None)
            if locked_until:
                raise ValidationError(
                    f"连续登录失败次数过多，账户已锁定至 {timezone.localtime(locked_until):%H:%M}，"
                    "请稍后再试或联系系统管理员解锁。",
                    code="locked",
                ) from None
            failures = getattr(self.request, "login_failures", 0)
            if failures:
                from django.conf import settings

                left = settings.LOGIN_FAILURE_LIMIT - failures
                raise ValidationError(
                    f"用户名或密码错误。再失败 {left} 次，账户将被锁定 {settings.LOGIN_LOCKOUT_MINUTES} 分钟。",
                    code="invalid_login",
                ) from None
            raise


class HallPasswordChangeForm(PasswordChangeForm):
    """Django's form for the checks, the service for the write (policy, timestamp, audit)."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def save(self, commit=True):
        user_change_password(
            user=self.user, new_password=self.cleaned_data["new_password1"], ip=client_ip(self.request)
        )
        return self.user

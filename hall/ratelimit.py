"""Rate limits (访问频率限制) on paths an attacker would script: sign-up (creating accounts),
tracking and look-ups that confirm a phone number or an ID number, kiosk check-in.

One budget per scope and client, kept in the shared cache, for the API (DRF throttle classes)
and the pages (:func:`rate_limited`) alike, so a page and its API twin share their limit. The
client is the signed-in user where there is one (staff in a hall share one NAT address),
otherwise the resolved client address (hall.middleware: X-Forwarded-For believed only from
TRUSTED_PROXIES, so changing the header does not buy a fresh budget).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle

from hall.middleware import client_ip

RATE_LIMIT_MESSAGE = "操作过于频繁，请 {wait} 秒后再试。"


class ClientRateThrottle(SimpleRateThrottle):
    """A per-client limit whose rate is ``settings.<rate_setting>`` (default: the API's 10/min)."""

    scope = "hall_default"
    rate_setting = "SENSITIVE_RATE"
    per_user = False

    def get_rate(self):
        return getattr(settings, self.rate_setting, None) or settings.SENSITIVE_RATE

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        if self.per_user and user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            ident = client_ip(request) or "unknown"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def throttle_class(scope: str, *, rate_setting: str = "SENSITIVE_RATE", per_user: bool = False):
    """A ClientRateThrottle subclass for one scope (the API and a page can share it)."""
    return type(
        f"{scope.title().replace('_', '')}Throttle",
        (ClientRateThrottle,),
        {"scope": scope, "rate_setting": rate_setting, "per_user": per_user},
    )


def too_many_requests(request, wait: float | None):
    seconds = int(wait or 60) or 1
    response = render(request, "429.html", {"message": RATE_LIMIT_MESSAGE.format(wait=seconds)}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def rate_limited(
    scope: str,
    *,
    methods: tuple[str, ...] = ("POST",),
    rate_setting: str = "SENSITIVE_RATE",
    per_user: bool = False,
    when: Callable | None = None,
):
    """Limit a page view: requests with one of ``methods`` (and ``when(request)``) count."""
    throttle_cls = throttle_class(scope, rate_setting=rate_setting, per_user=per_user)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods and (when is None or when(request)):
                throttle = throttle_cls()
                if not throttle.allow_request(request, None):
                    return too_many_requests(request, throttle.wait())
            return view(request, *args, **kwargs)

        wrapper.rate_limit_scope = scope
        return wrapper

    return decorator

"""The page cache of the public pages (公开页面缓存): anonymous content only, invalidated on commit.

A public page (portal, guide, guide search, tracking form) is rendered once per *generation* of
the data it shows and then served from the shared cache (Redis in production) to every visitor
without a session: no database query, no template rendering. Each page names the sections of data
it shows — ``hall`` (sites, zones, departments) and ``catalog`` (published matter versions and
everything a guide shows) — and a change of that data, once committed, moves the section to a new
generation; a page is stored with the generations it was rendered under and served only while
they are current, so the next request renders afresh (the page shows a new version at once).

What is never cached: anything for a request that carries a session or a pending message (a
logged-in citizen sees their own header; a page never holds another user's data), non-GET
requests, responses other than 200, responses that set cookies. A page with a CSRF token is
stored with a placeholder and gets the visitor's own token on every hit.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

HALL = "hall"  # sites, zones and departments: the portal, and the guides' places and bodies
CATALOG = "catalog"  # published matter versions and the rows a guide shows

PAGE_TTL = 60 * 60 * 6  # also bounds the life of pages of a superseded generation
GENERATION_TTL = 60 * 60 * 24 * 30
HIT_HEADER = "X-Public-Cache"
_CSRF_PLACEHOLDER = "\x00csrf-token\x00"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")')
# Pages rendered by an older deployment (other templates) never match: the key names the process start.
_PROCESS_TOKEN = str(time.time_ns())


def _generation_key(section: str) -> str:
    return f"public-page:generation:{section}"


def _generations(found: dict, keys: list[str]) -> tuple[str, ...]:
    """The current generation of each section key; a section seen for the first time gets one now."""
    values = []
    for key in keys:
        value = found.get(key)
        if value is None:
            cache.add(key, str(time.time_ns()), GENERATION_TTL)
            value = cache.get(key)
        values.append(str(value))
    return tuple(values)


def invalidate_now(*sections: str) -> None:
    """Move ``sections`` to a fresh generation (a new unique value, never a reused one)."""
    stamp = str(time.time_ns())
    cache.set_many({_generation_key(s): stamp for s in sections}, GENERATION_TTL)


def invalidate_on_commit(*sections: str) -> None:
    """Invalidate now and again once the current transaction commits.

    The commit-time move is the guarantee: a request that rendered the old rows while the change
    was still uncommitted stored its page under the intermediate generation, which the second move
    abandons. The immediate move makes the change visible at once to code that reads inside the
    same transaction (tests, management commands) and costs one cache write.
    """
    invalidate_now(*sections)
    transaction.on_commit(lambda: invalidate_now(*sections))


def _anonymous_without_state(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _page_key(request: HttpRequest, view_name: str) -> str:
    parts = [
        view_name,
        _PROCESS_TOKEN,
        timezone.localdate().isoformat(),  # guides print "打印于 <today>"
        request.get_host(),
        request.get_full_path(),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"public-page:{view_name}:{digest}"


def _cacheable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not getattr(response, "has_private_data", False)
        and request.method == "GET"
    )


def public_page(*sections: str, timeout: int = PAGE_TTL) -> Callable:
    """Serve a public view from the page cache for visitors without a session (see module doc)."""

    def decorator(view: Callable) -> Callable:
        view_name = f"{view.__module__}.{view.__name__}"
        generation_keys = [_generation_key(s) for s in sections]

        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not _anonymous_without_state(request):
                return view(request, *args, **kwargs)
            # One round trip: the stored page and the current generations of its sections. A page
            # stored under other generations (the data changed since) is rendered afresh.
            key = _page_key(request, view_name)
            found = cache.get_many([key, *generation_keys])
            current = _generations(found, generation_keys)
            stored = found.get(key)
            if stored is not None and stored[0] == current:
                _, content, content_type, has_csrf = stored
                if has_csrf:
                    content = content.replace(_CSRF_PLACEHOLDER.encode(), get_token(request).encode())
                response = HttpResponse(content, content_type=content_type)
                response[HIT_HEADER] = "hit"
                return response
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if _cacheable(request, response):
                text = response.content.decode(response.charset)
                text, replaced = _CSRF_INPUT.subn(rf"\g<1>{_CSRF_PLACEHOLDER}\g<3>", text)
                value = (current, text.encode(response.charset), response["Content-Type"], bool(replaced))
                cache.set(key, value, timeout)
                response[HIT_HEADER] = "miss"
            return response

        return wrapper

    return decorator


def _hall_row_changed(sender, **kwargs) -> None:
    invalidate_on_commit(HALL)


def connect_hall_signals() -> None:
    """Sites, zones and departments appear on the portal and in every guide (called from ready())."""
    from django.db.models.signals import post_delete, post_save

    from hall.models import Department, Site, Zone

    for model in (Site, Zone, Department):
        uid = f"public-cache-{model._meta.label_lower}"
        post_save.connect(_hall_row_changed, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_hall_row_changed, sender=model, dispatch_uid=uid + "-delete")

"""Request guards that apply to every URL, present and future: the client address (客户端地址)
behind trusted proxies only, and refusal of NUL bytes (空字符) in paths, query strings and forms.

Both live here, once, so that no view has to remember them:

- PostgreSQL cannot store a NUL character; a ``%00`` reaching a query used to answer 500 from
  whichever view passed it on. Here a NUL in the path answers 404 (no such page), in the query
  string or a form body 400 with a Chinese message, before any view runs.
- ``X-Forwarded-For`` is written by whoever sends the request. It is believed only when the
  socket peer is one of ``settings.TRUSTED_PROXIES``, and then the right-most hop that is not a
  trusted proxy is the client (the left part of the header is the client's own claim).
  ``REMOTE_ADDR`` is replaced by that address, so every consumer (the audit log, DRF throttles
  with ``NUM_PROXIES = 0``, the page rate limits) reads the same value.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import get_resolver

NUL = "\x00"
NUL_QUERY_MESSAGE = "请求参数中含有非法的空字符（%00），请检查后重试。"
SOCKET_ADDR_META = "HALL_SOCKET_ADDR"


@lru_cache(maxsize=8)
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.5:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def resolve_client_ip(socket_addr: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str | None:
    """The client address given the socket peer, the X-Forwarded-For header and the trusted proxies.

    An untrusted peer is the client, whatever the header says. Behind trusted proxies, walk the
    header from the right and take the first hop that is not itself a trusted proxy; a malformed
    hop stops the walk (it was written by an untrusted party) and the last good hop counts.
    """
    peer = _parse_ip(socket_addr or "")
    if peer is None:
        return socket_addr or None
    networks = _trusted_networks(tuple(trusted))
    if not forwarded_for or not _is_trusted(peer, networks):
        return str(peer)
    client = peer
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        address = _parse_ip(hop)
        if address is None:
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


def client_ip(request) -> str | None:
    """The resolved client address of ``request`` (computed once; safe without the middleware)."""
    if request is None:
        return None
    cached = getattr(request, "_hall_client_ip", None)
    if cached is not None:
        return cached or None
    meta = request.META
    socket_addr = meta.get(SOCKET_ADDR_META, meta.get("REMOTE_ADDR"))
    address = resolve_client_ip(
        socket_addr, meta.get("HTTP_X_FORWARDED_FOR"), tuple(getattr(settings, "TRUSTED_PROXIES", ()))
    )
    request._hall_client_ip = address or ""
    return address


def _bad_request(request, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"message": message}, status=400)


def _has_nul(query: str) -> bool:
    return NUL in query or ("%00" in query and NUL in unquote_plus(query))


class ClientAddressMiddleware:
    """First in the chain: ``REMOTE_ADDR`` becomes the resolved client address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if SOCKET_ADDR_META not in meta:
            meta[SOCKET_ADDR_META] = meta.get("REMOTE_ADDR", "")
        address = client_ip(request)
        if address:
            meta["REMOTE_ADDR"] = address
        return self.get_response(request)


class RejectNulMiddleware:
    """After authentication (so the 404 page has its navigation): NUL bytes never reach a view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if NUL in request.path_info or NUL in request.path:
            # A path with a NUL names no page of ours: the project's 404 answer.
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "未找到。"}, status=404, json_dumps_params={"ensure_ascii": False})
            callback = get_resolver().resolve_error_handler(404)
            return callback(request, Http404("页面不存在。"))
        if _has_nul(meta.get("QUERY_STRING", "")):
            return _bad_request(request, NUL_QUERY_MESSAGE)
        content_type = meta.get("CONTENT_TYPE", "")
        # Reading a form body here is what CsrfViewMiddleware does next anyway.
        if (
            request.method == "POST"
            and content_type.startswith("application/x-www-form-urlencoded")
            and any(NUL in key or any(NUL in v for v in values) for key, values in request.POST.lists())
        ):
            return _bad_request(request, NUL_QUERY_MESSAGE)
        return self.get_response(request)

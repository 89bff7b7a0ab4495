"""Bad input on every URL of the project answers 4xx, never 5xx (issue 9).

The URLs come from the resolver (hall/tests/url_walk.py), so pages and endpoints added by any
app later are covered without touching this file: a NUL byte (%00) in each path argument and in
``q``; a deeply nested JSON body on every POST; 9999-12-31 in every date parameter.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from hall.tests.url_walk import date_parameter_names, walk_urls

pytestmark = pytest.mark.django_db

# Non-admin pages are fetched as these roles (each page guards by role, so one role would stop
# most requests at a 403 before the code under test runs); the admin site as the administrator.
ROLES = ("public", "clerk", "approver", "supervisor", "leader", "admin")
NESTED_JSON = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def clients(demo_people):
    result = {"anonymous": Client()}
    for role in ROLES:
        client = Client()
        client.force_login(demo_people[role])
        result[role] = client
    return result


def _callers(url, clients):
    if url.is_admin:
        return [("admin", clients["admin"])]
    return list(clients.items())


def _request(client, method: str, path: str, **kwargs):
    try:
        return getattr(client, method)(path, **kwargs).status_code
    except Exception as exc:  # an unhandled exception is what a 500 would have been
        return f"{type(exc).__name__}: {str(exc)[:120]}"


def _failures(results) -> list[str]:
    return [f"{who} {method.upper()} {path} → {status}" for who, method, path, status in results if _is_5xx(status)]


def _is_5xx(status) -> bool:
    return not isinstance(status, int) or status >= 500


def test_the_walk_covers_the_project():
    urls = walk_urls()
    names = {u.name for u in urls}
    assert {"api-application-detail", "api-working-days", "guide_detail", "signup", "application_list"} <= names
    assert len(urls) > 60


def test_nul_in_every_path_argument_and_in_q(clients):
    results = []
    for url in walk_urls():
        paths = [url.path(**{arg: "%00"}) for arg in url.args] + [url.path(**{arg: "a%00b"}) for arg in url.args]
        for who, client in _callers(url, clients):
            for path in paths:
                results.append((who, "get", path, _request(client, "get", path)))
            query = url.path() + "?q=%00&lookup=aaaa%00&number=%00"
            status = _request(client, "get", query)
            results.append((who, "get", query, status))
            if status != 400 and not _is_5xx(status):
                results.append((who, "get", query, f"expected 400 for a NUL in the query, got {status}"))
    assert not _failures(results), "\n".join(_failures(results))


def test_nul_in_a_form_body_is_400(clients):
    response = clients["anonymous"].post("/signup/", {"phone": "1380000\x000000", "full_name": "张三"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_nested_json_on_every_post_endpoint(clients):
    results = []
    for url in walk_urls():
        if url.accepts("post") is False:
            continue
        path = url.path()
        for who, client in _callers(url, clients):
            status = _request(client, "post", path, data=NESTED_JSON, content_type="application/json")
            results.append((who, "post", path, status))
    assert not _failures(results), "\n".join(_failures(results))


def test_nested_json_answers_400_in_chinese(clients):
    response = clients["clerk"].post("/api/v1/applications/", data=NESTED_JSON, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套层数过多" in response.json()["detail"]
    big = json.dumps({"note": "x" * (1024 * 1024 + 10)})
    response = clients["clerk"].post("/api/v1/applications/", data=big, content_type="application/json")
    assert response.status_code == 400 and "请求体过大" in response.json()["detail"]


def test_far_dates_in_every_date_parameter(clients):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    names = sorted(date_parameter_names(schema))
    assert {"start", "end", "received_from"} <= set(names)
    far = dict.fromkeys(names, "9999-12-31")
    results = []
    for url in walk_urls():
        path = url.path()
        for who, client in _callers(url, clients):
            results.append((who, "get", path, _request(client, "get", path, data={**far, "n": "5"})))
            if url.accepts("post") is not False and not url.is_admin:
                status = _request(client, "post", path, data=json.dumps(far), content_type="application/json")
                results.append((who, "post-json", path, status))
                results.append((who, "post-form", path, _request(client, "post", path, data=far)))
    assert not _failures(results), "\n".join(_failures(results))

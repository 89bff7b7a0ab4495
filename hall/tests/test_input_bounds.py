"""The pieces behind issue 9's guards: client address resolution, JSON depth, date bounds."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from rest_framework import serializers
from rest_framework.test import APIClient

from hall.middleware import resolve_client_ip
from hall.parsers import json_depth_exceeds
from hall.workdays import current_calendar

TRUSTED = ("10.0.0.0/8", "192.168.1.10")


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("203.0.113.5", "6.6.6.6, 127.0.0.1", "203.0.113.5"),  # untrusted peer: header ignored
        ("203.0.113.5", None, "203.0.113.5"),
        ("10.0.0.5", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # right-most untrusted hop
        ("10.0.0.5", "6.6.6.6, 203.0.113.7, 192.168.1.10", "203.0.113.7"),  # through two proxies
        ("10.0.0.5", "10.1.1.1", "10.1.1.1"),  # every hop trusted: the left-most
        ("10.0.0.5", "garbage, 203.0.113.7", "203.0.113.7"),
        ("10.0.0.5", "203.0.113.7, garbage", "10.0.0.5"),  # a forged hop stops the walk
        ("10.0.0.5", "[2001:db8::1]:443", "2001:db8::1"),
        ("10.0.0.5", "198.51.100.4:51234", "198.51.100.4"),
    ],
)
def test_client_address_behind_trusted_proxies(peer, header, expected):
    assert resolve_client_ip(peer, header, TRUSTED) == expected


def test_no_trusted_proxies_means_the_socket_address():
    assert resolve_client_ip("127.0.0.1", "6.6.6.6", ()) == "127.0.0.1"


def test_json_depth_ignores_brackets_inside_strings():
    assert not json_depth_exceeds('{"a": "[[[[[[[[[[[[", "b": [1, [2]]}', 3)
    assert json_depth_exceeds("[[[[1]]]]", 3)
    assert not json_depth_exceeds('["\\"[[[[["]', 1)


def test_dates_outside_1949_2100_are_refused_by_forms_and_serializers():
    class SomeForm(forms.Form):
        day = forms.DateField()

    form = SomeForm({"day": "9999-12-31"})
    assert not form.is_valid() and "1949-01-01 至 2100-12-31" in form.errors["day"][0]
    assert SomeForm({"day": "2026-10-01"}).is_valid()

    class SomeInput(serializers.Serializer):
        day = serializers.DateField()
        at = serializers.DateTimeField(required=False)

    data = SomeInput(data={"day": "1900-01-01", "at": "9999-12-31T23:59:59"})
    assert not data.is_valid() and set(data.errors) == {"day", "at"}
    assert SomeInput(data={"day": "2100-12-31"}).is_valid()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"start": "9999-12-31", "n": "5"},
        {"start": "2026-09-30", "end": "9999-12-31"},
        {"start": "2026-09-30", "end": "2090-01-01"},  # a span of more than 20 years
        {"start": "2026-09-30", "n": "5001"},
    ],
)
def test_working_days_api_answers_400_past_the_bounds(demo_people, params):
    api = APIClient()
    api.force_login(demo_people["clerk"])
    response = api.get("/api/v1/calendar/working-days/", params)
    assert response.status_code == 400, response.content
    assert any("\u4e00" <= c <= "\u9fff" for c in response.content.decode())  # a Chinese message


@pytest.mark.django_db
def test_working_day_arithmetic_refuses_unbounded_spans():
    calendar = current_calendar()
    with pytest.raises(ValueError, match="span"):
        calendar.working_days_between(date(2026, 9, 30), date(9999, 12, 31))
    with pytest.raises(ValueError):
        calendar.add_working_days(date(9999, 12, 31), 5)

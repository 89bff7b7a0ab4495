"""The whole registry against the raw rows: each of reports' figures, in the registry, the API, the
dashboards and the exported workbook, equals the figure counted directly."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from approvals.models import Application
from hall.metrics import SECTIONS, Scope
from hall.models import Site
from reports.exports.annual import write_annual
from reports.models import ApplicationDailyRollup, QueueDailyRollup
from reports.periods import year_to_date
from reports.registry import all_metrics, evaluate, metric_by_code, value_of
from reports.rollups import rollups_rebuild
from reports.tests.conftest import YEAR
from reports.tests.direct import all_direct

pytestmark = [pytest.mark.django_db]

CATALOG_ONLY_YEAR = {"catalog.town_matters"}


def _move_some_to_towns() -> Site | None:
    """Put every fifth application at a town centre, so the site levels are exercised."""
    town = Site.objects.filter(level=Site.Level.TOWN).first()
    if town is not None:
        ids = list(Application.objects.order_by("id").values_list("id", flat=True)[::5])
        Application.objects.filter(id__in=ids).update(site=town, channel="town_site")
    return town


def _compare(scope: Scope) -> None:
    expected = all_direct(scope)
    got = {m.code: v for m, v in evaluate(scope) if m.code in expected}
    assert set(got) == set(expected)
    mismatched = {code: (got[code], expected[code]) for code in expected if got[code] != expected[code]}
    assert not mismatched


def test_every_figure_equals_the_direct_count(generated):
    town = _move_some_to_towns()
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])
    _compare(Scope(*YEAR))
    _compare(Scope(date(2026, 3, 1), date(2026, 3, 31)))
    _compare(Scope(date(2026, 1, 1), date(2026, 6, 30), site_ids=frozenset({town.pk})))
    department_id = Application.objects.values_list("department_id", flat=True).first()
    _compare(Scope(*YEAR, department_id=department_id))


def test_breakdowns_add_up_to_the_figure(generated):
    scope = Scope(*YEAR)
    for code in ["app.received", "app.completed", "queue.issued"]:
        metric = metric_by_code(code)
        total = metric.value(scope)
        for dimension in metric.dimensions:
            rows = metric.breakdown(scope, dimension)
            assert sum(r.value or 0 for r in rows) == total, (code, dimension)
    received = metric_by_code("app.received").breakdown(scope, "month")
    assert [r.key for r in received][:2] == ["2026-01", "2026-02"] and len(received) == 12


def test_rebuild_is_idempotent_and_exact(generated):
    def snapshot():
        fields = ["day", "site_id", "department_id", "matter_id", "channel", "received", "completed", "assisted"]
        return sorted(ApplicationDailyRollup.objects.values_list(*fields)), sorted(
            QueueDailyRollup.objects.values_list("day", "line_id", "window_id", "issued", "called", "wait_seconds")
        )

    before = snapshot()
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])
    assert snapshot() == before
    # A new application appears in its day only after the rebuild of that day.
    app = Application.objects.filter(received_on__isnull=False).first()
    Application.objects.filter(pk=app.pk).update(is_assisted=not app.is_assisted)
    rollups_rebuild(first_day=app.received_on, last_day=app.received_on)
    _compare(Scope(*YEAR))


def test_codes_are_unique_and_every_figure_is_documented():
    codes = [m.code for m in all_metrics()]
    assert len(codes) == len(set(codes))
    for metric in all_metrics():
        assert metric.name and metric.formula and metric.unit and metric.section in SECTIONS, metric.code
    own = {m.section for m in all_metrics() if m.code.split(".")[0] in {"app", "queue", "catalog"}}
    assert {"办件", "窗口与排队", "事项与改革", "帮办代办与勘验"} <= own


def _api_value(raw):
    return None if raw is None else Decimal(raw)


def test_api_figures_equal_the_direct_count(client, generated):
    client.force_login(generated["supervisor"])
    response = client.get(reverse("api-report-metrics"), {"period": "year", "year": 2026})
    assert response.status_code == 200
    expected = all_direct(Scope(*YEAR))
    figures = {f["code"]: f for f in response.json()["figures"]}
    for code, value in expected.items():
        assert _api_value(figures[code]["value"]) == (None if value is None else Decimal(value)), code
        assert figures[code]["formula"]
    detail = client.get(reverse("api-report-metric", args=["app.received"]), {"year": 2026, "dimension": "channel"})
    assert detail.status_code == 200
    assert sum(Decimal(r["value"]) for r in detail.json()["rows"]) == expected["app.received"]


def test_leader_cockpit_and_supervisor_dashboard_show_the_direct_counts(
    client, generated, django_assert_max_num_queries
):
    from django.utils import timezone

    today = timezone.localdate()
    client.force_login(generated["leader"])
    response = client.get(reverse("leader_home"))
    assert response.status_code == 200
    ytd = all_direct(Scope(date(today.year, 1, 1), today))
    shown = {f.code: f.value for f in response.context["headline"] + response.context["rates"]}
    for code in [
        "app.received",
        "app.accepted",
        "app.completed",
        "app.completion_rate",
        "app.on_time_rate",
        "app.online_rate",
        "app.full_online_rate",
        "queue.issued",
        "queue.called",
        "app.assisted",
    ]:
        assert shown[code] == ytd[code], code
    # Every card of rates, 好差评 and 市场主体 stands beside the same days of last year.
    last = year_to_date(today, years_back=1)
    compared = response.context["rates"] + response.context["entities"]
    assert {"好差评", "市场主体"} <= {metric_by_code(f.code).section for f in compared}
    for f in compared:
        assert f.previous == value_of(metric_by_code(f.code), last), f.code
    assert [f for f in compared if metric_by_code(f.code).section in ("好差评", "市场主体") and f.previous is not None]
    assert response.content.decode().count("上年同期") >= len(compared)
    assert "待数据接入" not in response.content.decode()
    client.force_login(generated["supervisor"])
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    month = all_direct(Scope(today.replace(day=1), today))
    shown = {f.code: f.value for f in response.context["month"]}
    assert shown["app.received"] == month["app.received"]
    live = response.context["live"]
    running = Application.objects.filter(clock_state="running")
    assert live["red"] == running.filter(warning_level="red").count()
    assert live["yellow"] == running.filter(warning_level="yellow").count()


def test_workbook_has_every_sheet_chart_and_definition_and_equals_the_direct_counts(generated):
    buffer = io.BytesIO()
    write_annual(buffer, year=2026)
    buffer.seek(0)
    wb = load_workbook(buffer)
    assert wb.sheetnames == [
        "概览",
        "办件",
        "窗口与排队",
        "好差评",
        "诉求工单",
        "市场主体",
        "事项与改革",
        "帮办代办与勘验",
        "指标说明",
    ]
    assert wb["办件"]._charts, "办件 has its monthly trend and rate charts"
    assert wb["窗口与排队"]._charts
    definitions = {row[0]: row for row in wb["指标说明"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert set(definitions) == {m.code for m in all_metrics()}
    for sheet in wb.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.page_setup.orientation == "landscape"
    expected = all_direct(Scope(*YEAR))
    by_name = {m.name: m for m in all_metrics()}
    checked = 0
    for section in ["办件", "窗口与排队", "事项与改革", "帮办代办与勘验"]:
        for row in wb[section].iter_rows(min_row=2, values_only=True):
            metric = by_name.get(row[0])
            if metric is None or metric.section != section or metric.code not in expected:
                continue
            value = expected[metric.code]
            if value is None:
                assert row[1] == "—"
            elif metric.unit == "%":
                assert round(Decimal(str(row[1])) * 100, 2) == value, metric.code
            else:
                assert Decimal(str(row[1])) == Decimal(value), metric.code
            checked += 1
    assert checked >= 30
    overview = {row[1]: row for row in wb["概览"].iter_rows(min_row=2, values_only=True) if row[1]}
    assert overview["接件量"][2] == expected["app.received"]
    # No personal data: no ID number or phone of an applicant anywhere.
    phones = set(Application.objects.values_list("applicant_phone", flat=True)[:50])
    for sheet in wb.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for cell in row:
                assert not (isinstance(cell, str) and cell in phones)

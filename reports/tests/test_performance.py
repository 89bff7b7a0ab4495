"""Performance follow-up of the dashboards (issue 13): warning count on its partial index, figures
cached per scope and rollup run, several figures from one GROUP BY, print set-up of write-only sheets."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from approvals.models import Application
from hall.metrics import Scope
from hall.spreadsheets import apply_print_setup
from reports.metrics import applications as app_metrics
from reports.metrics.base import memo
from reports.models import RollupRun
from reports.rollups import rollups_rebuild
from reports.selectors import live_hall
from reports.tests.conftest import YEAR
from reports.tests.direct import all_direct

pytestmark = [pytest.mark.django_db]


def _get(client, url: str):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured.captured_queries)


def test_dashboard_figures_are_cached_per_scope_and_rollup_run(client, generated):
    client.force_login(generated["leader"])
    cache.clear()
    cold, cold_queries = _get(client, reverse("leader_home"))
    warm, warm_queries = _get(client, reverse("leader_home"))
    # The refresh reads the last rollup run (the cache key) and nothing else of the figures.
    assert warm_queries < cold_queries
    assert [(f.code, f.value) for f in warm.context["headline"]] == [
        (f.code, f.value) for f in cold.context["headline"]
    ]
    assert warm.context["charts"] == cold.context["charts"]
    # A new rollup run changes the key: the next refresh computes the figures again.
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])
    _, after_rebuild = _get(client, reverse("leader_home"))
    assert after_rebuild > warm_queries
    client.force_login(generated["supervisor"])
    cache.clear()
    _, cold_queries = _get(client, reverse("dashboard"))
    _, warm_queries = _get(client, reverse("dashboard"))
    assert warm_queries < cold_queries


def test_totals_and_breakdowns_of_a_scope_share_one_group_by(generated):
    scope = Scope(date(2026, 1, 1), date(2026, 11, 30))  # whole months and no edge: one table read
    expected = all_direct(scope)
    with memo(), CaptureQueriesContext(connection) as captured:
        values = app_metrics.totals(scope)
        by = {d: app_metrics.breakdown_records(scope, d) for d in app_metrics.CUBE}
    assert len(captured.captured_queries) == 1
    assert values["received"] == expected["app.received"]
    for dimension, records in by.items():
        assert sum(v["received"] for _, _, v in records) == values["received"], dimension
        assert sum(v["completed"] for _, _, v in records) == values["completed"], dimension
        assert len({key for key, _, _ in records}) == len(records), dimension


@pytest.mark.postgres
def test_live_warning_count_uses_its_partial_index(generated):
    running = Application.objects.filter(clock_state="running").order_by("id")
    ids = list(running.values_list("id", flat=True)[:5])
    running.update(warning_level="none")  # the load data comes with the cards of its day
    Application.objects.filter(id__in=ids[:3]).update(warning_level="yellow")
    Application.objects.filter(id__in=ids[3:]).update(warning_level="red")
    queryset = (
        Application.objects.filter(clock_state="running", warning_level__in=["yellow", "red"])
        .values_list("warning_level")
        .order_by()
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "application_warning_live_idx" in plan
    live = live_hall()
    assert (live["yellow"], live["red"]) == (3, len(ids) - 3)


def test_print_setup_works_on_write_only_sheets():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("概览")
    apply_print_setup(sheet, header_rows=1, title="概览")
    sheet.append(["指标", "数值"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = load_workbook(io.BytesIO(buffer.getvalue()))["概览"]
    assert read.page_setup.paperSize == 9  # A4
    assert read.page_setup.orientation == "landscape"
    assert read.print_title_rows == "$1:$1"
    assert read.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_dashboards_read_the_snapshot_written_after_a_rollup_run(client, generated):
    from datetime import timedelta

    from django.utils import timezone

    from approvals.models import DepartmentHead
    from hall.models import Department
    from reports.models import DashboardSnapshot
    from reports.selectors import dashboards_warm

    department = Department.objects.filter(parent__isnull=True).order_by("id").first()
    DepartmentHead.objects.create(department=department, user=generated["approver"])
    stale = DashboardSnapshot.objects.create(
        page="leader",
        day=timezone.localdate() - timedelta(days=1),
        run=RollupRun.objects.latest("id"),
        payload=b"",
        computed_at=timezone.now(),
    )
    assert dashboards_warm() == 4  # both pages, for the bureau and the one headed department
    assert not DashboardSnapshot.objects.filter(pk=stale.pk).exists()
    assert set(DashboardSnapshot.objects.values_list("page", "department_id")) == {
        ("leader", None),
        ("supervisor", None),
        ("leader", department.pk),
        ("supervisor", department.pk),
    }

    client.force_login(generated["leader"])
    cache.clear()
    from_snapshot, snapshot_queries = _get(client, reverse("leader_home"))
    DashboardSnapshot.objects.all().delete()
    cache.clear()
    computed, computed_queries = _get(client, reverse("leader_home"))
    # One row read instead of forty figures computed, and the same figures on the page.
    assert snapshot_queries < computed_queries - 10
    assert [(f.code, f.value) for f in from_snapshot.context["headline"]] == [
        (f.code, f.value) for f in computed.context["headline"]
    ]
    assert from_snapshot.context["charts"] == computed.context["charts"]
    # The page stored what it computed; a snapshot older than ten minutes is computed again.
    assert DashboardSnapshot.objects.filter(page="leader", department__isnull=True).exists()
    DashboardSnapshot.objects.update(computed_at=timezone.now() - timedelta(minutes=11))
    cache.clear()
    _, old_snapshot_queries = _get(client, reverse("leader_home"))
    assert old_snapshot_queries > snapshot_queries + 10
    assert DashboardSnapshot.objects.get(page="leader", department__isnull=True).computed_at > (
        timezone.now() - timedelta(minutes=1)
    )
    # A snapshot written by an older release (another format) is not trusted either.
    DashboardSnapshot.objects.update(payload=b"not a pickle")
    cache.clear()
    again, _ = _get(client, reverse("leader_home"))
    assert again.context["charts"] == computed.context["charts"]

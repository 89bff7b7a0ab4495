"""Dashboards cost a constant number of queries; the export job and the rollup tasks are idempotent."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from approvals.load import generate_applications
from hall.models import AuditLog
from reports.exports.jobs import export_job_run, export_job_start
from reports.load import generate_tickets
from reports.models import ExportJob, RollupRun
from reports.rollups import rollups_rebuild
from reports.tasks import rebuild_rollups, refresh_today
from reports.tests.conftest import TODAY, YEAR

pytestmark = [pytest.mark.django_db]


def _queries(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_dashboards_use_a_constant_number_of_queries(client, people):
    generate_applications(count=30, today=TODAY, seed=1)
    generate_tickets(count=20, year=2026, today=TODAY, seed=1)
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])
    client.force_login(people["supervisor"])
    small_dashboard = _queries(client, reverse("dashboard"))
    small_api = _queries(client, reverse("api-report-metrics"))
    client.force_login(people["leader"])
    small_cockpit = _queries(client, reverse("leader_home"))
    generate_applications(count=400, today=TODAY, seed=2)
    generate_tickets(count=300, year=2026, today=TODAY, seed=2)
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])
    assert _queries(client, reverse("leader_home")) == small_cockpit
    client.force_login(people["supervisor"])
    assert _queries(client, reverse("dashboard")) == small_dashboard
    assert _queries(client, reverse("api-report-metrics")) == small_api
    # The htmx refresh returns the body only, the big screen renders without navigation.
    body = client.get(reverse("dashboard"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in body and "实时大厅" in body
    # Nobody waits today (the tickets are of another day): a sentence, not an empty chart.
    assert "各专区当前无人等候" in body and 'data-chart="zones"' not in body
    client.force_login(people["leader"])
    screen = client.get(reverse("leader_home"), {"screen": "1"}).content.decode()
    assert "cockpit-screen" in screen and "退出大屏" in screen


def test_export_job_runs_once_and_keeps_the_file(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = export_job_start(year=2026, site=None, department_id=None, by=people["leader"])
    assert len(callbacks) == 1  # enqueued after commit only
    assert export_job_run(job_id=job.pk) == "done"
    assert export_job_run(job_id=job.pk) == "skipped"
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.progress == 100 and job.file_name.endswith(".xlsx")
    with job.file.open("rb") as handle:
        assert load_workbook(handle).sheetnames[-1] == "指标说明"
    assert AuditLog.objects.filter(action="report.export_start", object_id=str(job.pk)).exists()


def test_rollup_tasks_are_idempotent(people):
    generate_applications(count=50, today=TODAY, seed=4)
    rebuild_rollups(first_day="2026-01-01", last_day="2026-12-31")
    first = RollupRun.objects.latest("id")
    rebuild_rollups(first_day="2026-01-01", last_day="2026-12-31")
    second = RollupRun.objects.latest("id")
    assert (first.application_rows, first.queue_rows) == (second.application_rows, second.queue_rows)
    assert refresh_today().startswith(str(date.today())[:4])
    assert rebuild_rollups()  # the nightly default: the last seven days


def test_default_schedules_exist(db):
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"reports.rebuild_rollups", "reports.refresh_today", "reports.warm_dashboards"} <= tasks

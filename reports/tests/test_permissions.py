"""Who may read reports: clerks, approvers and citizens get 403 on every page, API and download;
a department head reads their own department only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals.models import DepartmentHead
from reports.models import ExportJob

pytestmark = [pytest.mark.django_db]

PAGES = [
    ("dashboard", []),
    ("leader_home", []),
    ("reports_period", []),
    ("reports_metric", ["app.received"]),
    ("reports_exports", []),
]
APIS = [
    ("api-report-metrics", []),
    ("api-report-metric", ["app.received"]),
    ("api-report-exports", []),
]


@pytest.fixture
def job(people, tmp_path):
    from django.core.files.base import ContentFile

    job = ExportJob(year=2026, requested_by=people["leader"], status="done", progress=100, file_name="x.xlsx")
    job.file.save("annual-test.xlsx", ContentFile(b"PK"), save=False)
    job.save()
    return job


@pytest.mark.parametrize("role", ["clerk", "approver", "inspector", "public"])
def test_other_roles_get_403_everywhere(client, people, job, role):
    client.force_login(people[role])
    for name, args in PAGES:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 403, (name, role)
        assert "无权访问" in response.content.decode()
    for name, args in APIS:
        assert client.get(reverse(name, args=args)).status_code == 403, (name, role)
    assert client.post(reverse("api-report-exports"), {"year": 2026}).status_code == 403
    assert client.post(reverse("reports_exports"), {"year": 2026}).status_code == 403
    for name in ["reports_export_status", "reports_export_download", "api-report-export", "api-report-export-download"]:
        assert client.get(reverse(name, args=[job.pk])).status_code == 403, (name, role)


@pytest.mark.parametrize("role", ["supervisor", "leader", "admin"])
def test_report_roles_read_everything(client, people, job, role):
    client.force_login(people[role])
    for name, args in PAGES:
        if name == "leader_home" and role != "leader":
            continue  # the cockpit is the leaders' page (hall.roles)
        assert client.get(reverse(name, args=args)).status_code == 200, (name, role)
    for name, args in APIS:
        assert client.get(reverse(name, args=args)).status_code == 200, (name, role)
    response = client.get(reverse("reports_export_download", args=[job.pk]))
    assert response.status_code == 200
    from hall.models import AuditLog

    assert AuditLog.objects.filter(action="report.export_download", object_id=str(job.pk), actor=people[role]).exists()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("reports_period"))
    assert response.status_code == 302 and reverse("login") in response.url
    assert client.get(reverse("api-report-metrics")).status_code in (401, 403)


def test_a_department_head_reads_their_department_only(client, people, job):
    approver = people["approver"]
    DepartmentHead.objects.create(department=approver.department, user=approver)
    client.force_login(approver)
    response = client.get(reverse("api-report-metrics"))
    assert response.status_code == 200
    assert response.json()["period"]["department"] == approver.department_id
    assert client.get(reverse("reports_period")).status_code == 200
    # The bureau-wide export of the leader is not theirs.
    assert client.get(reverse("api-report-export", args=[job.pk])).status_code == 404
    assert client.get(reverse("reports_export_download", args=[job.pk])).status_code == 404

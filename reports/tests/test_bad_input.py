"""Bad input gets a clear Chinese message (4xx, never 500); an empty year is a workbook of zeros."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from reports.exports.annual import write_annual

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def supervisor_client(client, people):
    client.force_login(people["supervisor"])
    return client


def test_a_period_ending_before_it_starts(supervisor_client):
    params = {"period": "range", "start": "2026-05-01", "end": "2026-04-01"}
    response = supervisor_client.get(reverse("api-report-metrics"), params)
    assert response.status_code == 400
    assert response.json()["end"] == ["截止日期不能早于起始日期。"]
    page = supervisor_client.get(reverse("reports_period"), params)
    assert page.status_code == 400 and "截止日期不能早于起始日期" in page.content.decode()


def test_malformed_values(supervisor_client):
    response = supervisor_client.get(reverse("api-report-metrics"), {"period": "week", "year": "abc"})
    assert response.status_code == 400
    body = response.json()
    assert "period" in body and body["year"] == ["年度应为整数。"]
    response = supervisor_client.get(reverse("api-report-metrics"), {"period": "month", "month": "13"})
    assert response.json()["month"] == ["月份应在 1～12 之间。"]


def test_unknown_site_and_figure_and_dimension(supervisor_client):
    response = supervisor_client.get(reverse("api-report-metrics"), {"site": "999999"})
    assert response.status_code == 400 and "不存在" in response.json()["site"][0]
    response = supervisor_client.get(reverse("api-report-metric", args=["no.such"]))
    assert response.status_code == 404 and "不存在" in response.json()["detail"]
    response = supervisor_client.get(reverse("api-report-metric", args=["app.received"]), {"dimension": "planet"})
    assert response.status_code == 400 and "不能按" in response.json()["dimension"][0]
    assert supervisor_client.get(reverse("reports_metric", args=["no.such"])).status_code == 404
    response = supervisor_client.post(reverse("api-report-exports"), {"year": 1900}, content_type="application/json")
    assert response.status_code == 400 and "2000" in response.json()["year"][0]
    response = supervisor_client.post(reverse("reports_exports"), {"year": "20x6", "site": "abc"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "年度应为四位数字" in text and "不存在" in text


def test_an_empty_year_is_a_workbook_of_zeros(people, tmp_path, supervisor_client):
    out = tmp_path / "empty.xlsx"
    call_command("export_annual", "--year", "2031", "--out", str(out))
    wb = load_workbook(out)
    rows = [r for r in wb["办件"].iter_rows(min_row=2, max_row=20, values_only=True) if r[0]]
    received = next(r for r in rows if r[0] == "接件量")
    assert received[1] == 0
    rate = next(r for r in rows if r[0] == "办结率")
    assert rate[1] == "—"  # nothing to divide by: not a false 0 %
    response = supervisor_client.get(reverse("api-report-metrics"), {"year": 2031})
    assert response.status_code == 200
    buffer = io.BytesIO()
    write_annual(buffer, year=2031)
    assert buffer.getvalue()[:2] == b"PK"


def test_command_errors_are_clear(tmp_path, db):
    with pytest.raises(CommandError, match="年度"):
        call_command("export_annual", "--year", "abcd", "--out", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="不存在"):
        call_command("export_annual", "--year", "2026", "--site", "没有这个中心", "--out", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="截止日期"):
        call_command("rebuild_rollups", "--from", "2026-05-01", "--to", "2026-04-01")


def test_period_report_exports_xlsx_and_csv(supervisor_client, people):
    response = supervisor_client.get(reverse("reports_period"), {"period": "half", "year": 2026, "half": 1})
    assert response.status_code == 200 and "2026年上半年" in response.content.decode()
    xlsx = supervisor_client.get(
        reverse("reports_period"), {"period": "quarter", "year": 2026, "quarter": 2, "format": "xlsx"}
    )
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = supervisor_client.get(
        reverse("reports_period"), {"period": "month", "year": 2026, "month": 3, "format": "csv"}
    )
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert "app.received" in text and "2026年3月" in text

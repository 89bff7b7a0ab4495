"""The set-based rollup rebuild, row by row: every row equals what a plain Python pass over the raw
rows computes; rebuilding twice gives the same rows; a range rebuild leaves the other days alone."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from approvals.models import ONLINE_CHANNELS, Application, ClockExtension, ClockPause
from hall.queue.models import CallLog, Ticket
from reports.models import (
    WAIT_BUCKETS,
    ApplicationDailyRollup,
    ApplicationMonthlyRollup,
    QueueDailyRollup,
    QueueMonthlyRollup,
)
from reports.rollups import histogram_add, rollups_rebuild
from reports.tests.conftest import YEAR

pytestmark = [pytest.mark.django_db]

SHANGHAI = ZoneInfo("Asia/Shanghai")
APP_FIELDS = [f.attname for f in ApplicationDailyRollup._meta.concrete_fields if f.name != "id"]
MONTH_FIELDS = [f.attname for f in ApplicationMonthlyRollup._meta.concrete_fields if f.name != "id"]
QUEUE_FIELDS = [f.attname for f in QueueDailyRollup._meta.concrete_fields if f.name != "id"]
QUEUE_MONTH_FIELDS = [f.attname for f in QueueMonthlyRollup._meta.concrete_fields if f.name != "id"]


def _tables() -> tuple[list, list, list]:
    return (
        sorted(ApplicationDailyRollup.objects.values_list(*APP_FIELDS), key=repr),
        sorted(ApplicationMonthlyRollup.objects.values_list(*MONTH_FIELDS), key=repr),
        sorted(QueueDailyRollup.objects.values_list(*QUEUE_FIELDS), key=repr),
        sorted(QueueMonthlyRollup.objects.values_list(*QUEUE_MONTH_FIELDS), key=repr),
    )


def _expected_application_rows() -> dict[tuple, dict]:
    """办件日汇总 counted application by application, in Python."""
    rows: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))

    def row(day, app):
        version = app.matter_version
        key = (day, app.site_id, app.department_id, version.matter_id, app.channel)
        rows[key]["site_level"] = app.site.level
        rows[key]["category"] = version.matter_type
        return rows[key]

    for app in Application.objects.select_related("matter_version", "site"):
        online = app.channel in ONLINE_CHANNELS
        if app.received_on:
            r = row(app.received_on, app)
            r["received"] += 1
            r["online_received"] += online
            r["full_online_received"] += online and app.matter_version.online_depth == "4"
            r["assisted"] += app.is_assisted
            r["not_accepted"] += app.status == "not_accepted"
        if app.accepted_on:
            row(app.accepted_on, app)["accepted"] += 1
        if app.completed_on:
            r = row(app.completed_on, app)
            r["completed"] += 1
            r["completed_on_time"] += bool(app.on_time)
            r["immediate_completed"] += app.matter_version.handling_type == "1"
            r["elapsed_days"] += app.elapsed_working_days or 0
    for pause in ClockPause.objects.select_related("application__matter_version", "application__site"):
        r = row(pause.started_on, pause.application)
        r["paused"] += 1
        r["inspections"] += pause.kind == "inspection"
    for extension in ClockExtension.objects.filter(status="approved", decided_at__isnull=False).select_related(
        "application__matter_version", "application__site"
    ):
        row(extension.decided_at.astimezone(SHANGHAI).date(), extension.application)["extensions"] += 1
    return rows


def _expected_queue_rows() -> dict[tuple, dict]:
    """排队日汇总 counted ticket by ticket and call by call, in Python."""
    rows: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for ticket in Ticket.objects.select_related("line"):
        r = rows[(ticket.service_date, ticket.site_id, ticket.line_id, ticket.window_id, ticket.clerk_id)]
        r["zone_id"] = ticket.line.zone_id
        r["issued"] += 1
        r["called"] += ticket.called_at is not None
        r["served"] += ticket.status == "done"
        r["no_show"] += ticket.status == "no_show"
        if ticket.wait_seconds is not None:
            r["wait_count"] += 1
            r["wait_seconds"] += ticket.wait_seconds
            histogram = r.setdefault("wait_histogram", [0] * WAIT_BUCKETS)
            histogram[min(ticket.wait_seconds // 60, WAIT_BUCKETS - 1)] += 1
        if ticket.service_seconds is not None:
            r["service_count"] += 1
            r["service_seconds"] += ticket.service_seconds
    for call in CallLog.objects.select_related("ticket", "line"):
        r = rows[(call.ticket.service_date, call.site_id, call.line_id, call.window_id, call.clerk_id)]
        r["zone_id"] = call.line.zone_id
        r["calls"] += 1
    return rows


def _measures(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def test_every_row_equals_the_rows_counted_in_python(generated):
    # An extension decided just after local midnight belongs to the local day, not the UTC one.
    app = Application.objects.filter(accepted_on__isnull=False).order_by("-id").first()
    ClockExtension.objects.create(
        application=app,
        working_days=3,
        reason="情况复杂",
        status="approved",
        requested_by=generated["approver"],
        decided_by=generated["supervisor"],
        decided_at=datetime(2026, 3, 1, 0, 30, tzinfo=SHANGHAI),
    )
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])

    expected = _expected_application_rows()
    measures = [f for f in APP_FIELDS if f not in {"day", "site_id", "department_id", "matter_id", "channel"}]
    got = {
        (r.day, r.site_id, r.department_id, r.matter_id, r.channel): _measures(r, measures)
        for r in ApplicationDailyRollup.objects.all()
    }
    assert got.keys() == expected.keys()
    for key, row in got.items():
        assert row == {name: expected[key].get(name, 0) for name in measures}, key
    assert sum(r["extensions"] for k, r in got.items() if k[0] == date(2026, 3, 1)) >= 1
    assert ClockPause.objects.exists() and sum(r["paused"] for r in got.values()) == ClockPause.objects.count()

    months: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    summed = [f for f in measures if f not in {"site_level", "category"}]
    for (day, site, department, _matter, channel), row in got.items():
        month = months[(day.replace(day=1), site, row["site_level"], department, row["category"], channel)]
        for name in summed:
            month[name] += row[name]
    assert {
        (r.month, r.site_id, r.site_level, r.department_id, r.category, r.channel): _measures(r, summed)
        for r in ApplicationMonthlyRollup.objects.all()
    } == {key: {name: row[name] for name in summed} for key, row in months.items()}

    expected = _expected_queue_rows()
    measures = [f for f in QUEUE_FIELDS if f not in {"day", "site_id", "line_id", "window_id", "clerk_id"}]
    got = {
        (r.day, r.site_id, r.line_id, r.window_id, r.clerk_id): _measures(r, measures)
        for r in QueueDailyRollup.objects.all()
    }
    assert got.keys() == expected.keys()
    assert any(any(r["wait_histogram"][1:]) for r in got.values()), "the generated waits fill several minutes"
    for key, row in got.items():
        want = {name: expected[key].get(name, 0) for name in measures}
        want["wait_histogram"] = expected[key].get("wait_histogram", [0] * WAIT_BUCKETS)
        assert row == want, key

    # The monthly queue rows are the daily rows summed per month, histograms minute by minute.
    queue_months: dict[tuple, dict] = {}
    for (day, site, line, window, clerk), row in got.items():
        month = queue_months.setdefault(
            (day.replace(day=1), site, line, window, clerk), {"zone_id": row["zone_id"], "wait_histogram": None}
        )
        for name in measures:
            if name == "wait_histogram":
                month[name] = histogram_add(month[name] or [], row[name])
            elif name != "zone_id":
                month[name] = month.get(name, 0) + row[name]
    assert {
        (r.month, r.site_id, r.line_id, r.window_id, r.clerk_id): _measures(r, measures)
        for r in QueueMonthlyRollup.objects.all()
    } == queue_months
    assert len(queue_months) < len(got)


def test_rebuilding_twice_gives_the_same_rows(generated):
    first = _tables()
    assert all(first)
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])
    assert _tables() == first
    call_command("rebuild_rollups", "--year", "2026")
    assert _tables() == first


def test_a_range_rebuild_leaves_the_other_days_alone(generated):
    inside, outside = date(2026, 6, 10), date(2026, 6, 9)
    assert ApplicationDailyRollup.objects.filter(day=inside).exists()
    assert ApplicationDailyRollup.objects.filter(day=outside).exists()
    assert QueueDailyRollup.objects.filter(day__in=[inside, outside]).values("day").distinct().count() == 2
    before = _tables()
    # Damage both days; only the rebuilt day is repaired, the other keeps its (wrong) counts.
    ApplicationDailyRollup.objects.filter(day__in=[inside, outside]).update(received=999)
    QueueDailyRollup.objects.filter(day__in=[inside, outside]).update(issued=999)
    ApplicationMonthlyRollup.objects.filter(month=date(2026, 5, 1)).update(received=999)

    rollups_rebuild(first_day=inside, last_day=inside)

    assert not ApplicationDailyRollup.objects.filter(day=inside, received=999).exists()
    assert not QueueDailyRollup.objects.filter(day=inside, issued=999).exists()
    assert set(ApplicationDailyRollup.objects.filter(day=outside).values_list("received", flat=True)) == {999}
    assert set(QueueDailyRollup.objects.filter(day=outside).values_list("issued", flat=True)) == {999}
    # June is recomputed from its daily rows (with the damaged 9 June); May is not touched.
    june = ApplicationMonthlyRollup.objects.filter(month=date(2026, 6, 1))
    assert sum(june.values_list("received", flat=True)) == sum(
        ApplicationDailyRollup.objects.filter(day__month=6, day__year=2026).values_list("received", flat=True)
    )
    assert set(ApplicationMonthlyRollup.objects.filter(month=date(2026, 5, 1)).values_list("received", flat=True)) == {
        999
    }

    rollups_rebuild(first_day=outside - timedelta(days=40), last_day=inside)
    assert _tables() == before


def test_the_all_option_rebuilds_every_rollup_and_times_each_part(generated, capsys):
    call_command("rebuild_rollups", "--year", "2026", "--all")
    out = capsys.readouterr().out
    assert "办件汇总" in out and "好差评汇总" in out and "工单汇总" in out and "总用时" in out

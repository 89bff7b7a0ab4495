"""Reports cost a constant number of queries whatever the data size (issue 13): the metrics API,
one figure by a dimension and the annual export, with every app's figures fed (办件, 排队, 好差评,
诉求工单, 市场主体)."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.load import generate_applications
from enterprises.load import generate_entities
from evaluations.load import generate_evaluations
from evaluations.rollups import rollups_rebuild as evaluations_rebuild
from evaluations.workorders.load import generate_workorders
from evaluations.workorders.rollups import rollup_rebuild as workorders_rebuild
from reports.exports.annual import write_annual
from reports.load import generate_tickets
from reports.rollups import rollups_rebuild
from reports.tests.conftest import TODAY, YEAR

pytestmark = [pytest.mark.django_db]

# The metrics API reads a handful of aggregates per app, shared by its figures (hall.metrics.memo):
# a bound well under one query per figure, so a figure that starts querying on its own shows here.
MAX_API_QUERIES = 45


def _counted(captured) -> int:
    """Queries sent, without the savepoints ``registry.safe_call`` opens inside the test's transaction
    (in production a request runs in autocommit and opens none)."""
    return sum(1 for q in captured.captured_queries if "SAVEPOINT" not in q["sql"])


def _grow(*, applications: int, tickets: int, workorders: int, entities: int, seed: int) -> None:
    generate_applications(count=applications, today=TODAY, seed=seed)
    generate_tickets(count=tickets, year=2026, today=TODAY, seed=seed)
    generate_evaluations(seed=seed, today=TODAY)
    generate_workorders(count=workorders, today=TODAY, seed=seed)
    generate_entities(count=entities, years=2, today=TODAY, seed=seed, bundles=entities // 4)
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])
    evaluations_rebuild(start=YEAR[0], end=YEAR[1])
    workorders_rebuild(start=YEAR[0], end=YEAR[1])


def _queries(client, url: str, **params) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return _counted(captured)


def _export_queries() -> int:
    with CaptureQueriesContext(connection) as captured:
        write_annual(io.BytesIO(), year=2026)
    return _counted(captured)


def _measure(client) -> dict[str, int]:
    year = {"period": "year", "year": "2026"}
    return {
        "metrics": _queries(client, reverse("api-report-metrics"), **year),
        "metrics_month": _queries(client, reverse("api-report-metrics"), period="month", year="2026", month="11"),
        **{
            f"{code} by {dimension}": _queries(
                client, reverse("api-report-metric", args=[code]), dimension=dimension, **year
            )
            for code, dimension in (
                ("app.received", "department"),
                ("queue.p90_wait", "window"),
                ("evaluations.good_rate", "department"),
                ("wo_received", "site"),
                ("entities_stock", "entity_type"),
            )
        },
        "export": _export_queries(),
    }


def test_reports_cost_the_same_queries_at_any_size(client, people):
    _grow(applications=30, tickets=20, workorders=8, entities=12, seed=1)
    client.force_login(people["supervisor"])
    small = _measure(client)
    assert small["metrics"] <= MAX_API_QUERIES
    _grow(applications=300, tickets=250, workorders=80, entities=120, seed=2)
    large = _measure(client)
    assert large == small

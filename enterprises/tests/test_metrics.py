"""Each figure of enterprises.metrics equals a direct count over generated data (one test per figure)."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest

from enterprises import metrics
from enterprises.load import generate_entities
from enterprises.models import Dormancy, EntityType, MarketEntity, StartupBundle
from enterprises.selectors import entity_search
from enterprises.services import entity_convert
from hall.metrics import Scope, rate

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)
SCOPE = Scope(start=date(2026, 1, 1), end=TODAY)


@pytest.fixture
def data(demo_people):
    from hall.models import Site

    generate_entities(count=800, years=4, today=TODAY, seed=7, bundles=60)
    site = Site.objects.select_related("division").get(level=Site.Level.COUNTY)
    individuals = MarketEntity.objects.filter(entity_type=EntityType.INDIVIDUAL, status="active")[:3]
    for individual in individuals:
        entity_convert(entity=individual, data={"entity_type": EntityType.LLC}, by=demo_people["supervisor"], site=site)
    return list(MarketEntity.objects.all()), list(StartupBundle.objects.all())


def _in(day, scope=SCOPE):
    return day is not None and scope.start <= day <= scope.end


def test_stock_at_a_date_and_by_type(data):
    entities, _ = data
    alive = [
        e for e in entities if e.registered_on <= TODAY and (e.deregistered_on is None or e.deregistered_on > TODAY)
    ]
    assert metrics.stock(SCOPE) == len(alive) > 0
    rows = {r.key: r.value for r in metrics.METRICS_BY_CODE["entities_stock"].breakdown(SCOPE, "entity_type")}
    for entity_type in EntityType.values:
        assert rows[entity_type] == sum(1 for e in alive if e.entity_type == entity_type)
    # Individual businesses are the majority, as in a real county.
    assert rows[EntityType.INDIVIDUAL] > len(alive) / 2


def test_new_registrations(data):
    entities, _ = data
    assert metrics.new_registrations(SCOPE) == sum(1 for e in entities if _in(e.registered_on)) > 0


def test_year_on_year_growth(data):
    entities, _ = data
    now = sum(1 for e in entities if _in(e.registered_on))
    before = sum(1 for e in entities if date(2025, 1, 1) <= e.registered_on <= date(2025, 6, 30))
    assert metrics.growth(SCOPE) == rate(now - before, before)


def test_deregistrations(data):
    entities, _ = data
    assert metrics.deregistrations(SCOPE) == sum(1 for e in entities if _in(e.deregistered_on)) > 0


def test_dormancies(data):
    expected = sum(1 for d in Dormancy.objects.all() if _in(d.starts_on) and d.extends_id is None)
    assert metrics.dormancies(SCOPE) == expected > 0
    # Its drill-down lists the entities behind those filings, not every entity dormant today.
    url = metrics.METRICS_BY_CODE["entities_dormant"].drilldown(SCOPE)
    query = dict(parse_qsl(urlsplit(url).query))
    listed = set(entity_search(**{k: date.fromisoformat(v) for k, v in query.items()}).values_list("pk", flat=True))
    filed = {d.entity_id for d in Dormancy.objects.all() if _in(d.starts_on) and d.extends_id is None}
    assert listed == filed


def test_conversions(data):
    from django.utils import timezone

    entities, _ = data
    scope = Scope(start=date(2026, 1, 1), end=timezone.localdate())  # conversions happen today
    expected = sum(1 for e in entities if e.converted_from_id and _in(e.registered_on, scope))
    assert metrics.conversions(scope) == expected == 3


def _finished(bundles):
    return [b for b in bundles if b.state == "finished" and _in(b.finished_on)]


def test_startup_average_hours(data):
    finished = _finished(data[1])
    expected = (Decimal(sum(b.elapsed_minutes for b in finished)) / len(finished) / 60).quantize(Decimal("0.01"))
    assert abs(metrics.startup_average_hours(SCOPE) - expected) <= Decimal("0.01")


def test_startup_p90_hours(data):
    minutes = sorted(b.elapsed_minutes for b in _finished(data[1]))
    expected = (Decimal(minutes[math.ceil(0.9 * len(minutes)) - 1]) / 60).quantize(Decimal("0.01"))
    assert metrics.startup_p90_hours(SCOPE) == expected


def test_startup_within_target(data):
    finished = _finished(data[1])
    assert metrics.startup_within_target(SCOPE) == rate(sum(1 for b in finished if b.within_target), len(finished))


def test_seals_made(data):
    assert metrics.seals_made(SCOPE) == sum(1 for b in _finished(data[1]) if b.seal_made)


def test_e_licence_rate(data):
    finished = _finished(data[1])
    assert metrics.e_licence_rate(SCOPE) == rate(
        sum(1 for b in finished if b.e_licence_with_registration), len(finished)
    )


def test_return_rate(data):
    taken = [b for b in data[1] if _in(b.created_at.date())]
    assert metrics.return_rate(SCOPE) == rate(sum(1 for b in taken if b.return_count), len(taken))


def test_every_figure_has_a_formula_and_the_section():
    for metric in metrics.METRICS:
        assert metric.formula and metric.section == "市场主体"

"""Every figure equals a direct count over generated data: the load generator makes a year of
orders and front-desk records; each figure is recounted here in Python, row by row."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from evaluations.workorders.load import generate_workorders
from evaluations.workorders.metrics import METRICS, METRICS_BY_CODE, figures_for
from evaluations.workorders.models import FrontDeskRecord, WorkOrder, WorkOrderEvent
from hall.metrics import SECTIONS, Scope

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)
SCOPE = Scope(start=date(2026, 3, 1), end=date(2026, 10, 31))


def pct(n, d):
    return None if not d else (Decimal(n) * 100 / Decimal(d)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def within(day) -> bool:
    return day is not None and SCOPE.start <= day <= SCOPE.end


def direct(code: str):
    orders = list(WorkOrder.objects.all())
    received = [o for o in orders if within(o.received_on)]
    dispatched = [o for o in orders if within(o.dispatched_on)]
    closed = [o for o in orders if o.status == "closed" and within(o.closed_on)]
    reached = [o for o in closed if o.callback_result in ("satisfied", "dissatisfied")]
    unresolved = [o for o in received if o.source == "unresolved_window"]
    desk = [r for r in FrontDeskRecord.objects.all() if within(r.recorded_on)]
    entity = [o for o in closed if o.is_market_entity]
    days = [o.handling_working_days for o in closed]
    return {
        "wo_received": len(received),
        "wo_dispatched": len(dispatched),
        "wo_completed": len(closed),
        "wo_completion_rate": pct(sum(o.status == "closed" for o in dispatched), len(dispatched)),
        "wo_on_time_rate": pct(sum(o.on_time for o in closed), len(closed)),
        "wo_entity_on_time_rate": pct(sum(o.on_time for o in entity), len(entity)),
        "wo_callback_rate": pct(len(reached), len(closed)),
        "wo_callback_satisfaction": pct(sum(o.callback_result == "satisfied" for o in reached), len(reached)),
        "wo_complaint_share": pct(sum(o.kind == "complaint" for o in received), len(received)),
        "wo_returns": sum(
            1 for e in WorkOrderEvent.objects.filter(action="return") if within(e.created_at.astimezone().date())
        ),
        "wo_avg_working_days": (Decimal(sum(days)) / len(days)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if days
        else None,
        "wo_unresolved_cases": len(unresolved),
        "wo_unresolved_completion_rate": pct(sum(o.status == "closed" for o in unresolved), len(unresolved)),
        "fd_consultations": sum(r.kind == "consultation" for r in desk),
        "fd_assisted": sum(r.kind in ("guidance", "assisted", "proxy") for r in desk),
        "fd_praise": sum(r.kind in ("banner", "thanks") for r in desk),
        "fd_enterprise_visits": sum(r.kind == "ent_visit" for r in desk),
        "fd_enterprise_consultations": sum(r.kind == "ent_consult" for r in desk),
        "fd_enterprise_filings": sum(r.kind == "ent_filing" for r in desk),
    }[code]


@pytest.fixture
def generated(people):
    generate_workorders(count=800, today=TODAY, seed=11, batch_size=400)
    return people


@pytest.mark.parametrize("code", [m.code for m in METRICS])
def test_figure_equals_direct_count(generated, code):
    expected = direct(code)
    assert METRICS_BY_CODE[code].value(SCOPE) == expected
    assert figures_for(SCOPE)[code] == expected
    assert expected not in (None, 0), "the generated data must exercise every figure"


def test_metrics_follow_the_contract(django_assert_max_num_queries, generated):
    assert {m.section for m in METRICS} == {"诉求工单"} and "诉求工单" in SECTIONS
    assert all(m.formula for m in METRICS)
    with django_assert_max_num_queries(5):
        figures_for(SCOPE)
    received = METRICS_BY_CODE["wo_received"]
    rows = received.breakdown(SCOPE, "kind")
    assert sum(r.value for r in rows) == received.value(SCOPE)
    returns = METRICS_BY_CODE["wo_returns"]
    assert sum(r.value for r in returns.breakdown(SCOPE, "department")) == returns.value(SCOPE)
    assert received.drilldown(SCOPE).startswith("/workorders/?received_from=2026-03-01")

"""The figures of work orders and front-desk records (诉求工单统计), each defined once (hall.metrics).

Five aggregate queries compute every figure of a scope (three over work orders, one per date
column and its covering index, one over return events, one over front-desk records), whatever the
number of rows; ``figures_for`` returns them all for the figures page, and each ``Metric.value``
reads the same definitions for the reports app.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Avg, Count, Q, QuerySet
from django.urls import reverse

from evaluations.workorders.models import CallbackResult, FrontDeskRecord, Kind, Source, WorkOrder, WorkOrderEvent
from evaluations.workorders.transitions import Action
from hall.metrics import Metric, Row, Scope, rate

SECTION = "诉求工单"
SOURCE = "诉求工单（evaluations.workorders）"
REACHED = (CallbackResult.SATISFIED, CallbackResult.DISSATISFIED)
FD = FrontDeskRecord.Kind
ASSISTED_KINDS = (FD.GUIDANCE, FD.ASSISTED, FD.PROXY)
PRAISE_KINDS = (FD.PRAISE_BANNER, FD.PRAISE_THANKS)


def _between(field: str, scope: Scope) -> Q:
    return Q(**{f"{field}__gte": scope.start, f"{field}__lte": scope.end})


def _orders(scope: Scope) -> QuerySet:
    qs = WorkOrder.objects.order_by()
    if scope.site_ids is not None:
        qs = qs.filter(site_id__in=scope.site_ids)
    if scope.department_id is not None:
        qs = qs.filter(department_id=scope.department_id)
    return qs


def _order_counts(scope: Scope) -> dict:
    """Three aggregates, one per date column, so each reads only its own index range (an OR of
    the three ranges would make PostgreSQL scan the whole table)."""
    closed_q = Q(status="closed")
    unresolved = Q(source=Source.UNRESOLVED_WINDOW)
    by_receipt = (
        _orders(scope)
        .filter(_between("received_on", scope))
        .aggregate(
            received=Count("id"),
            complaints=Count("id", filter=Q(kind=Kind.COMPLAINT)),
            unresolved=Count("id", filter=unresolved),
            unresolved_closed=Count("id", filter=unresolved & closed_q),
        )
    )
    by_dispatch = (
        _orders(scope)
        .filter(_between("dispatched_on", scope))
        .aggregate(
            dispatched=Count("id"),
            dispatched_closed=Count("id", filter=closed_q),
        )
    )
    by_close = (
        _orders(scope)
        .filter(_between("closed_on", scope), closed_q)
        .aggregate(
            completed=Count("id"),
            on_time_n=Count("id", filter=Q(on_time=True)),
            entity_completed=Count("id", filter=Q(is_market_entity=True)),
            entity_on_time=Count("id", filter=Q(is_market_entity=True, on_time=True)),
            reached=Count("id", filter=Q(callback_result__in=REACHED)),
            satisfied=Count("id", filter=Q(callback_result=CallbackResult.SATISFIED)),
            avg_days=Avg("handling_working_days"),
        )
    )
    return {**by_receipt, **by_dispatch, **by_close}


def _returns(scope: Scope) -> QuerySet:
    qs = WorkOrderEvent.objects.order_by().filter(
        action=Action.RETURN, created_at__date__gte=scope.start, created_at__date__lte=scope.end
    )
    if scope.site_ids is not None:
        qs = qs.filter(order__site_id__in=scope.site_ids)
    if scope.department_id is not None:
        qs = qs.filter(department_id=scope.department_id)
    return qs


def _desk(scope: Scope) -> QuerySet:
    qs = FrontDeskRecord.objects.order_by().filter(_between("recorded_on", scope))
    if scope.site_ids is not None:
        qs = qs.filter(site_id__in=scope.site_ids)
    if scope.department_id is not None:
        qs = qs.filter(window__department_id=scope.department_id)
    return qs


def _desk_counts(scope: Scope) -> dict:
    return _desk(scope).aggregate(
        consultations=Count("id", filter=Q(kind=FD.CONSULTATION)),
        assisted=Count("id", filter=Q(kind__in=ASSISTED_KINDS)),
        praise=Count("id", filter=Q(kind__in=PRAISE_KINDS)),
        ent_visits=Count("id", filter=Q(kind=FD.ENTERPRISE_VISIT)),
        ent_consultations=Count("id", filter=Q(kind=FD.ENTERPRISE_CONSULTATION)),
        ent_filings=Count("id", filter=Q(kind=FD.ENTERPRISE_FILING)),
    )


def _values(orders: dict, returns: int, desk: dict) -> dict:
    avg = orders["avg_days"]
    return {
        "wo_received": orders["received"],
        "wo_dispatched": orders["dispatched"],
        "wo_completed": orders["completed"],
        "wo_completion_rate": rate(orders["dispatched_closed"], orders["dispatched"]),
        "wo_on_time_rate": rate(orders["on_time_n"], orders["completed"]),
        "wo_entity_on_time_rate": rate(orders["entity_on_time"], orders["entity_completed"]),
        "wo_callback_rate": rate(orders["reached"], orders["completed"]),
        "wo_callback_satisfaction": rate(orders["satisfied"], orders["reached"]),
        "wo_complaint_share": rate(orders["complaints"], orders["received"]),
        "wo_returns": returns,
        "wo_avg_working_days": None if avg is None else Decimal(avg).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        "wo_unresolved_cases": orders["unresolved"],
        "wo_unresolved_completion_rate": rate(orders["unresolved_closed"], orders["unresolved"]),
        "fd_consultations": desk["consultations"],
        "fd_assisted": desk["assisted"],
        "fd_praise": desk["praise"],
        "fd_enterprise_visits": desk["ent_visits"],
        "fd_enterprise_consultations": desk["ent_consultations"],
        "fd_enterprise_filings": desk["ent_filings"],
    }


def figures_for(scope: Scope) -> dict:
    """Every figure of ``scope`` in five queries, whatever the number of rows."""
    return _values(_order_counts(scope), _returns(scope).count(), _desk_counts(scope))


# The reports app evaluates every figure of a scope in one go; the figures of one scope share the
# same aggregate for a moment (one second, per thread), so a report costs three queries, not nineteen.
_RECENT = threading.local()
SHARE_SECONDS = 1.0


def _shared(kind: str, scope: Scope, compute):
    now = time.monotonic()
    store = {k: v for k, v in getattr(_RECENT, "store", {}).items() if now - v[0] < SHARE_SECONDS}
    _RECENT.store = store
    if (kind, scope) not in store:
        store[(kind, scope)] = (now, compute())
    return store[(kind, scope)][1]


def _one(code: str):
    def value(scope: Scope):
        if code.startswith("fd_"):
            return _values(_zero_orders(), 0, _shared("desk", scope, lambda: _desk_counts(scope)))[code]
        if code == "wo_returns":
            return _returns(scope).count()
        return _values(_shared("orders", scope, lambda: _order_counts(scope)), 0, _zero_desk())[code]

    return value


def _zero_orders() -> dict:
    keys = (
        "received",
        "complaints",
        "dispatched",
        "dispatched_closed",
        "completed",
        "on_time_n",
        "entity_completed",
        "entity_on_time",
        "reached",
        "satisfied",
        "unresolved",
        "unresolved_closed",
    )
    return {**dict.fromkeys(keys, 0), "avg_days": None}


def _zero_desk() -> dict:
    return dict.fromkeys(["consultations", "assisted", "praise", "ent_visits", "ent_consultations", "ent_filings"], 0)


# --- Breakdowns and drill-downs --------------------------------------------------------------------------


def _order_breakdown(date_field: str, extra: Q | None = None):
    def breakdown(scope: Scope, dimension: str) -> list[Row]:
        qs = _orders(scope).filter(_between(date_field, scope))
        if extra is not None:
            qs = qs.filter(extra)
        if dimension == "department":
            rows = qs.values_list("department_id", "department__name").annotate(n=Count("id")).order_by("-n")
            return [Row(str(k or ""), label or "未派单", n) for k, label, n in rows]
        if dimension == "kind":
            rows = qs.values_list("kind").annotate(n=Count("id")).order_by("-n")
            return [Row(k, Kind(k).label, n) for k, n in rows]
        if dimension == "site":
            rows = qs.values_list("site_id", "site__name").annotate(n=Count("id")).order_by("-n")
            return [Row(str(k or ""), label or "—", n) for k, label, n in rows]
        return []

    return breakdown


def _returns_breakdown(scope: Scope, dimension: str) -> list[Row]:
    rows = _returns(scope).values_list("department_id", "department__name").annotate(n=Count("id")).order_by("-n")
    return [Row(str(k or ""), label or "—", n) for k, label, n in rows]


def _drill(prefix: str, **extra):
    def drilldown(scope: Scope) -> str:
        params = {f"{prefix}_from": scope.start.isoformat(), f"{prefix}_to": scope.end.isoformat(), **extra}
        if scope.department_id is not None:
            params["department"] = scope.department_id
        return f"{reverse('workorder_list')}?{urlencode(params)}"

    return drilldown


def _metric(code, name, unit, formula, **kw) -> Metric:
    return Metric(
        code=code, name=name, unit=unit, formula=formula, section=SECTION, source=SOURCE, value=_one(code), **kw
    )


DIMS = ("department", "kind", "site")
METRICS = [
    _metric(
        "wo_received",
        "受理工单",
        "件",
        "受理日期在期间内的工单数",
        dimensions=DIMS,
        breakdown=_order_breakdown("received_on"),
        drilldown=_drill("received"),
    ),
    _metric(
        "wo_dispatched",
        "派单量",
        "件",
        "首次派单日期在期间内的工单数",
        headline=True,
        dimensions=DIMS,
        breakdown=_order_breakdown("dispatched_on"),
        drilldown=_drill("dispatched"),
    ),
    _metric(
        "wo_completed",
        "办结量",
        "件",
        "办结日期在期间内的工单数",
        headline=True,
        dimensions=DIMS,
        breakdown=_order_breakdown("closed_on", Q(status="closed")),
        drilldown=_drill("closed", status="closed"),
    ),
    _metric(
        "wo_completion_rate",
        "办结率",
        "%",
        "期间内派单的工单中已办结数 ÷ 期间内派单量 × 100%",
        headline=True,
        drilldown=_drill("dispatched"),
    ),
    _metric(
        "wo_on_time_rate",
        "按期办结率",
        "%",
        "期间内办结工单中按期办结数 ÷ 期间内办结量 × 100%",
        headline=True,
        drilldown=_drill("closed", status="closed", on_time="true"),
    ),
    _metric(
        "wo_entity_on_time_rate",
        "市场主体诉求按期办结率",
        "%",
        "期间内办结的市场主体诉求中按期办结数 ÷ 期间内办结的市场主体诉求数 × 100%",
        drilldown=_drill("closed", status="closed", market_entity="true"),
    ),
    _metric(
        "wo_callback_rate",
        "回访率",
        "%",
        "期间内办结工单中回访接通（满意或不满意）数 ÷ 期间内办结量 × 100%",
        drilldown=_drill("closed", status="closed"),
    ),
    _metric(
        "wo_callback_satisfaction",
        "回访满意率",
        "%",
        "期间内办结工单中回访满意数 ÷ 回访接通数 × 100%",
        drilldown=_drill("closed", status="closed"),
    ),
    _metric(
        "wo_complaint_share",
        "投诉占比",
        "%",
        "期间内受理的投诉类工单数 ÷ 期间内受理工单数 × 100%",
        drilldown=_drill("received", kind="complaint"),
    ),
    _metric(
        "wo_returns",
        "部门退回次数",
        "次",
        "期间内部门退回工单的次数（同一工单多次退回分别计）",
        dimensions=("department",),
        breakdown=_returns_breakdown,
    ),
    _metric(
        "wo_avg_working_days",
        "平均办理时长",
        "个工作日",
        "期间内办结工单自受理至最终答复的工作日数之和 ÷ 期间内办结量",
        drilldown=_drill("closed", status="closed"),
    ),
    _metric(
        "wo_unresolved_cases",
        "“办不成事”反映窗口受理量",
        "件",
        "期间内受理的来源为“办不成事反映窗口”的工单数",
        dimensions=DIMS,
        breakdown=_order_breakdown("received_on", Q(source=Source.UNRESOLVED_WINDOW)),
        drilldown=_drill("received", source=Source.UNRESOLVED_WINDOW),
    ),
    _metric(
        "wo_unresolved_completion_rate",
        "“办不成事”办结率",
        "%",
        "期间内受理的“办不成事”工单中已办结数 ÷ 期间内受理的“办不成事”工单数 × 100%",
        drilldown=_drill("received", source=Source.UNRESOLVED_WINDOW),
    ),
    _metric("fd_consultations", "咨询登记", "人次", "期间内导服台登记的咨询数"),
    _metric("fd_assisted", "导办帮办代办", "件", "期间内登记的导办、帮办、代办数（不含随办件登记的帮办代办）"),
    _metric("fd_praise", "收到表扬", "次", "期间内登记的锦旗与当面致谢数"),
    _metric("fd_enterprise_visits", "企业服务窗口来访", "人次", "期间内企业服务窗口登记的来访数"),
    _metric("fd_enterprise_consultations", "企业服务窗口咨询", "人次", "期间内企业服务窗口登记的咨询数"),
    _metric("fd_enterprise_filings", "企业服务窗口帮办申报", "件", "期间内企业服务窗口登记的帮办申报数"),
]
METRICS_BY_CODE = {m.code: m for m in METRICS}


def default_scope(today: date) -> Scope:
    return Scope(start=today.replace(month=1, day=1), end=today)

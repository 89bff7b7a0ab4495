"""The figures of work orders and front-desk records (诉求工单统计), each defined once (hall.metrics).

Two aggregate queries over the daily rollups (``WorkOrderDayRollup``, ``FrontDeskDayRollup``, kept
current by ``evaluations.workorders.rollups``) compute every figure of a scope, whatever the number
of rows; ``figures_for`` returns them all for the figures page, and each ``Metric.value``
reads the same definitions for the reports app.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from evaluations.workorders.models import FrontDeskDayRollup, FrontDeskRecord, Kind, Source, WorkOrderDayRollup
from hall.metrics import Metric, Row, Scope, memoized, rate

SECTION = "诉求工单"
SOURCE = "诉求工单（evaluations.workorders）"
FD = FrontDeskRecord.Kind
ASSISTED_KINDS = (FD.GUIDANCE, FD.ASSISTED, FD.PROXY)
PRAISE_KINDS = (FD.PRAISE_BANNER, FD.PRAISE_THANKS)
ORDER_COUNTS = (
    "received",
    "received_closed",
    "unresolved_received",
    "unresolved_closed",
    "dispatched",
    "dispatched_closed",
    "completed",
    "on_time",
    "entity_completed",
    "entity_on_time",
    "reached",
    "satisfied",
    "handling_days_sum",
    "handling_days_n",
    "returns",
)


def _scoped(qs: QuerySet, scope: Scope) -> QuerySet:
    qs = qs.order_by().filter(day__gte=scope.start, day__lte=scope.end)
    if scope.site_ids is not None:
        qs = qs.filter(site_id__in=scope.site_ids)
    if scope.department_id is not None:
        qs = qs.filter(department_id=scope.department_id)
    return qs


def _rollup(scope: Scope) -> QuerySet:
    """The work-order daily rollup rows (工单日汇总) of the scope."""
    return _scoped(WorkOrderDayRollup.objects, scope)


def _order_counts(scope: Scope) -> dict:
    """One aggregate over the scope's daily rollup rows, whatever the number of orders."""
    # Aliases may not reuse a column's name inside an aggregate, hence the "t_" prefix.
    sums = {f"t_{name}": Coalesce(Sum(name), 0) for name in ORDER_COUNTS}
    totals = _rollup(scope).aggregate(
        **sums,
        t_complaints=Coalesce(Sum("received", filter=Q(kind=Kind.COMPLAINT)), 0),
    )
    return {name.removeprefix("t_"): value for name, value in totals.items()}


def _desk_counts(scope: Scope) -> dict:
    qs = _scoped(FrontDeskDayRollup.objects, scope)

    def total(*kinds):
        return Coalesce(Sum("records", filter=Q(kind__in=kinds)), 0)

    return qs.aggregate(
        consultations=total(FD.CONSULTATION),
        assisted=total(*ASSISTED_KINDS),
        praise=total(*PRAISE_KINDS),
        ent_visits=total(FD.ENTERPRISE_VISIT),
        ent_consultations=total(FD.ENTERPRISE_CONSULTATION),
        ent_filings=total(FD.ENTERPRISE_FILING),
    )


def _avg_days(orders: dict) -> Decimal | None:
    if not orders["handling_days_n"]:
        return None
    avg = Decimal(orders["handling_days_sum"]) / Decimal(orders["handling_days_n"])
    return avg.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _values(orders: dict, desk: dict) -> dict:
    return {
        "wo_received": orders["received"],
        "wo_dispatched": orders["dispatched"],
        "wo_completed": orders["completed"],
        "wo_completion_rate": rate(orders["dispatched_closed"], orders["dispatched"]),
        "wo_on_time_rate": rate(orders["on_time"], orders["completed"]),
        "wo_entity_on_time_rate": rate(orders["entity_on_time"], orders["entity_completed"]),
        "wo_callback_rate": rate(orders["reached"], orders["completed"]),
        "wo_callback_satisfaction": rate(orders["satisfied"], orders["reached"]),
        "wo_complaint_share": rate(orders["complaints"], orders["received"]),
        "wo_returns": orders["returns"],
        "wo_avg_working_days": _avg_days(orders),
        "wo_unresolved_cases": orders["unresolved_received"],
        "wo_unresolved_completion_rate": rate(orders["unresolved_closed"], orders["unresolved_received"]),
        "fd_consultations": desk["consultations"],
        "fd_assisted": desk["assisted"],
        "fd_praise": desk["praise"],
        "fd_enterprise_visits": desk["ent_visits"],
        "fd_enterprise_consultations": desk["ent_consultations"],
        "fd_enterprise_filings": desk["ent_filings"],
    }


def figures_for(scope: Scope) -> dict:
    """Every figure of ``scope`` in two queries over the daily rollups, whatever the number of rows."""
    return _values(_order_counts(scope), _desk_counts(scope))


def _shared(kind: str, scope: Scope, compute):
    """The reports app evaluates every figure of a scope inside ``hall.metrics.memo()``: the figures
    of one scope share one aggregate there, so a report costs two queries, not nineteen."""
    return memoized(("workorders", kind, scope), compute)


def _one(code: str):
    def value(scope: Scope):
        if code.startswith("fd_"):
            return _values(_zero_orders(), _shared("desk", scope, lambda: _desk_counts(scope)))[code]
        return _values(_shared("orders", scope, lambda: _order_counts(scope)), _zero_desk())[code]

    return value


def _zero_orders() -> dict:
    return dict.fromkeys((*ORDER_COUNTS, "complaints"), 0)


def _zero_desk() -> dict:
    return dict.fromkeys(["consultations", "assisted", "praise", "ent_visits", "ent_consultations", "ent_filings"], 0)


# --- Breakdowns and drill-downs --------------------------------------------------------------------------


BREAKDOWN_FIELDS = {
    "department": ("department_id", "department__name"),
    "kind": ("kind",),
    "site": ("site_id", "site__name"),
}


def _grouped_counts(scope: Scope, dimension: str) -> list[dict]:
    """Every count of the rollup summed per value of ``dimension``: one query per scope and
    dimension inside ``memo()``, shared by the breakdowns of every figure."""

    def compute():
        fields = BREAKDOWN_FIELDS[dimension]
        sums = {f"t_{name}": Coalesce(Sum(name), 0) for name in ORDER_COUNTS}
        rows = _rollup(scope).values(*fields).annotate(**sums)
        return [{**{f: r[f] for f in fields}, **{n: r[f"t_{n}"] for n in ORDER_COUNTS}} for r in rows]

    return memoized(("workorders", "grouped", scope, dimension), compute)


def _order_breakdown(count: str):
    def breakdown(scope: Scope, dimension: str) -> list[Row]:
        if dimension not in BREAKDOWN_FIELDS:
            return []
        found = [r for r in _grouped_counts(scope, dimension) if r[count] > 0]
        # Largest first, ties in the order of the key (as one ORDER BY the sum would leave them).
        found.sort(key=lambda r: -r[count])
        if dimension == "department":
            empty = "—" if count == "returns" else "未派单"
            return [Row(str(r["department_id"] or ""), r["department__name"] or empty, r[count]) for r in found]
        if dimension == "kind":
            return [Row(r["kind"], Kind(r["kind"]).label, r[count]) for r in found]
        return [Row(str(r["site_id"] or ""), r["site__name"] or "—", r[count]) for r in found]

    return breakdown


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
        breakdown=_order_breakdown("received"),
        drilldown=_drill("received"),
    ),
    _metric(
        "wo_dispatched",
        "派单量",
        "件",
        "首次派单日期在期间内的工单数",
        headline=True,
        dimensions=DIMS,
        breakdown=_order_breakdown("dispatched"),
        drilldown=_drill("dispatched"),
    ),
    _metric(
        "wo_completed",
        "办结量",
        "件",
        "办结日期在期间内的工单数",
        headline=True,
        dimensions=DIMS,
        breakdown=_order_breakdown("completed"),
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
        breakdown=_order_breakdown("returns"),
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
        breakdown=_order_breakdown("unresolved_received"),
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

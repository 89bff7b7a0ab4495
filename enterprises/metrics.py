"""Figures of market-entity registration (市场主体), section "市场主体" of the annual summary.

Each figure is one aggregate: stock and flows read the daily rollup ``EntityFlow`` (a row per day
and type, kept with every register change), the others indexed counts; no Python loop over rows.
Stock is counted at ``scope.end``; flows (new, deregistered …) within the scope's dates.
Sites narrow by the registering site; departments do not apply to the register.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.urls import reverse

from enterprises.models import Dormancy, EntityFlow, EntityType, MarketEntity, StartupBundle
from hall.metrics import Metric, Row, Scope, rate

SECTION = "市场主体"
TYPE_LABELS = dict(EntityType.choices)


def _entities(scope: Scope) -> QuerySet:
    queryset = MarketEntity.objects.all()
    if scope.site_ids is not None:
        queryset = queryset.filter(site_id__in=scope.site_ids)
    return queryset


def _flows(scope: Scope) -> QuerySet:
    """The daily rollup (``EntityFlow``), narrowed to the scope's sites."""
    queryset = EntityFlow.objects.all()
    if scope.site_ids is not None:
        queryset = queryset.filter(site_key__in=scope.site_ids)
    return queryset


def _previous_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _rows(totals: dict[str, int]) -> list[Row]:
    return [Row(key=value, label=label, value=totals.get(value, 0)) for value, label in EntityType.choices]


def _sum_by_type(queryset: QuerySet, expression) -> dict[str, int]:
    return {t: n or 0 for t, n in queryset.values_list("entity_type").annotate(n=expression).order_by()}


def stock_by_type(scope: Scope) -> list[Row]:
    """Entities in existence at ``scope.end``: registered on or before it, not deregistered by then."""
    return _rows(_sum_by_type(_flows(scope).filter(day__lte=scope.end), Sum("registered") - Sum("deregistered")))


def stock(scope: Scope) -> int:
    totals = _flows(scope).filter(day__lte=scope.end).aggregate(r=Sum("registered"), d=Sum("deregistered"))
    return (totals["r"] or 0) - (totals["d"] or 0)


def _registered(scope: Scope, start: date, end: date) -> int:
    return _flows(scope).filter(day__range=(start, end)).aggregate(n=Sum("registered"))["n"] or 0


def new_registrations(scope: Scope) -> int:
    return _registered(scope, scope.start, scope.end)


def growth(scope: Scope) -> Decimal | None:
    """Year-on-year growth of new registrations: (this period − same period last year) / last year."""
    totals = _flows(scope).aggregate(
        now=Sum("registered", filter=Q(day__range=(scope.start, scope.end))),
        before=Sum("registered", filter=Q(day__range=(_previous_year(scope.start), _previous_year(scope.end)))),
    )
    if not totals["before"]:
        return None
    return rate((totals["now"] or 0) - totals["before"], totals["before"])


def deregistrations(scope: Scope) -> int:
    return _flows(scope).filter(day__range=(scope.start, scope.end)).aggregate(n=Sum("deregistered"))["n"] or 0


def dormancies(scope: Scope) -> int:
    queryset = Dormancy.objects.filter(starts_on__range=(scope.start, scope.end), extends__isnull=True)
    if scope.site_ids is not None:
        queryset = queryset.filter(entity__site_id__in=scope.site_ids)
    return queryset.count()


def conversions(scope: Scope) -> int:
    return _entities(scope).filter(converted_from__isnull=False, registered_on__range=(scope.start, scope.end)).count()


def _bundles(scope: Scope) -> QuerySet:
    queryset = StartupBundle.objects.filter(
        state=StartupBundle.State.FINISHED, finished_on__range=(scope.start, scope.end)
    )
    if scope.site_ids is not None:
        queryset = queryset.filter(site_id__in=scope.site_ids)
    return queryset


def _taken(scope: Scope) -> QuerySet:
    """Bundles taken in the period (the base of the return rate)."""
    queryset = StartupBundle.objects.filter(created_at__date__range=(scope.start, scope.end))
    if scope.site_ids is not None:
        queryset = queryset.filter(site_id__in=scope.site_ids)
    return queryset


def _hours(minutes) -> Decimal | None:
    if minutes is None:
        return None
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def startup_average_hours(scope: Scope) -> Decimal | None:
    return _hours(_bundles(scope).aggregate(v=Avg("elapsed_minutes"))["v"])


def startup_p90_hours(scope: Scope) -> Decimal | None:
    """The 90th percentile (nearest rank) of the elapsed working minutes, in hours.

    One query whatever the data: the rank ⌈0.9 n⌉ is computed in integers by the database (as
    ``(9 n + 9) / 10``), so the page costs the same with no bundle as with thousands."""
    sql, params = _bundles(scope).order_by().values("elapsed_minutes").query.sql_with_params()
    # Only the ORM-compiled subquery is joined in; values stay parameters.
    query = (
        f"SELECT b.elapsed_minutes FROM ({sql}) b ORDER BY b.elapsed_minutes LIMIT 1 "  # noqa: S608
        f"OFFSET (SELECT CASE WHEN COUNT(*) > 0 THEN (9 * COUNT(*) + 9) / 10 - 1 ELSE 0 END FROM ({sql}) c)"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, *params])
        row = cursor.fetchone()
    return None if row is None else _hours(row[0])


def startup_within_target(scope: Scope) -> Decimal | None:
    counts = _bundles(scope).aggregate(n=Count("id"), ok=Count("id", filter=Q(within_target=True)))
    return rate(counts["ok"], counts["n"])


def seals_made(scope: Scope) -> int:
    return _bundles(scope).filter(seal_made=True).count()


def e_licence_rate(scope: Scope) -> Decimal | None:
    counts = _bundles(scope).aggregate(n=Count("id"), ok=Count("id", filter=Q(e_licence_with_registration=True)))
    return rate(counts["ok"], counts["n"])


def return_rate(scope: Scope) -> Decimal | None:
    counts = _taken(scope).aggregate(n=Count("id"), returned=Count("id", filter=Q(return_count__gt=0)))
    return rate(counts["returned"], counts["n"])


def _register_link(**params) -> str:
    from urllib.parse import urlencode

    return reverse("entity_list") + "?" + urlencode({k: v for k, v in params.items() if v})


def _type_breakdown(rows_for):
    def breakdown(scope: Scope, dimension: str) -> list[Row]:
        if dimension != "entity_type":
            return []
        return rows_for(scope)

    return breakdown


METRICS = [
    Metric(
        code="entities_stock",
        name="实有市场主体",
        unit="户",
        formula="成立日期 ≤ 期末 且（未注销或吊销 或 注销、吊销日期 > 期末）的市场主体数",
        section=SECTION,
        source="市场主体名录",
        value=stock,
        dimensions=("entity_type",),
        breakdown=_type_breakdown(stock_by_type),
        drilldown=lambda s: _register_link(on=s.end.isoformat()),
        headline=True,
    ),
    Metric(
        code="entities_new",
        name="新登记市场主体",
        unit="户",
        formula="成立日期在统计期内的市场主体数",
        section=SECTION,
        source="市场主体名录",
        value=new_registrations,
        dimensions=("entity_type",),
        breakdown=_type_breakdown(
            lambda s: _rows(_sum_by_type(_flows(s).filter(day__range=(s.start, s.end)), Sum("registered")))
        ),
        drilldown=lambda s: _register_link(registered_from=s.start.isoformat(), registered_to=s.end.isoformat()),
        headline=True,
    ),
    Metric(
        code="entities_new_growth",
        name="新登记同比增长率",
        unit="%",
        formula="（本期新登记数 − 上年同期新登记数）÷ 上年同期新登记数 × 100%",
        section=SECTION,
        source="市场主体名录",
        value=growth,
    ),
    Metric(
        code="entities_deregistered",
        name="注销市场主体",
        unit="户",
        formula="注销或吊销日期在统计期内的市场主体数（含个转企注销的个体工商户；吊销后再注销的不重复计）",
        section=SECTION,
        source="市场主体名录",
        value=deregistrations,
        dimensions=("entity_type",),
        breakdown=_type_breakdown(
            lambda s: _rows(_sum_by_type(_flows(s).filter(day__range=(s.start, s.end)), Sum("deregistered")))
        ),
        drilldown=lambda s: _register_link(deregistered_from=s.start.isoformat(), deregistered_to=s.end.isoformat()),
    ),
    Metric(
        code="entities_dormant",
        name="歇业备案",
        unit="户次",
        formula="歇业开始日期在统计期内的歇业备案数（不含延期）",
        section=SECTION,
        source="歇业备案",
        value=dormancies,
        drilldown=lambda s: _register_link(dormant_from=s.start.isoformat(), dormant_to=s.end.isoformat()),
    ),
    Metric(
        code="entities_converted",
        name="个转企",
        unit="户",
        formula="统计期内由个体工商户转为企业而新设立的企业数",
        section=SECTION,
        source="市场主体名录",
        value=conversions,
    ),
    Metric(
        code="startup_avg_hours",
        name="企业开办平均用时",
        unit="工作小时",
        formula="统计期内全部办结的企业开办用时（大厅工作时间内，自材料齐全提交至最后一项办结）之和 ÷ 件数",
        section=SECTION,
        source="企业开办",
        value=startup_average_hours,
        drilldown=lambda s: reverse("startup_list") + "?state=finished",
    ),
    Metric(
        code="startup_p90_hours",
        name="企业开办用时 P90",
        unit="工作小时",
        formula="统计期内全部办结的企业开办用时按从小到大排列，第 ⌈0.9 × 件数⌉ 件的用时",
        section=SECTION,
        source="企业开办",
        value=startup_p90_hours,
    ),
    Metric(
        code="startup_within_target",
        name="企业开办目标时限内办结率",
        unit="%",
        formula="用时 ≤ 目标时限（默认 0.5 个工作日）的件数 ÷ 全部办结件数 × 100%",
        section=SECTION,
        source="企业开办",
        value=startup_within_target,
    ),
    Metric(
        code="startup_seals",
        name="免费刻制印章",
        unit="套",
        formula="统计期内全部办结、且印章刻制已办结的企业开办件数",
        section=SECTION,
        source="企业开办",
        value=seals_made,
    ),
    Metric(
        code="startup_e_licence_rate",
        name="电子营业执照同步制发率",
        unit="%",
        formula="设立登记决定时同步制发电子营业执照的件数 ÷ 全部办结件数 × 100%",
        section=SECTION,
        source="企业开办",
        value=e_licence_rate,
    ),
    Metric(
        code="startup_return_rate",
        name="企业开办退件率",
        unit="%",
        formula="统计期内受理的企业开办中被退件过的件数 ÷ 受理件数 × 100%",
        section=SECTION,
        source="企业开办",
        value=return_rate,
        drilldown=lambda s: reverse("startup_list") + "?returned=1",
    ),
]

METRICS_BY_CODE = {m.code: m for m in METRICS}

"""The figures of 好差评 (section "好差评"), defined once and read from the rollup tables.

Each rate is a numerator and a denominator summed over ``EvaluationRollup`` (and, for 主动评价率,
``CompletionRollup``) rows of the scope; coverage divides the departments / matters that have
evaluations by those in the catalog. Pages show ``Metric.formula`` beside every figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse

from evaluations.models import (
    Channel,
    CompletionRollup,
    EvaluationMonthlyRollup,
    EvaluationRollup,
    EvaluatorDevice,
)
from evaluations.rollups import SUMS
from hall.metrics import Metric, Row, Scope, memoized, rate

SECTION = "好差评"
SOURCE = "evaluations_evaluationrollup（好差评日汇总，由评价记录按日重算）"
ROLLUP_DIMENSIONS = ("month", "site", "department", "window", "staff", "matter", "channel")
SUM_FIELDS = SUMS  # the counts a rollup row carries, named once in evaluations.rollups


def evaluation_rollups(scope: Scope) -> QuerySet:
    rows = EvaluationRollup.objects.filter(day__gte=scope.start, day__lte=scope.end)
    if scope.site_ids is not None:
        rows = rows.filter(site_id__in=scope.site_ids)
    if scope.department_id is not None:
        rows = rows.filter(department_id=scope.department_id)
    return rows


def completion_rollups(scope: Scope) -> QuerySet:
    rows = CompletionRollup.objects.filter(day__gte=scope.start, day__lte=scope.end)
    if scope.site_ids is not None:
        rows = rows.filter(site_id__in=scope.site_ids)
    if scope.department_id is not None:
        rows = rows.filter(department_id=scope.department_id)
    return rows


def _sums() -> dict:
    return {name: Coalesce(Sum(name), Value(0), output_field=IntegerField()) for name in SUM_FIELDS}


def split_period(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The whole months inside ``start``..``end`` (read from the monthly rollup) and the days left at
    either edge (read from the daily rollup)."""
    first_full = start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    after_last_full = (end + timedelta(days=1)).replace(day=1)  # the day after the last whole month
    if first_full >= after_last_full:
        return None, [(start, end)]
    days = []
    if start < first_full:
        days.append((start, first_full - timedelta(days=1)))
    if after_last_full <= end:
        days.append((after_last_full, end))
    return (first_full, (after_last_full - timedelta(days=1)).replace(day=1)), days


def _narrow(rows: QuerySet, scope: Scope) -> QuerySet:
    if scope.site_ids is not None:
        rows = rows.filter(site_id__in=scope.site_ids)
    if scope.department_id is not None:
        rows = rows.filter(department_id=scope.department_id)
    return rows


def summed_groups(scope: Scope, keys: tuple[str, ...], *, by_month: bool = False) -> list[dict]:
    """The summed columns per value of ``keys`` over the period: whole months from the monthly
    rollup, edge days from the daily one (two queries at most), merged here. ``by_month`` adds the
    month (its first day) as the key ``month``. Shared by the figures of a scope (``memo()``):
    callers must not change the rows."""
    return memoized(("evaluations", "groups", scope, keys, by_month), lambda: _summed_groups(scope, keys, by_month))


def _summed_groups(scope: Scope, keys: tuple[str, ...], by_month: bool) -> list[dict]:
    months, days = split_period(scope.start, scope.end)
    parts = []
    if months is not None:
        rows = _narrow(EvaluationMonthlyRollup.objects.filter(month__gte=months[0], month__lte=months[1]), scope)
        parts.append(rows.annotate(g_month=F("month")) if by_month else rows)
    if days:
        condition = Q()
        for first, last in days:
            condition |= Q(day__gte=first, day__lte=last)
        rows = _narrow(EvaluationRollup.objects.filter(condition), scope)
        parts.append(rows.annotate(g_month=TruncMonth("day")) if by_month else rows)
    group = (*keys, "g_month") if by_month else keys
    merged: dict[tuple, dict] = {}
    for rows in parts:
        found = rows.order_by().values(*group).annotate(**_sums()) if group else [rows.aggregate(**_sums())]
        for row in found:
            key = tuple(row[k] for k in group)
            acc = merged.get(key)
            if acc is None:
                merged[key] = dict(row)
            else:
                for name in SUM_FIELDS:
                    acc[name] += row[name]
    if not group and not merged:
        merged[()] = dict.fromkeys(SUM_FIELDS, 0)
    return list(merged.values())


def totals(scope: Scope) -> dict[str, int]:
    """Every summed column of the scope and ``good``: two queries at most, once per scope inside
    ``memo()``. ``completed`` (办结办件, 主动评价率's denominator) is added by ``rate_value`` only
    where a rate needs it: it reads another rollup."""
    return memoized(("evaluations", "totals", scope), lambda: _totals(scope))


def _totals(scope: Scope) -> dict[str, int]:
    data = dict.fromkeys(SUM_FIELDS, 0)
    for row in summed_groups(scope, ()):
        for name in SUM_FIELDS:
            data[name] += row[name]
    data["good"] = data["very_satisfied"] + data["satisfied"]
    return data


@dataclass(frozen=True)
class RateDef:
    """A rate as numerator / denominator over the summed columns (one definition for every page)."""

    code: str
    name: str
    formula: str
    numerator: Callable[[dict], int]
    denominator: Callable[[dict], int]
    # Over the applications completed (办结办件, ``completed``): read from the completion rollup,
    # only for the rates that need it.
    over_completed: bool = False


RATES = (
    RateDef(
        "evaluations.good_rate",
        "好评率",
        "好评率 =（非常满意 + 满意）÷ 评价总数 × 100%（首次评价，不含追评）",
        lambda d: d["very_satisfied"] + d["satisfied"],
        lambda d: d["total"],
    ),
    RateDef(
        "evaluations.bad_rate",
        "差评率",
        "差评率 =（不满意 + 非常不满意）÷ 评价总数 × 100%",
        lambda d: d["bad"],
        lambda d: d["total"],
    ),
    RateDef(
        "evaluations.rectification_rate",
        "差评整改率",
        "差评整改率 = 已整改差评 ÷ 核实属实差评 × 100%",
        lambda d: d["rectified"],
        lambda d: d["confirmed"],
    ),
    RateDef(
        "evaluations.callback_rate",
        "回访率",
        "回访率 = 已回访的实名差评 ÷ 实名差评 × 100%",
        lambda d: d["called_back"],
        lambda d: d["bad_real_name"],
    ),
    RateDef(
        "evaluations.active_rate",
        "主动评价率",
        "主动评价率 = 群众主动评价的办件数（不含电话回访）÷ 办结办件数 × 100%",
        lambda d: d["applications_evaluated"],
        lambda d: d["completed"],
        over_completed=True,
    ),
)
RATE_BY_CODE = {r.code: r for r in RATES}


def rate_value(code: str, scope: Scope):
    d = totals(scope)
    definition = RATE_BY_CODE[code]
    if definition.over_completed:
        d = {**d, "completed": shared_counts(scope)["completed"]}
    return rate(definition.numerator(d), definition.denominator(d))


# --- Breakdowns -----------------------------------------------------------------------------------


def _labels(dimension: str, keys: list) -> dict:
    from hall.catalog.models import MatterVersion
    from hall.models import Department, Site, User, Window

    ids = [k for k in keys if k]
    if dimension == "site":
        return dict(Site.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension == "department":
        return dict(Department.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension == "window":
        return {
            pk: f"{site} {number} 号窗口"
            for pk, number, site in Window.objects.filter(pk__in=ids).values_list("pk", "number", "site__name")
        }
    if dimension == "staff":
        return dict(User.objects.filter(pk__in=ids).values_list("pk", "full_name"))
    if dimension == "matter":
        rows = MatterVersion.objects.filter(matter_id__in=ids).order_by("matter_id", "-version")
        names: dict = {}
        for matter_id, name in rows.values_list("matter_id", "name"):
            names.setdefault(matter_id, name)
        return names
    if dimension == "channel":
        return dict(Channel.choices)
    return {}


def _group_field(dimension: str):
    if dimension == "month":
        return TruncMonth("day")
    if dimension == "channel":
        return F("channel")
    return F(f"{dimension}_id")


MONTHLY_KEYS = {
    "site": "site_id",
    "department": "department_id",
    "window": "window_id",
    "staff": "staff_id",
    "matter": "matter_id",
}


def _grouped_rows(scope: Scope, dimension: str) -> list[dict]:
    """Summed columns per ``key``: whole months from the monthly rollup (all but channel, which
    only the daily rows keep), edge days from the daily one."""
    if dimension == "month":
        return [{**row, "key": row["g_month"]} for row in summed_groups(scope, (), by_month=True)]
    if dimension in MONTHLY_KEYS:
        field = MONTHLY_KEYS[dimension]
        return [{**row, "key": row[field]} for row in summed_groups(scope, (field,))]
    return list(
        evaluation_rollups(scope).order_by().annotate(key=_group_field(dimension)).values("key").annotate(**_sums())
    )


def grouped_totals(scope: Scope, dimension: str) -> list[tuple[object, str, dict]]:
    """(key, label, summed columns) per value of ``dimension``: one query plus one for the labels,
    once per scope and dimension inside ``memo()`` (every figure's breakdown folds the same rows)."""
    if dimension not in ROLLUP_DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension}")
    return memoized(("evaluations", "grouped", scope, dimension), lambda: _grouped_totals(scope, dimension))


def _grouped_totals(scope: Scope, dimension: str) -> list[tuple[object, str, dict]]:
    rows = sorted(_grouped_rows(scope, dimension), key=lambda r: (r["key"] is None, r["key"] or 0))
    labels = _labels(dimension, [r["key"] for r in rows])
    result = []
    for row in rows:
        key = row["key"]
        row["good"] = row["very_satisfied"] + row["satisfied"]
        row["completed"] = 0
        if dimension == "month":
            label = f"{key:%Y年%m月}"
        elif not key:
            label = "（未指定）"
        else:
            label = labels.get(key, str(key))
        result.append((key, label, row))
    return result


def _rate_breakdown(code: str) -> Callable[[Scope, str], list[Row]]:
    definition = RATE_BY_CODE[code]

    def breakdown(scope: Scope, dimension: str) -> list[Row]:
        rows = grouped_totals(scope, dimension)
        if definition.over_completed:
            completed = _completed_by(scope, dimension)
            rows = [(key, label, {**data, "completed": completed.get(key, 0)}) for key, label, data in rows]
        return [
            Row(key=str(key), label=label, value=rate(definition.numerator(d), definition.denominator(d)))
            for key, label, d in rows
        ]

    return breakdown


def _completed_by(scope: Scope, dimension: str) -> dict:
    if dimension not in ("month", "site", "department", "matter"):
        return {}

    def compute():
        field = TruncMonth("day") if dimension == "month" else F(f"{dimension}_id")
        rows = completion_rollups(scope).order_by().annotate(key=field).values("key").annotate(n=Sum("completed"))
        return {r["key"]: r["n"] for r in rows}

    return memoized(("evaluations", "completed_by", scope, dimension), compute)


def _count_breakdown(column: str) -> Callable[[Scope, str], list[Row]]:
    def breakdown(scope: Scope, dimension: str) -> list[Row]:
        return [Row(key=str(k), label=label, value=d[column]) for k, label, d in grouped_totals(scope, dimension)]

    return breakdown


# --- Coverage and devices -----------------------------------------------------------------------


def _department_rows(scope: Scope) -> QuerySet:
    from hall.models import Department

    rows = Department.objects.filter(kind=Department.Kind.DEPARTMENT, is_active=True)
    if scope.department_id is not None:
        rows = rows.filter(pk=scope.department_id)
    return rows


def _matter_rows(scope: Scope) -> QuerySet:
    from hall.catalog.models import MatterVersion

    rows = MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED)
    if scope.department_id is not None:
        rows = rows.filter(department_id=scope.department_id)
    return rows.order_by().values("matter_id").distinct()


def departments_in_catalog(scope: Scope) -> int:
    return shared_counts(scope)["departments"]


def matters_in_catalog(scope: Scope) -> int:
    return shared_counts(scope)["matters"]


def department_coverage(scope: Scope):
    evaluated = sum(1 for g in summed_groups(scope, ("department_id",)) if g["department_id"] and g["total"])
    return rate(evaluated, departments_in_catalog(scope))


def matter_coverage(scope: Scope):
    evaluated = sum(1 for g in summed_groups(scope, ("matter_id",)) if g["matter_id"] and g["total"])
    return rate(evaluated, matters_in_catalog(scope))


def _device_rows(scope: Scope) -> QuerySet:
    rows = EvaluatorDevice.objects.filter(registered_at__date__lte=scope.end).filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__date__gte=scope.start)
    )
    if scope.site_ids is not None:
        rows = rows.filter(window__site_id__in=scope.site_ids)
    if scope.department_id is not None:
        rows = rows.filter(window__department_id=scope.department_id)
    return rows


def devices_in_service(scope: Scope) -> int:
    """Evaluator devices (评价器) registered by the end of the period and not revoked before its start."""
    return shared_counts(scope)["devices"]


def scope_counts(scope: Scope) -> dict[str, int]:
    """The scope's small counts in ONE query (scalar subqueries): ``completed`` (办结办件, from the
    completion rollup), ``departments`` and ``matters`` in the catalog, evaluator ``devices``."""
    parts = {
        "completed": (
            "SELECT COALESCE(SUM(s.completed), 0) FROM ({}) s",
            completion_rollups(scope).order_by().values("completed"),
        ),
        "departments": ("SELECT COUNT(*) FROM ({}) s", _department_rows(scope).order_by().values("pk")),
        "matters": ("SELECT COUNT(*) FROM ({}) s", _matter_rows(scope)),
        "devices": ("SELECT COUNT(*) FROM ({}) s", _device_rows(scope).order_by().values("pk")),
    }
    selects, params = [], []
    # Only ORM-compiled subqueries and constant SQL are joined; values stay parameters.
    for template, rows in parts.values():
        sql, sql_params = rows.query.sql_with_params()
        selects.append("(" + template.format(sql) + ")")
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        values = cursor.fetchone()
    return {name: int(value or 0) for name, value in zip(parts, values, strict=True)}


def shared_counts(scope: Scope) -> dict[str, int]:
    """``scope_counts`` once per scope inside ``memo()``: 办结办件, catalog and devices together."""
    return memoized(("evaluations", "counts", scope), lambda: scope_counts(scope))


def _list_url(scope: Scope) -> str:
    return f"{reverse('evaluation_supervision')}?start={scope.start:%Y-%m-%d}&end={scope.end:%Y-%m-%d}"


def _cases_url(scope: Scope) -> str:
    return f"{reverse('evaluation_cases')}?start={scope.start:%Y-%m-%d}&end={scope.end:%Y-%m-%d}"


def _count(column: str) -> Callable[[Scope], int]:
    return lambda scope: totals(scope)[column]


def _rate_metric(definition: RateDef, *, headline: bool = False) -> Metric:
    return Metric(
        code=definition.code,
        name=definition.name,
        unit="%",
        formula=definition.formula,
        section=SECTION,
        source=SOURCE,
        value=lambda scope, code=definition.code: rate_value(code, scope),
        dimensions=ROLLUP_DIMENSIONS,
        breakdown=_rate_breakdown(definition.code),
        drilldown=_cases_url
        if definition.code in ("evaluations.rectification_rate", "evaluations.callback_rate")
        else _list_url,
        headline=headline,
    )


METRICS: list[Metric] = [
    Metric(
        code="evaluations.count",
        name="评价数",
        unit="件",
        formula="评价数 = 期间内的首次评价条数（一次一评、一事一评；不含追评和已更正的记录）",
        section=SECTION,
        source=SOURCE,
        value=_count("total"),
        dimensions=ROLLUP_DIMENSIONS,
        breakdown=_count_breakdown("total"),
        drilldown=_list_url,
        headline=True,
    ),
    _rate_metric(RATES[0], headline=True),
    Metric(
        code="evaluations.bad_count",
        name="差评数",
        unit="件",
        formula="差评数 = 不满意 + 非常不满意",
        section=SECTION,
        source=SOURCE,
        value=_count("bad"),
        dimensions=ROLLUP_DIMENSIONS,
        breakdown=_count_breakdown("bad"),
        drilldown=_cases_url,
    ),
    _rate_metric(RATES[1]),
    Metric(
        code="evaluations.rectified_count",
        name="已整改差评数",
        unit="件",
        formula="已整改差评数 = 核实属实并提交整改结果的差评",
        section=SECTION,
        source=SOURCE,
        value=_count("rectified"),
        dimensions=ROLLUP_DIMENSIONS,
        breakdown=_count_breakdown("rectified"),
        drilldown=_cases_url,
    ),
    _rate_metric(RATES[2], headline=True),
    _rate_metric(RATES[3]),
    _rate_metric(RATES[4]),
    Metric(
        code="evaluations.department_coverage",
        name="部门评价覆盖率",
        unit="%",
        formula="部门评价覆盖率 = 期间内收到评价的部门数 ÷ 启用的部门数 × 100%",
        section=SECTION,
        source=SOURCE + "；hall_department",
        value=department_coverage,
        drilldown=_list_url,
    ),
    Metric(
        code="evaluations.matter_coverage",
        name="事项评价覆盖率",
        unit="%",
        formula="事项评价覆盖率 = 期间内收到评价的事项数 ÷ 事项清单中已发布的事项数 × 100%",
        section=SECTION,
        source=SOURCE + "；catalog_matterversion",
        value=matter_coverage,
        drilldown=_list_url,
    ),
    Metric(
        code="evaluations.devices",
        name="评价器数量",
        unit="台",
        formula="评价器数量 = 期末前登记、期初前未停用的窗口评价器台数",
        section=SECTION,
        source="evaluations_evaluatordevice（评价器登记表）",
        value=devices_in_service,
        dimensions=(),
    ),
]
METRIC_BY_CODE = {m.code: m for m in METRICS}

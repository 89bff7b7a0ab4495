"""Reading the rollups for a scope: one aggregate per scope and table, cut by a dimension on demand.

Figures of the same scope share one aggregate query: ``memo()`` opens a context in which the sums
of a scope are computed once (pages, API and exports wrap their evaluation in it), so a page with
forty figures costs a handful of queries whatever the number of rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.urls import reverse

from hall.metrics import Row, Scope, memo, memoized, rate  # noqa: F401 (memo re-exported)
from hall.workdays import current_calendar


def scope_filter(
    scope: Scope,
    *,
    department_field: str | None = "department",
    date_field: str = "day",
    ranges: list[tuple[date, date]] | None = None,
) -> Q:
    ranges = ranges if ranges is not None else [(scope.start, scope.end)]
    condition = Q(pk__in=[])
    for first, last in ranges:
        condition |= Q(**{f"{date_field}__range": (first, last)})
    if scope.site_ids is not None:
        condition &= Q(site_id__in=sorted(scope.site_ids))
    if scope.department_id is not None and department_field:
        condition &= Q(**{f"{department_field}_id": scope.department_id}) | Q(
            **{f"{department_field}__parent_id": scope.department_id}
        )
    return condition


def split_months(scope: Scope) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The whole months inside the scope (as first days) and the leftover day ranges at its edges."""
    first_full = (
        scope.start if scope.start.day == 1 else (scope.start.replace(day=28) + timedelta(days=4)).replace(day=1)
    )
    after_end = scope.end + timedelta(days=1)
    last_full_end = scope.end if after_end.day == 1 else scope.end.replace(day=1) - timedelta(days=1)
    if first_full > last_full_end:
        return None, [(scope.start, scope.end)]
    edges = []
    if scope.start < first_full:
        edges.append((scope.start, first_full - timedelta(days=1)))
    if last_full_end < scope.end:
        edges.append((last_full_end + timedelta(days=1), scope.end))
    return (first_full, last_full_end.replace(day=1)), edges


def date_parts(model, monthly, scope: Scope, department_field):
    """(model, filter, date field) of the tables to read: whole months from ``monthly``, the rest daily."""
    if monthly is None:
        return [(model, scope_filter(scope, department_field=department_field), "day")]
    months, edges = split_months(scope)
    parts = []
    if months is not None:
        parts.append(
            (
                monthly,
                scope_filter(scope, department_field=department_field, date_field="month", ranges=[months]),
                "month",
            )
        )
    if edges:
        parts.append((model, scope_filter(scope, department_field=department_field, ranges=edges), "day"))
    return parts


def sums(
    model, scope: Scope, fields: list[str], *, department_field: str | None = "department", monthly=None
) -> dict[str, int]:
    """Σ of ``fields`` over the rollup rows of ``scope`` (one or two queries, memoized per scope)."""

    def compute():
        result = dict.fromkeys(fields, 0)
        for table, condition, _ in date_parts(model, monthly, scope, department_field):
            totals = table.objects.filter(condition).aggregate(**{name: Sum(name) for name in fields})
            for name in fields:
                result[name] += totals[name] or 0
        return result

    return memoized((model.__name__, "sums", scope, tuple(fields)), compute)


def month_group(date_field: str) -> dict:
    return {"g_year": ExtractYear(date_field), "g_month": ExtractMonth(date_field)}


MONTH_GROUP = "month"  # marker: grouped() builds the month expressions for the table it reads


def grouped(
    model,
    scope: Scope,
    group,
    fields: list[str],
    *,
    department_field: str | None = "department",
    extra: Q | None = None,
    monthly=None,
) -> list[dict]:
    """Σ of ``fields`` grouped by the ``group`` expressions (one query per table read, memoized)."""

    def compute():
        merged: dict[tuple, dict] = {}
        for table, condition, date_field in date_parts(model, monthly, scope, department_field):
            expressions = month_group(date_field) if group == MONTH_GROUP else group
            queryset: QuerySet = table.objects.filter(condition)
            if extra is not None:
                queryset = queryset.filter(extra)
            rows = queryset.values(**expressions).annotate(**{f"s_{name}": Sum(name) for name in fields}).order_by()
            for row in rows:
                key = tuple(row[k] for k in expressions)
                found = merged.get(key)
                if found is None:
                    merged[key] = dict(row)
                else:
                    for name in fields:
                        found[f"s_{name}"] = (found[f"s_{name}"] or 0) + (row[f"s_{name}"] or 0)
        keys = ["g_year", "g_month"] if group == MONTH_GROUP else list(group)
        return sorted(merged.values(), key=lambda r: tuple((r[k] is None, str(r[k])) for k in keys))

    key = (
        model.__name__,
        "grouped",
        scope,
        str(group if group == MONTH_GROUP else sorted(group)),
        tuple(fields),
        str(extra),
    )
    return memoized(key, compute)


def month_key(record: dict) -> tuple[str, str]:
    return f"{record['g_year']}-{record['g_month']:02d}", f"{record['g_year']}年{record['g_month']}月"


def months_of(scope: Scope) -> list[tuple[str, str]]:
    """Every month the scope touches, so a trend shows the empty months as zeros."""
    result = []
    year, month = scope.start.year, scope.start.month
    while (year, month) <= (scope.end.year, scope.end.month):
        result.append((f"{year}-{month:02d}", f"{year}年{month}月"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def ratio_value(numerator: int, denominator: int, kind: str) -> Decimal | int | None:
    """``kind`` "rate": percent; "avg": a plain average with two decimals; "sum": the numerator."""
    if kind == "sum":
        return numerator
    if kind == "rate":
        return rate(numerator, denominator)
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def working_days_in(scope: Scope) -> int:
    """Working days in ``start``..``end`` inclusive, from the working-day calendar."""
    return current_calendar().working_days_between(scope.start - timedelta(days=1), scope.end)


def list_url(url_name: str, **params) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "", [])}
    return f"{reverse(url_name)}?{urlencode(query, doseq=True)}" if query else reverse(url_name)


def site_param(scope: Scope) -> str:
    """The site filter of a list page: only when the scope is one site."""
    if scope.site_ids is not None and len(scope.site_ids) == 1:
        return str(next(iter(scope.site_ids)))
    return ""


def rows_from(records: list[dict], key_of, label_of, value_of) -> list[Row]:
    return [Row(key=str(key_of(r)), label=str(label_of(r)), value=value_of(r)) for r in records]

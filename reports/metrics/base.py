"""Reading the rollups for a scope: one aggregate per scope and table, cut by a dimension on demand.

Figures of the same scope share one aggregate query: ``memo()`` opens a context in which the sums
of a scope are computed once (pages, API and exports wrap their evaluation in it), so a page with
forty figures costs a handful of queries whatever the number of rows.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.urls import reverse

from hall.metrics import Row, Scope, rate
from hall.workdays import current_calendar

_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("reports_memo", default=None)


@contextmanager
def memo() -> Iterator[None]:
    """Share aggregates between the figures evaluated inside the block."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memoized(key: tuple, compute: Callable[[], object]):
    cache = _MEMO.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def scope_filter(scope: Scope, *, department_field: str | None = "department") -> Q:
    condition = Q(day__range=(scope.start, scope.end))
    if scope.site_ids is not None:
        condition &= Q(site_id__in=sorted(scope.site_ids))
    if scope.department_id is not None and department_field:
        condition &= Q(**{f"{department_field}_id": scope.department_id}) | Q(
            **{f"{department_field}__parent_id": scope.department_id}
        )
    return condition


def sums(model, scope: Scope, fields: list[str], *, department_field: str | None = "department") -> dict[str, int]:
    """Σ of ``fields`` over the rollup rows of ``scope`` (one query, memoized per scope)."""

    def compute():
        totals = model.objects.filter(scope_filter(scope, department_field=department_field)).aggregate(
            **{name: Sum(name) for name in fields}
        )
        return {name: totals[name] or 0 for name in fields}

    return memoized((model.__name__, "sums", scope, tuple(fields)), compute)


def grouped(
    model,
    scope: Scope,
    group: dict,
    fields: list[str],
    *,
    department_field: str | None = "department",
    extra: Q | None = None,
) -> list[dict]:
    """Σ of ``fields`` grouped by the ``group`` expressions (one query, memoized)."""

    def compute():
        queryset: QuerySet = model.objects.filter(scope_filter(scope, department_field=department_field))
        if extra is not None:
            queryset = queryset.filter(extra)
        return list(
            queryset.values(**group).annotate(**{f"s_{name}": Sum(name) for name in fields}).order_by(*group.keys())
        )

    key = (model.__name__, "grouped", scope, tuple(sorted(group)), tuple(fields), str(extra))
    return memoized(key, compute)


MONTH_GROUP = {"g_year": ExtractYear("day"), "g_month": ExtractMonth("day")}


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

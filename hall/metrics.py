"""The contract of a reported figure (统计指标): every app defines its figures with it, reports collects them.

Each domain app that reports figures has a module ``<app>/metrics.py`` with a list ``METRICS`` of
``Metric`` objects (``hall.catalog.metrics``, ``approvals.metrics``, ``evaluations.metrics`` …).
The reports app (``reports.registry``) gathers them from every installed app, so reports reads the
others and none of them reads reports, and adding a figure is one definition plus its test.

A metric computes its value for a ``Scope`` (a period and, optionally, a set of sites or one
department) by reading rollup tables or indexed aggregates, never by scanning raw rows in Python.
Rates are returned in percent (``Decimal`` rounded to two places, ``unit="%"``) or ``None`` when
the denominator is zero, so pages show "—" rather than a false 0 %.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

Number = int | Decimal | None

# Dimensions a figure may be cut by (the keys of ``Metric.breakdown``).
DIMENSIONS = {
    "month": "月份",
    "site": "服务场所",
    "site_level": "场所层级",
    "department": "部门",
    "section": "股室",
    "matter": "事项",
    "category": "事项类型",
    "channel": "渠道",
    "window": "窗口",
    "staff": "工作人员",
    "kind": "类别",
    "entity_type": "市场主体类型",
}

# Sections of the annual summary spreadsheet (年度数据汇总表), in the order its sheets appear.
SECTIONS = ["概览", "办件", "窗口与排队", "好差评", "诉求工单", "市场主体", "事项与改革", "帮办代办与勘验"]


@dataclass(frozen=True)
class Scope:
    """What a figure is computed over: ``start``..``end`` inclusive, optionally narrowed.

    ``site_ids`` None means the whole county (every site); ``department_id`` None means every
    department (a department head's scope sets it).
    """

    start: date
    end: date
    site_ids: frozenset[int] | None = None
    department_id: int | None = None


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a key (id or code), its label and the value."""

    key: str
    label: str
    value: Number


@dataclass(frozen=True)
class Metric:
    """One reported figure, defined once.

    ``value(scope)`` returns the figure; ``breakdown(scope, dimension)`` the same figure cut by one
    of ``dimensions``; ``drilldown(scope)`` the URL of the list of rows behind it (reusing the
    existing list pages and their filters), or None.
    """

    code: str
    name: str
    unit: str
    formula: str
    section: str
    source: str
    value: Callable[[Scope], Number]
    dimensions: tuple[str, ...] = ()
    breakdown: Callable[[Scope, str], list[Row]] | None = None
    drilldown: Callable[[Scope], str | None] | None = None
    headline: bool = False
    tags: tuple[str, ...] = field(default=())


def rate(numerator: int | Decimal | None, denominator: int | Decimal | None) -> Decimal | None:
    """A percentage with two decimals (half up), None when there is nothing to divide by."""
    if not denominator:
        return None
    value = Decimal(numerator or 0) * 100 / Decimal(denominator)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("metrics_memo", default=None)


@contextmanager
def memo() -> Iterator[None]:
    """Share aggregates between the figures evaluated inside the block (one page, export or API call).

    Every app's figures of one scope read the same aggregate through ``memoized``, so a page with
    forty figures costs a handful of queries whatever the number of rows; outside a block nothing is
    kept, so a figure is never stale.
    """
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memoized(key: tuple, compute: Callable[[], object]):
    """``compute()`` once per ``key`` inside the current ``memo()`` block (every time outside one)."""
    cache = _MEMO.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]

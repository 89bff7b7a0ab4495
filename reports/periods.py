"""Parsing a report's period and place (统计期与统计范围) into a ``Scope``, with Chinese messages.

A period is a month, a quarter, a half-year, a year or any range of days; the place is the whole
county (every site), or one site together with the sites under it (a town centre and its village
stations), as seed 003's half-year report counts them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from hall.metrics import Scope
from hall.models import Site

PERIOD_KINDS = {"month": "月度", "quarter": "季度", "half": "半年", "year": "年度", "range": "自定义区间"}
MAX_DAYS = 366 * 10


@dataclass(frozen=True)
class Period:
    scope: Scope
    kind: str
    label: str
    site: Site | None


def _int(params, name: str, errors: dict, low: int, high: int, default: int | None, label: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        if default is None:
            errors[name] = [f"请填写{label}。"]
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = [f"{label}应为整数。"]
        return None
    if not low <= value <= high:
        errors[name] = [f"{label}应在 {low}～{high} 之间。"]
        return None
    return value


def _date(params, name: str, errors: dict, label: str) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        errors[name] = [f"请填写{label}。"]
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = [f"{label}格式应为 YYYY-MM-DD。"]
        return None


def site_with_children(site: Site) -> frozenset[int]:
    ids = {site.pk}
    frontier = [site.pk]
    while frontier:
        children = list(Site.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return frozenset(ids)


def parse_site(params, errors: dict) -> Site | None:
    raw = (params.get("site") or "").strip()
    if not raw:
        return None
    site = Site.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if site is None:
        errors["site"] = [f"服务场所“{raw[:20]}”不存在。"]
    return site


def parse_period(params, *, department_id: int | None = None, today: date | None = None) -> Period:
    """Read ``period`` (month/quarter/half/year/range), ``year``, ``month``, ``quarter``, ``half``,
    ``start``, ``end`` and ``site``; raise ``ValidationError`` with a message per field."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    kind = (params.get("period") or "year").strip()
    if kind not in PERIOD_KINDS:
        errors["period"] = ["统计期类型应为 month、quarter、half、year 或 range。"]
        kind = "year"
    start = end = None
    label = ""
    if kind == "range":
        start = _date(params, "start", errors, "起始日期")
        end = _date(params, "end", errors, "截止日期")
        if start and end:
            if end < start:
                errors["end"] = ["截止日期不能早于起始日期。"]
            elif (end - start).days > MAX_DAYS:
                errors["end"] = ["统计区间不能超过十年。"]
            label = f"{start:%Y年%m月%d日}至{end:%Y年%m月%d日}"
    else:
        year = _int(params, "year", errors, 2000, 2100, today.year, "年度")
        if year:
            if kind == "year":
                start, end, label = date(year, 1, 1), date(year, 12, 31), f"{year}年"
            elif kind == "half":
                half = _int(params, "half", errors, 1, 2, 1 if today.month <= 6 else 2, "半年")
                if half:
                    start = date(year, 1 if half == 1 else 7, 1)
                    end = date(year, 6, 30) if half == 1 else date(year, 12, 31)
                    label = f"{year}年{'上' if half == 1 else '下'}半年"
            elif kind == "quarter":
                quarter = _int(params, "quarter", errors, 1, 4, (today.month - 1) // 3 + 1, "季度")
                if quarter:
                    first = 3 * quarter - 2
                    start = date(year, first, 1)
                    end = date(year, first + 2, calendar.monthrange(year, first + 2)[1])
                    label = f"{year}年第{quarter}季度"
            else:
                month = _int(params, "month", errors, 1, 12, today.month, "月份")
                if month:
                    start, end = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
                    label = f"{year}年{month}月"
    site = parse_site(params, errors)
    if errors:
        raise ValidationError(errors)
    site_ids = site_with_children(site) if site is not None else None
    scope = Scope(start=start, end=end, site_ids=site_ids, department_id=department_id)
    return Period(scope=scope, kind=kind, label=label, site=site)


def year_to_date(today: date, *, years_back: int = 0, department_id: int | None = None) -> Scope:
    """1 January to ``today`` of this year, or the same days ``years_back`` years earlier."""
    year = today.year - years_back
    day = min(today.day, calendar.monthrange(year, today.month)[1])
    return Scope(start=date(year, 1, 1), end=date(year, today.month, day), department_id=department_id)

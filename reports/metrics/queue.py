"""Figures of the queue and windows (窗口与排队), read from the daily queue rollup."""

from __future__ import annotations

import re

from django.db.models import F, TextField
from django.db.models.functions import Cast

from hall.metrics import Metric, Row, Scope
from reports.metrics.applications import Ratio
from reports.metrics.base import (
    MONTH_GROUP,
    date_parts,
    grouped,
    list_url,
    memoized,
    month_key,
    months_of,
    site_param,
    sums,
)
from reports.models import WAIT_BUCKETS
from reports.models import QueueDailyRollup as Rollup
from reports.models import QueueMonthlyRollup as MonthlyRollup
from reports.rollups import histogram_percentile

MEASURES = [
    "issued",
    "called",
    "calls",
    "served",
    "no_show",
    "wait_count",
    "wait_seconds",
    "service_count",
    "service_seconds",
]
DIMENSIONS = ("month", "site", "zone", "window", "staff")
GROUPS = {
    "month": MONTH_GROUP,
    "site": {"g_key": F("site_id"), "g_label": F("site__name")},
    "zone": {"g_key": F("zone_id"), "g_label": F("zone__name")},
    "window": {"g_key": F("window_id"), "g_label": F("window__name"), "g_number": F("window__number")},
    "staff": {"g_key": F("clerk_id"), "g_label": F("clerk__full_name")},
}
SOURCE = "排队日、月汇总（reports.QueueDailyRollup、QueueMonthlyRollup，由取号、叫号记录重建）"


def totals(scope: Scope) -> dict[str, int]:
    return sums(Rollup, scope, MEASURES, department_field=None, monthly=MonthlyRollup)


def breakdown_records(scope: Scope, dimension: str) -> list[tuple[str, str, dict]]:
    if dimension not in GROUPS:
        raise KeyError(dimension)
    records = grouped(Rollup, scope, GROUPS[dimension], MEASURES, department_field=None, monthly=MonthlyRollup)
    empty = dict.fromkeys(MEASURES, 0)
    if dimension == "month":
        found = {month_key(r)[0]: {m: r[f"s_{m}"] or 0 for m in MEASURES} for r in records}
        return [(key, label, found.get(key, empty)) for key, label in months_of(scope)]
    result = []
    for r in records:
        if r["g_key"] is None:
            continue  # tickets nobody called have no window or clerk
        label = r.get("g_label") or str(r["g_key"])
        if dimension == "window":
            label = f"{r['g_number']}号窗口 {label}"
        result.append((str(r["g_key"]), label, {m: r[f"s_{m}"] or 0 for m in MEASURES}))
    return result


def _drill(**extra):
    def drilldown(scope: Scope) -> str:
        return list_url(
            "queue_stats",
            site=site_param(scope),
            start=scope.start.isoformat(),
            end=scope.end.isoformat(),
            **extra,
        )

    return drilldown


def figure(code, name, unit, formula, ratio: Ratio, *, headline=False):
    def value(scope: Scope):
        return ratio.of(totals(scope))

    def breakdown(scope: Scope, dimension: str) -> list[Row]:
        return [Row(key, label, ratio.of(values)) for key, label, values in breakdown_records(scope, dimension)]

    return Metric(
        code=code,
        name=name,
        unit=unit,
        formula=formula,
        section="窗口与排队",
        source=SOURCE,
        value=value,
        dimensions=DIMENSIONS,
        breakdown=breakdown,
        drilldown=_drill(),
        headline=headline,
    )


HISTOGRAM_KEYS = {"site": 1, "zone": 2, "window": 3, "staff": 4}
# A non-zero count in a histogram's JSON text ("[0, 0, 3, 0, …]"): zeros are never matched, and
# the minute of a count is the number of commas before it.
_NONZERO = re.compile(r"[1-9][0-9]*")


def _sparse(text: str) -> dict[int, int]:
    """{minute: count} of the non-empty minutes of a histogram given as its JSON text.

    A day's row holds a few waits in WAIT_BUCKETS minutes: reading the text and its few non-zero
    numbers costs a fraction of decoding every zero into a list and walking it."""
    return {text.count(",", 0, m.start()): int(m.group()) for m in _NONZERO.finditer(text)}


def _histogram_rows(scope: Scope) -> dict[tuple, dict[int, int]]:
    """The scope's wait histograms summed per (month, site, zone, window, clerk), sparse: one
    query per table read (whole months from the monthly rollup, the edges' days from the daily),
    memoized, so P90 by any dimension folds these few thousand groups."""

    def compute():
        groups: dict[tuple, dict[int, int]] = {}
        for table, condition, date_field in date_parts(Rollup, MonthlyRollup, scope, department_field=None):
            queryset = (
                table.objects.filter(condition)
                .annotate(histogram_text=Cast("wait_histogram", TextField()))
                .values_list(date_field, "site_id", "zone_id", "window_id", "clerk_id", "histogram_text")
                .order_by()
            )
            for day, site, zone, window, clerk, text in queryset.iterator(chunk_size=5000):
                total = groups.setdefault((f"{day.year}-{day.month:02d}", site, zone, window, clerk), {})
                for minute, count in _sparse(text).items():
                    total[minute] = total.get(minute, 0) + count
        return groups

    return memoized((Rollup.__name__, "histogram_groups", scope), compute)


def _fold(scope: Scope, index: int | None) -> dict[str, list[int]]:
    summed: dict[str, dict[int, int]] = {}
    for key, histogram in _histogram_rows(scope).items():
        value = "all" if index is None else key[index]
        if value is None:
            continue
        total = summed.setdefault(str(value), {})
        for minute, count in histogram.items():
            total[minute] = total.get(minute, 0) + count
    result = {}
    for value, histogram in summed.items():
        dense = [0] * WAIT_BUCKETS
        for minute, count in histogram.items():
            dense[minute] += count
        result[value] = dense
    return result


def _p90(scope: Scope):
    return histogram_percentile(_fold(scope, None).get("all", []), 0.9)


def _p90_breakdown(scope: Scope, dimension: str) -> list[Row]:
    if dimension == "month":
        found = _fold(scope, 0)
        return [Row(key, label, histogram_percentile(found.get(key, []), 0.9)) for key, label in months_of(scope)]
    labels = {key: label for key, label, _ in breakdown_records(scope, dimension)}
    histograms = _fold(scope, HISTOGRAM_KEYS[dimension])
    return [Row(key, labels.get(key, key), histogram_percentile(h, 0.9)) for key, h in histograms.items()]


METRICS = [
    figure(
        "queue.issued",
        "取号量",
        "个",
        "期内发出的排队号数（现场取号、网上取号、预约签到）",
        Ratio("issued"),
        headline=True,
    ),
    figure(
        "queue.called", "叫号量", "个", "期内被窗口叫到的排队号数（每个号只计一次）", Ratio("called"), headline=True
    ),
    figure("queue.calls", "叫号次数", "次", "期内窗口叫号与重呼的总次数（叫号记录数）", Ratio("calls")),
    figure("queue.served", "窗口办结号数", "个", "期内在窗口办理完毕的排队号数", Ratio("served")),
    figure("queue.no_show", "过号数", "个", "期内叫号后未到、最终为过号状态的排队号数", Ratio("no_show")),
    figure("queue.no_show_rate", "过号率", "%", "过号数 ÷ 叫号量 × 100%", Ratio("no_show", "called", "rate")),
    figure(
        "queue.avg_wait",
        "平均等候时长",
        "分钟",
        "被叫到的号从取号（或过号恢复）到首次叫号的时长之和 ÷ 号数，按分钟计",
        Ratio("wait_seconds", "wait_count", "avg", scale=60),
        headline=True,
    ),
    Metric(
        code="queue.p90_wait",
        name="P90 等候时长",
        unit="分钟",
        formula="90% 的被叫号等候时长不超过的最小整分钟数（等候时长按整分钟向下取整后统计）",
        section="窗口与排队",
        source=SOURCE,
        value=_p90,
        dimensions=DIMENSIONS,
        breakdown=_p90_breakdown,
        drilldown=_drill(),
    ),
    figure(
        "queue.avg_service",
        "平均办理时长",
        "分钟",
        "窗口开始办理到办结的时长之和 ÷ 号数，按分钟计",
        Ratio("service_seconds", "service_count", "avg", scale=60),
    ),
]

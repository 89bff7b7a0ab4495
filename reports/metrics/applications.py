"""Figures of applications (办件) and of 帮办代办与勘验, read from the daily rollup.

Each figure is a ratio of two rollup sums (``kind`` "sum", "rate" or "avg"); the same definition
gives its value, its breakdown by any dimension of the rollup and the list of rows behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F

from approvals.models import Channel
from hall.catalog.models import MatterType, MatterVersion
from hall.metrics import Metric, Row, Scope
from hall.models import Site
from reports.metrics.base import (
    MONTH_GROUP,
    grouped,
    list_url,
    memoized,
    month_key,
    months_of,
    ratio_value,
    site_param,
    working_days_in,
)
from reports.models import ApplicationDailyRollup as Rollup
from reports.models import ApplicationMonthlyRollup as MonthlyRollup

MEASURES = [
    "received",
    "online_received",
    "full_online_received",
    "assisted",
    "accepted",
    "not_accepted",
    "completed",
    "completed_on_time",
    "immediate_completed",
    "elapsed_days",
    "paused",
    "inspections",
    "extensions",
]
DIMENSIONS = ("month", "site", "site_level", "department", "matter", "category", "channel")
GROUPS = {
    "month": MONTH_GROUP,
    "site": {"g_key": F("site_id"), "g_label": F("site__name")},
    "site_level": {"g_key": F("site_level")},
    "department": {"g_key": F("department_id"), "g_label": F("department__name")},
    "matter": {"g_key": F("matter_id"), "g_label": F("matter__code")},
    "category": {"g_key": F("category")},
    "channel": {"g_key": F("channel")},
}
FIXED_LABELS = {
    "site_level": dict(Site.Level.choices),
    "category": dict(MatterType.choices),
    "channel": dict(Channel.choices),
}
SOURCE = "办件日汇总（reports.ApplicationDailyRollup，由办件、特别程序、延期记录按日重建）"
BASE_LEVELS = (Site.Level.TOWN, Site.Level.VILLAGE)


# The dimensions folded from one GROUP BY per scope (the "cube"): a year is at most a few thousand
# groups, so the totals and the breakdowns by these four cost one query per table read, not one each.
CUBE = ("department", "category", "channel", "site_level")
CUBE_GROUP = {
    "c_department": F("department_id"),
    "c_department_name": F("department__name"),
    "c_category": F("category"),
    "c_channel": F("channel"),
    "c_site_level": F("site_level"),
}


def _cube(scope: Scope) -> list[dict]:
    return grouped(Rollup, scope, CUBE_GROUP, MEASURES, monthly=MonthlyRollup)


def totals(scope: Scope) -> dict[str, int]:
    """Σ of every measure over the scope, folded from the scope's cube (shared with the breakdowns)."""

    def compute():
        result = dict.fromkeys(MEASURES, 0)
        for record in _cube(scope):
            for name in MEASURES:
                result[name] += record[f"s_{name}"] or 0
        return result

    return memoized((Rollup.__name__, "totals", scope), compute)


def _fold_cube(scope: Scope, dimension: str) -> list[dict]:
    """The cube's groups summed per value of ``dimension``, shaped as ``grouped()`` returns them."""
    merged: dict = {}
    for record in _cube(scope):
        key = record[f"c_{dimension}"]
        found = merged.get(key)
        if found is None:
            found = merged[key] = {"g_key": key, **{f"s_{m}": 0 for m in MEASURES}}
            if dimension == "department":
                found["g_label"] = record["c_department_name"]
        for name in MEASURES:
            found[f"s_{name}"] += record[f"s_{name}"] or 0
    return sorted(merged.values(), key=lambda r: (r["g_key"] is None, str(r["g_key"]), str(r.get("g_label", ""))))


def _matter_names(ids: list) -> dict[str, str]:
    names = {}
    for matter_id, name, status in (
        MatterVersion.objects.filter(matter_id__in=ids)
        .order_by("matter_id", "version")
        .values_list("matter_id", "name", "status")
    ):
        # The published version's name wins; otherwise the latest version's.
        if status == MatterVersion.Status.PUBLISHED or str(matter_id) not in names:
            names[str(matter_id)] = name
    return names


def breakdown_records(scope: Scope, dimension: str) -> list[tuple[str, str, dict]]:
    """(key, label, sums) per value of ``dimension``; months include the empty ones."""
    if dimension not in GROUPS:
        raise KeyError(dimension)
    # Whole months are read from the monthly rollup, except by matter, which only the daily rows keep.
    monthly = None if dimension == "matter" else MonthlyRollup
    if dimension in CUBE:
        records = _fold_cube(scope, dimension)
    else:
        records = grouped(Rollup, scope, GROUPS[dimension], MEASURES, monthly=monthly)
    empty = dict.fromkeys(MEASURES, 0)
    if dimension == "month":
        found = {month_key(r)[0]: {m: r[f"s_{m}"] or 0 for m in MEASURES} for r in records}
        return [(key, label, found.get(key, empty)) for key, label in months_of(scope)]
    labels = FIXED_LABELS.get(dimension)
    if dimension == "matter":
        labels = _matter_names([r["g_key"] for r in records])
    result = []
    for r in records:
        key = str(r["g_key"])
        label = labels.get(r["g_key"], labels.get(key, key)) if labels is not None else r.get("g_label", key)
        result.append((key, label, {m: r[f"s_{m}"] or 0 for m in MEASURES}))
    return result


@dataclass(frozen=True)
class Ratio:
    numerator: str
    denominator: str | None = None
    kind: str = "sum"
    scale: int = 1  # the denominator is multiplied by it (e.g. minutes from seconds)

    def of(self, values: dict[str, int]):
        denominator = values[self.denominator] * self.scale if self.denominator else 0
        return ratio_value(values[self.numerator], denominator, self.kind)


def _drill(date_field: str, **extra):
    def drilldown(scope: Scope) -> str:
        return list_url(
            "application_list",
            date_field=date_field,
            date_from=scope.start.isoformat(),
            date_to=scope.end.isoformat(),
            site=site_param(scope),
            department=scope.department_id or "",
            **extra,
        )

    return drilldown


def figure(code, name, unit, formula, ratio: Ratio, *, section="办件", drill=None, headline=False, dims=DIMENSIONS):
    def value(scope: Scope):
        return ratio.of(totals(scope))

    def breakdown(scope: Scope, dimension: str) -> list[Row]:
        return [Row(key, label, ratio.of(values)) for key, label, values in breakdown_records(scope, dimension)]

    return Metric(
        code=code,
        name=name,
        unit=unit,
        formula=formula,
        section=section,
        source=SOURCE,
        value=value,
        dimensions=dims,
        breakdown=breakdown,
        drilldown=drill,
        headline=headline,
    )


def _daily_average(scope: Scope):
    return ratio_value(totals(scope)["received"], working_days_in(scope), "avg")


def _base_received(scope: Scope) -> int:
    return sum(values["received"] for key, _, values in breakdown_records(scope, "site_level") if key in BASE_LEVELS)


def _base_breakdown(scope: Scope, dimension: str) -> list[Row]:
    if dimension != "site":
        return []
    levels = dict(Site.objects.filter(level__in=BASE_LEVELS).values_list("pk", "level"))
    return [
        Row(key, label, values["received"])
        for key, label, values in breakdown_records(scope, "site")
        if int(key) in levels
    ]


METRICS = [
    figure(
        "app.received",
        "接件量",
        "件",
        "统计期内接件日期落在期内的办件数（含网上提交、乡镇代收）",
        Ratio("received"),
        drill=_drill("received"),
        headline=True,
    ),
    figure(
        "app.accepted",
        "受理量",
        "件",
        "统计期内受理日期落在期内的办件数（含逾期未告知视为受理）",
        Ratio("accepted"),
        drill=_drill("accepted"),
        headline=True,
    ),
    figure(
        "app.not_accepted",
        "不予受理量",
        "件",
        "统计期内接件、办理状态为不予受理的办件数",
        Ratio("not_accepted"),
        drill=_drill("received", status="not_accepted"),
    ),
    figure(
        "app.completed",
        "办结量",
        "件",
        "统计期内办结日期落在期内的办件数",
        Ratio("completed"),
        drill=_drill("completed"),
        headline=True,
    ),
    figure(
        "app.completion_rate",
        "办结率",
        "%",
        "办结量 ÷ 受理量 × 100%",
        Ratio("completed", "accepted", "rate"),
        drill=_drill("completed"),
        headline=True,
    ),
    figure(
        "app.on_time_rate",
        "按时办结率",
        "%",
        "期内办结且办结日期不晚于承诺办结期限的办件数 ÷ 办结量 × 100%",
        Ratio("completed_on_time", "completed", "rate"),
        drill=_drill("completed", on_time="1"),
        headline=True,
    ),
    figure(
        "app.online_received",
        "网上办件量",
        "件",
        "期内通过网上办理（电脑端）和移动端提交的办件数",
        Ratio("online_received"),
        drill=_drill("received", channel="online"),
    ),
    figure(
        "app.online_rate",
        "网办率",
        "%",
        "网上办件量 ÷ 接件量 × 100%",
        Ratio("online_received", "received", "rate"),
        drill=_drill("received", channel="online"),
        headline=True,
    ),
    figure(
        "app.full_online_rate",
        "全程网办率",
        "%",
        "网上提交且事项网上办理深度为Ⅳ级（全程网办）的办件数 ÷ 接件量 × 100%",
        Ratio("full_online_received", "received", "rate"),
        drill=_drill("received", channel="online", depth="4"),
        headline=True,
    ),
    Metric(
        code="app.daily_average",
        name="日均办件量",
        unit="件/工作日",
        formula="接件量 ÷ 统计期内工作日数（按工作日历，节假日不计、调休上班日计入）",
        section="办件",
        source=SOURCE,
        value=_daily_average,
        drilldown=_drill("received"),
        headline=True,
    ),
    figure(
        "app.immediate_completed",
        "即办件办结量",
        "件",
        "期内办结的即办件（办件类型为即办件的事项）数",
        Ratio("immediate_completed"),
        drill=_drill("completed", immediate="1"),
    ),
    figure(
        "app.immediate_share",
        "即办件占比",
        "%",
        "即办件办结量 ÷ 办结量 × 100%",
        Ratio("immediate_completed", "completed", "rate"),
        drill=_drill("completed", immediate="1"),
    ),
    figure(
        "app.avg_elapsed",
        "平均办结用时",
        "工作日",
        "期内办结办件的实际用时（工作日，不含特别程序）之和 ÷ 办结量",
        Ratio("elapsed_days", "completed", "avg"),
        drill=_drill("completed"),
    ),
    Metric(
        code="app.base_received",
        name="乡镇（街道）、村（社区）办件量",
        unit="件",
        formula="受理场所为乡镇（街道）便民服务中心或村（社区）便民服务站的期内接件数",
        section="办件",
        source=SOURCE,
        value=_base_received,
        dimensions=("site",),
        breakdown=_base_breakdown,
        drilldown=_drill("received", site_level="base"),
    ),
    figure(
        "app.assisted",
        "帮办代办量",
        "件",
        "期内接件且标记为帮办代办（工作人员免费代为办理）的办件数",
        Ratio("assisted"),
        section="帮办代办与勘验",
        drill=_drill("received", assisted="1"),
        headline=True,
    ),
    figure(
        "app.assisted_share",
        "帮办代办占比",
        "%",
        "帮办代办量 ÷ 接件量 × 100%",
        Ratio("assisted", "received", "rate"),
        section="帮办代办与勘验",
        drill=_drill("received", assisted="1"),
    ),
    figure(
        "app.inspections",
        "现场勘验次数",
        "次",
        "期内启动的现场勘验（特别程序类型为现场勘验）次数",
        Ratio("inspections"),
        section="帮办代办与勘验",
        drill=_drill("inspection"),
        headline=True,
    ),
    figure(
        "app.special_procedures",
        "特别程序（暂停计时）次数",
        "次",
        "期内启动的特别程序次数（听证、检验检测、专家评审、现场勘验等，期间不计时）",
        Ratio("paused"),
        section="帮办代办与勘验",
        drill=_drill("paused"),
    ),
    figure(
        "app.extensions",
        "延期办件数",
        "次",
        "期内经负责人批准的延期（行政许可法第四十二条）次数",
        Ratio("extensions"),
        section="帮办代办与勘验",
        drill=_drill("extended"),
    ),
]

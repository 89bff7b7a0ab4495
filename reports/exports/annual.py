"""The annual summary spreadsheet (年度数据汇总表) and the period report workbook, from the registry.

Every number comes from ``Metric.value`` / ``Metric.breakdown`` over the rollups, so the workbook
equals the API and the dashboards. Sheets: 概览 (the headline figures in the order a bureau's
annual summary reports them, with last year and the change), one sheet per section with its figures,
monthly trend and breakdowns and native charts, and 指标说明 (every figure's code, name, formula).
No personal data: only counts, rates and the names of departments, sites, windows and matters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from openpyxl.chart import BarChart, LineChart, Reference

from hall.metrics import DIMENSIONS, SECTIONS, Metric, Scope
from reports.exports.workbook import header, new_workbook, number_cell, setup_sheet, title, wrap
from reports.metrics.base import memo, months_of
from reports.registry import all_metrics, breakdown_of, value_of

OVERVIEW_ORDER = ["办件", "帮办代办与勘验", "窗口与排队", "好差评", "诉求工单", "市场主体", "事项与改革"]
SHEET_SECTIONS = [s for s in SECTIONS if s != "概览"]
# Breakdowns shown under each section's figures, when its figures offer them.
SECTION_DIMENSIONS = [
    "department",
    "site_level",
    "site",
    "category",
    "channel",
    "zone",
    "window",
    "entity_type",
    "kind",
]
MAX_BREAKDOWN_ROWS = 60
# Units of figures that are not counts (rates, averages, durations): never summed in a trend chart.
NOT_COUNTS = {"%", "分钟", "小时", "工作日", "件/工作日"}


def _change(current, previous) -> Decimal | None:
    if current is None or previous in (None, 0):
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)).quantize(Decimal("0.01"))


def _overview(wb, metrics, scope: Scope, last_year: Scope, heading: str) -> None:
    ws = setup_sheet(wb, "概览", [8, 34, 16, 16, 12, 12, 60])
    ws.append(header(ws, ["序号", "指标", "本年", "上年同期", "同比（%）", "单位", "口径说明"]))
    headline = [m for m in metrics if m.headline]
    ordered = sorted(headline, key=lambda m: OVERVIEW_ORDER.index(m.section) if m.section in OVERVIEW_ORDER else 99)
    for index, metric in enumerate(ordered, start=1):
        current, previous = value_of(metric, scope), value_of(metric, last_year)
        change = _change(current, previous) if metric.unit != "%" else None
        ws.append(
            [
                index,
                metric.name,
                number_cell(ws, current, metric.unit),
                number_cell(ws, previous, metric.unit),
                number_cell(ws, change, "%") if change is not None else "—",
                metric.unit,
                wrap(ws, metric.formula),
            ]
        )
    ws.append([])
    ws.append(title(ws, heading))


def _section_sheet(wb, section: str, metrics: list[Metric], scope: Scope) -> None:
    ws = setup_sheet(wb, section, [30, 16, 12, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16])
    ws.append(header(ws, ["指标", "数值", "单位", "口径说明"]))
    row = 1
    for metric in metrics:
        ws.append(
            [metric.name, number_cell(ws, value_of(metric, scope), metric.unit), metric.unit, wrap(ws, metric.formula)]
        )
        row += 1
    # Monthly trend of the counted figures (not rates): a table and a line chart.
    counted = [m for m in metrics if "month" in m.dimensions and m.unit not in NOT_COUNTS and m.breakdown][:6]
    if counted:
        months = months_of(scope)
        values = {m.code: {r.key: r.value for r in breakdown_of(m, scope, "month")} for m in counted}
        ws.append([])
        ws.append(title(ws, "按月趋势"))
        ws.append(header(ws, ["月份", *[m.name for m in counted]]))
        first = row + 3
        for key, label in months:
            ws.append([label, *[number_cell(ws, values[m.code].get(key) or 0, m.unit) for m in counted]])
        last = first + len(months)
        chart = LineChart()
        chart.title = f"{section}按月趋势"
        chart.y_axis.title = counted[0].unit
        chart.height, chart.width = 8, 22
        chart.add_data(
            Reference(ws, min_col=2, max_col=1 + len(counted), min_row=first, max_row=last), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=first + 1, max_row=last))
        ws.add_chart(chart, f"F{first}")
        row = last
    # Rates by department (or the first dimension the rates offer): table and a bar chart.
    rates = [m for m in metrics if m.unit == "%" and m.breakdown]
    for dimension in SECTION_DIMENSIONS:
        chosen = [m for m in rates if dimension in m.dimensions][:4]
        if not chosen:
            continue
        lines = {m.code: breakdown_of(m, scope, dimension) for m in chosen}
        keys: dict[str, str] = {}
        for rows in lines.values():
            for r in rows[:MAX_BREAKDOWN_ROWS]:
                keys.setdefault(r.key, r.label)
        if not keys:
            continue
        by_key = {code: {r.key: r.value for r in rows} for code, rows in lines.items()}
        ws.append([])
        ws.append(title(ws, f"按{DIMENSIONS.get(dimension, dimension)}"))
        ws.append(header(ws, [DIMENSIONS.get(dimension, dimension), *[m.name for m in chosen]]))
        first = row + 3
        for key, label in keys.items():
            ws.append([label, *[number_cell(ws, by_key[m.code].get(key), "%") for m in chosen]])
        last = first + len(keys)
        chart = BarChart()
        chart.type = "bar"
        chart.title = f"{chosen[0].name}（按{DIMENSIONS.get(dimension, dimension)}）"
        chart.height, chart.width = 8, 22
        chart.y_axis.numFmt = "0%"
        chart.add_data(Reference(ws, min_col=2, max_col=2, min_row=first, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first + 1, max_row=last))
        ws.add_chart(chart, f"F{first}")
        row = last
        break
    # Counted figures by the section's other dimensions (tables only).
    for dimension in SECTION_DIMENSIONS:
        chosen = [m for m in metrics if m.unit not in NOT_COUNTS and m.breakdown and dimension in m.dimensions][:4]
        if not chosen:
            continue
        lines = {m.code: breakdown_of(m, scope, dimension) for m in chosen}
        keys = {}
        for rows in lines.values():
            for r in rows[:MAX_BREAKDOWN_ROWS]:
                keys.setdefault(r.key, r.label)
        if not keys:
            continue
        by_key = {code: {r.key: r.value for r in rows} for code, rows in lines.items()}
        ws.append([])
        ws.append(title(ws, f"按{DIMENSIONS.get(dimension, dimension)}（数量）"))
        ws.append(header(ws, [DIMENSIONS.get(dimension, dimension), *[m.name for m in chosen]]))
        for key, label in keys.items():
            ws.append([label, *[number_cell(ws, by_key[m.code].get(key) or 0, m.unit) for m in chosen]])
        row += 3 + len(keys)


def _definitions(wb, metrics) -> None:
    ws = setup_sheet(wb, "指标说明", [26, 30, 10, 14, 60, 40, 30])
    ws.append(header(ws, ["指标代码", "指标名称", "单位", "所属部分", "口径（计算公式）", "数据来源", "可分析维度"]))
    for m in metrics:
        dims = "、".join(DIMENSIONS.get(d, d) for d in m.dimensions)
        ws.append([m.code, m.name, m.unit, m.section, wrap(ws, m.formula), wrap(ws, m.source), dims])


def write_annual(
    out,
    *,
    year: int,
    site_ids: frozenset[int] | None = None,
    department_id: int | None = None,
    place_label: str = "全县（含乡镇、村）",
    progress: Callable[[int, str], None] | None = None,
) -> None:
    """Write the annual summary of ``year`` to ``out`` (a path or a binary file)."""
    report = progress or (lambda percent, stage: None)
    scope = Scope(start=date(year, 1, 1), end=date(year, 12, 31), site_ids=site_ids, department_id=department_id)
    last_year = Scope(
        start=date(year - 1, 1, 1), end=date(year - 1, 12, 31), site_ids=site_ids, department_id=department_id
    )
    metrics = list(all_metrics())
    wb = new_workbook()
    with memo():
        report(5, "概览")
        _overview(wb, metrics, scope, last_year, f"{year}年度数据汇总表 · {place_label}")
        for index, section in enumerate(SHEET_SECTIONS, start=1):
            report(5 + int(85 * index / len(SHEET_SECTIONS)), section)
            _section_sheet(wb, section, [m for m in metrics if m.section == section], scope)
        report(92, "指标说明")
        _definitions(wb, metrics)
    report(96, "保存文件")
    wb.save(out)
    report(100, "完成")


def write_period(
    out,
    *,
    rows: list[tuple[Metric, object]],
    period_label: str,
    place_label: str,
    breakdown: list[tuple[Metric, str, list]],
) -> None:
    """A period report (月/季/半年/年/区间) as xlsx: every figure, then the chosen breakdowns."""
    wb = new_workbook()
    ws = setup_sheet(wb, "统计报表", [26, 32, 16, 12, 14, 60])
    ws.append(header(ws, ["指标代码", "指标名称", "数值", "单位", "所属部分", "口径说明"]))
    for metric, value in rows:
        ws.append(
            [
                metric.code,
                metric.name,
                number_cell(ws, value, metric.unit),
                metric.unit,
                metric.section,
                wrap(ws, metric.formula),
            ]
        )
    ws.append([])
    ws.append(title(ws, f"统计期：{period_label}　统计范围：{place_label}"))
    for metric, dimension_label, lines in breakdown:
        ws.append([])
        ws.append(title(ws, f"{metric.name}（按{dimension_label}）"))
        for r in lines:
            ws.append([r.key, r.label, number_cell(ws, r.value, metric.unit), metric.unit])
    wb.save(out)

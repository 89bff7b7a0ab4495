"""Writing figures into spreadsheets (xlsx, write-only) and CSV: the shared cell and sheet helpers.

Percentages are written as fractions with the format ``0.00%``; every sheet gets a frozen header
row, column widths, A4 landscape print set-up with the header repeated on each page.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from hall.metrics import Metric
from hall.spreadsheets import apply_print_setup

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE_FONT = Font(bold=True, size=12)
PERCENT = "0.00%"
DECIMAL = "#,##0.00"
INTEGER = "#,##0"


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def setup_sheet(workbook: Workbook, title: str, widths: list[int]):
    """A write-only sheet with widths, frozen first row and A4 landscape printing."""
    ws = workbook.create_sheet(title)
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.freeze_panes = "A2"
    apply_print_setup(ws, header_rows=1, landscape=True, autofilter=False, title=title)
    return ws


def header(ws, labels: list[str]) -> list:
    cells = []
    for label in labels:
        cell = WriteOnlyCell(ws, value=label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(cell)
    return cells


def title(ws, text: str) -> list:
    cell = WriteOnlyCell(ws, value=text)
    cell.font = TITLE_FONT
    return [cell]


def number_cell(ws, value, unit: str):
    """A figure in its Excel form: percent as a fraction with 0.00 %, decimals with two places,
    a missing rate (nothing to divide by) as an empty cell with "—"."""
    if value is None:
        cell = WriteOnlyCell(ws, value="—")
        cell.alignment = Alignment(horizontal="right")
        return cell
    if unit == "%":
        cell = WriteOnlyCell(ws, value=float(Decimal(value) / 100))
        cell.number_format = PERCENT
    elif isinstance(value, Decimal | float):
        cell = WriteOnlyCell(ws, value=float(value))
        cell.number_format = DECIMAL
    else:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = INTEGER
    return cell


def wrap(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def plain(value, unit: str) -> str:
    """A figure as CSV text (percent with two decimals and %, "—" when undefined)."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{Decimal(value):.2f}%"
    return str(value)


def metrics_csv(
    rows: list[tuple[Metric, object]],
    *,
    period_label: str,
    place_label: str,
    breakdown: list[tuple[Metric, str, list]] | None = None,
) -> bytes:
    """A period report as CSV (UTF-8 with BOM so Excel opens the Chinese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["统计期", period_label, "统计范围", place_label])
    writer.writerow(["指标代码", "指标名称", "数值", "单位", "所属部分", "口径说明"])
    for metric, value in rows:
        writer.writerow(
            [metric.code, metric.name, plain(value, metric.unit), metric.unit, metric.section, metric.formula]
        )
    for metric, dimension_label, lines in breakdown or []:
        writer.writerow([])
        writer.writerow([f"{metric.name}（按{dimension_label}）"])
        for row in lines:
            writer.writerow([row.key, row.label, plain(row.value, metric.unit), metric.unit])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")

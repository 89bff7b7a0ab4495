"""Print set-up and fill-in guidance shared by every workbook the product exports (导出表格), and
the one reader of the workbooks it imports (导入表格).

A clerk who prints an exported workbook gets A4 landscape, fitted to the page width, the header
rows repeated on every sheet of paper and "第 N 页 共 M 页" in the footer; an administrator who
fills one in gets an autofilter on the header row and drop-down lists on enumerated columns.
Every app that writes an xlsx file (catalog, reports, enterprises …) calls ``apply_print_setup``
on each sheet it writes, after the rows are in. Imports of large files (market entities, the 12345
hotline export) read the first sheet with ``FirstSheet`` (python-calamine: values only, one pass).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence

from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineError, CalamineWorkbook

# Excel refuses an inline list longer than 255 characters; longer lists go to a hidden sheet.
INLINE_LIST_LIMIT = 255
LISTS_SHEET = "可选值"


def apply_print_setup(
    ws: Worksheet,
    *,
    header_rows: int = 1,
    landscape: bool = True,
    autofilter: bool = True,
    title: str | None = None,
) -> None:
    """A4, landscape by default, fit to one page wide (as many pages tall as needed), header rows
    repeated on each page, a page-number footer and, when ``autofilter``, a filter on the header.

    Works on write-only sheets too (call it before the rows are appended); those have no row count
    yet, so they get no automatic filter."""
    # The constants live on the Worksheet class; a write-only sheet does not inherit them.
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE if landscape else Worksheet.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0 = as many pages tall as the rows need
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.print_options.horizontalCentered = True
    if header_rows:
        ws.print_title_rows = f"1:{header_rows}"
    ws.oddHeader.center.text = title or "&A"
    ws.oddHeader.center.size = 10
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.size = 9
    if autofilter and header_rows and getattr(ws, "max_column", 0):
        last = get_column_letter(ws.max_column)
        ws.auto_filter.ref = f"A{header_rows}:{last}{max(ws.max_row, header_rows)}"


def _list_formula(workbook: Workbook, key: str, values: Sequence[str]) -> str:
    inline = ",".join(values)
    if len(inline) + 2 <= INLINE_LIST_LIMIT and not any("," in v or '"' in v for v in values):
        return f'"{inline}"'
    if LISTS_SHEET in workbook.sheetnames:
        lists = workbook[LISTS_SHEET]
    else:
        lists = workbook.create_sheet(LISTS_SHEET)
        lists.sheet_state = "hidden"
    column = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
    lists.cell(row=1, column=column, value=key)
    for row, value in enumerate(values, start=2):
        lists.cell(row=row, column=column, value=value)
    letter = get_column_letter(column)
    return f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"


def add_list_validation(
    ws: Worksheet,
    *,
    column: int,
    values: Sequence[str],
    header: str,
    first_row: int = 2,
    last_row: int = 2000,
    strict: bool = True,
    prompt: str = "",
) -> DataValidation:
    """A drop-down list (数据有效性) of ``values`` on one column below the header.

    ``strict`` rejects anything else; otherwise Excel only warns (for multi-value cells, or names
    that may also be written in short form)."""
    formula = _list_formula(ws.parent, f"{ws.title}·{header}", list(values))
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showDropDown=False,  # openpyxl's name is inverted: False shows the arrow
        showErrorMessage=True,
        errorStyle="stop" if strict else "warning",
        errorTitle=header,
        error=f"请从下拉列表中选择“{header}”的值。",
        showInputMessage=bool(prompt),
        promptTitle=header[:32] if prompt else None,
        prompt=prompt or None,
    )
    letter = get_column_letter(column)
    validation.add(f"{letter}{first_row}:{letter}{last_row}")
    ws.add_data_validation(validation)
    return validation


def add_number_validation(
    ws: Worksheet,
    *,
    column: int,
    header: str,
    minimum: int = 0,
    maximum: int | None = None,
    first_row: int = 2,
    last_row: int = 2000,
) -> DataValidation:
    """A whole-number validation (整数) between ``minimum`` and ``maximum`` on one column."""
    if maximum is None:
        validation = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(minimum))
        text = f"请填写不小于 {minimum} 的整数。"
    else:
        validation = DataValidation(type="whole", operator="between", formula1=str(minimum), formula2=str(maximum))
        text = f"请填写 {minimum} 至 {maximum} 之间的整数。"
    validation.allow_blank = True
    validation.showErrorMessage = True
    validation.errorTitle = header
    validation.error = text
    letter = get_column_letter(column)
    validation.add(f"{letter}{first_row}:{letter}{last_row}")
    ws.add_data_validation(validation)
    return validation


# The reader holds the sheet in memory (about twice its XML): files that unpack to more are refused
# before reading, with a message to split them (also a guard against zip bombs).
MAX_UNPACKED_BYTES = 300 * 1024 * 1024


class SpreadsheetUnreadable(ValueError):
    """The upload is not a readable .xlsx workbook, or is too large to read at once."""


def _unpacked_size(source) -> int:
    try:
        with zipfile.ZipFile(source) as archive:
            return sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise SpreadsheetUnreadable("文件不是有效的 xlsx 表格，或已损坏。") from exc
    finally:
        if not isinstance(source, str):
            source.seek(0)


class FirstSheet:
    """The values of the first sheet of an .xlsx workbook (a path or an open binary file).

    ``total`` is the number of rows the sheet spans (header included), known before reading, for
    progress bars; ``rows()`` yields ``(row number, values)`` with the sheet's own 1-based row numbers
    (so errors name the row a clerk sees in Excel). Values are str, int, float, bool, date or
    datetime; an empty cell is None. Formulas give their cached values.
    """

    def __init__(self, source) -> None:
        if _unpacked_size(source) > MAX_UNPACKED_BYTES:
            raise SpreadsheetUnreadable("表格过大（解压后超过 300 MB），请拆分为多个文件分批导入。")
        try:
            if isinstance(source, str):
                workbook = CalamineWorkbook.from_path(source)
            else:
                workbook = CalamineWorkbook.from_filelike(source)
            self._sheet = workbook.get_sheet_by_index(0)
        except (CalamineError, OSError, ValueError, IndexError) as exc:
            raise SpreadsheetUnreadable("文件不是有效的 xlsx 表格，或已损坏。") from exc
        start, end = self._sheet.start, self._sheet.end
        self._first_index = start[0] if start else 0  # rows above the first filled one are skipped
        self.total = end[0] - start[0] + 1 if start and end else 0

    def rows(self) -> Iterator[tuple[int, tuple]]:
        for index, row in enumerate(self._sheet.iter_rows()):
            if index >= self._first_index:
                yield index + 1, tuple(_plain(value) for value in row)


def _plain(value):
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)  # Excel stores every number as a float
    return value

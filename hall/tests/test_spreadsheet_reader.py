"""The one reader of imported workbooks (hall.spreadsheets.FirstSheet): values, row numbers, refusals."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from hall import spreadsheets
from hall.spreadsheets import FirstSheet, SpreadsheetUnreadable


def _xlsx(rows: dict[int, list]) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    for number, values in rows.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    workbook.create_sheet("第二页").append(["不读这一页"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_rows_keep_the_sheet_row_numbers_and_plain_values():
    source = _xlsx(
        {
            2: ["编号", "金额", "日期", "时间", "是否"],
            3: ["A-1", 120, date(2026, 3, 5), datetime(2026, 3, 5, 9, 30), True],
            5: [None, 2.5, "", None, False],
        }
    )
    sheet = FirstSheet(source)
    assert sheet.total == 4  # rows 2..5 as the sheet spans them
    rows = list(sheet.rows())
    assert [number for number, _ in rows] == [2, 3, 4, 5]  # the numbers a clerk sees in Excel
    assert rows[1][1] == ("A-1", 120, date(2026, 3, 5), datetime(2026, 3, 5, 9, 30), True)
    assert isinstance(rows[1][1][1], int)  # Excel's 120.0 comes back as the integer typed
    assert rows[2][1] == (None, None, None, None, None)
    assert rows[3][1] == (None, 2.5, None, None, False)


def test_a_path_reads_like_an_open_file(tmp_path):
    path = tmp_path / "rows.xlsx"
    path.write_bytes(_xlsx({1: ["表头"], 2: ["值"]}).getvalue())
    assert [values for _, values in FirstSheet(str(path)).rows()] == [("表头",), ("值",)]


@pytest.mark.parametrize("content", [b"", b"hello, not a workbook", b"PK\x03\x04broken zip"])
def test_a_file_that_is_not_a_workbook_is_refused_in_chinese(content):
    with pytest.raises(SpreadsheetUnreadable) as exc:
        FirstSheet(io.BytesIO(content))
    assert "不是有效的 xlsx 表格" in str(exc.value)


def test_a_workbook_too_large_to_hold_is_refused_before_reading(monkeypatch):
    source = _xlsx({1: ["表头"], **{n: [f"第 {n} 行"] for n in range(2, 2000)}})
    monkeypatch.setattr(spreadsheets, "MAX_UNPACKED_BYTES", 10_000)
    with pytest.raises(SpreadsheetUnreadable) as exc:
        FirstSheet(source)
    assert "请拆分为多个文件分批导入" in str(exc.value)

"""A streaming reader of the first sheet of an .xlsx file (values only), for large imports.

openpyxl builds a cell object per value and, for files without a ``<dimension>`` (as many
generators write them), scans the sheet twice; at 100,000 rows that alone exceeds the import's
time budget. This reader walks the sheet XML once with the C expat parser (through defusedxml,
as the file is untrusted: no entity expansion, no external references) and clears each row
after it is yielded, so memory holds only the shared-strings table (text cells of the workbook)
and one row. Dates typed as Excel dates arrive as serial numbers; callers convert them.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator

from defusedxml.ElementTree import iterparse

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_COLUMN = re.compile(r"[A-Z]+")


def _column_index(reference: str) -> int:
    letters = _COLUMN.match(reference).group(0)
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    try:
        with archive.open("xl/workbook.xml") as handle:
            sheet = next(el for _, el in iterparse(handle) if el.tag == f"{NS}sheet")
            rel_id = sheet.get(f"{REL_NS}id")
        with archive.open("xl/_rels/workbook.xml.rels") as handle:
            for _, el in iterparse(handle):
                if el.get("Id") == rel_id:
                    target = el.get("Target").lstrip("/")
                    path = target if target.startswith("xl/") else f"xl/{target}"
                    if path in names:
                        return path
    except (KeyError, StopIteration):
        pass
    return sorted(n for n in names if n.startswith("xl/worksheets/sheet"))[0]


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    with archive.open("xl/sharedStrings.xml") as handle:
        for _, el in iterparse(handle):
            if el.tag == f"{NS}si":
                strings.append("".join(t.text or "" for t in el.iter(f"{NS}t")))
                el.clear()
    return strings


class SheetReader:
    """``rows()`` yields ``(row number, values)`` for each row, values being str, int, float, bool or None."""

    def __init__(self, file) -> None:
        self.archive = zipfile.ZipFile(file)
        self.sheet_path = _first_sheet_path(self.archive)
        self.strings = _shared_strings(self.archive)
        self.dimension_rows = 0

    def rows(self) -> Iterator[tuple[int, tuple]]:
        cell_tag, row_tag, value_tag = f"{NS}c", f"{NS}row", f"{NS}v"
        inline_tag, text_tag, dim_tag = f"{NS}is", f"{NS}t", f"{NS}dimension"
        data_tag = f"{NS}sheetData"
        sheet_data = None
        counter = 0
        with self.archive.open(self.sheet_path) as handle:
            for event, el in iterparse(handle, events=("start", "end")):
                tag = el.tag
                if event == "start":
                    if tag == data_tag:
                        sheet_data = el
                    continue
                if tag == row_tag:
                    counter += 1
                    number = int(el.get("r") or counter)
                    counter = number
                    values: list = []
                    for cell in el.iter(cell_tag):
                        ref = cell.get("r")
                        index = _column_index(ref) if ref else len(values)
                        kind = cell.get("t")
                        if kind == "inlineStr":
                            node = cell.find(inline_tag)
                            value = "".join(t.text or "" for t in node.iter(text_tag)) if node is not None else None
                        else:
                            node = cell.find(value_tag)
                            raw = node.text if node is not None else None
                            if raw is None:
                                value = None
                            elif kind == "s":
                                value = self.strings[int(raw)]
                            elif kind in ("str", "e"):
                                value = raw
                            elif kind == "b":
                                value = raw == "1"
                            else:
                                numeric = float(raw)
                                plain = numeric.is_integer() and "." not in raw and "E" not in raw
                                value = int(numeric) if plain else numeric
                        if index >= len(values):
                            values.extend([None] * (index - len(values) + 1))
                        values[index] = value
                    if sheet_data is not None:
                        sheet_data.clear()  # drop the rows already read: memory holds one row
                    yield number, tuple(values)
                elif tag == dim_tag:
                    ref = el.get("ref", "")
                    match = re.search(r"(\d+)$", ref)
                    self.dimension_rows = int(match.group(1)) if match and ":" in ref else 0

    def close(self) -> None:
        self.archive.close()

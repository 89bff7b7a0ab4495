"""A streaming reader of the first sheet of an .xlsx file (values only), for large imports.

openpyxl builds a cell object per value and, for files without a ``<dimension>`` (as many
generators write them), scans the sheet twice; at 100,000 rows that alone exceeds the import's
time budget. This reader matches the sheet's rows and cells with regular expressions over 1 MB
chunks (the cell markup of SpreadsheetML is regular), so memory holds only the shared-strings
table (the workbook's text cells) and one chunk. Markup is matched, never interpreted, so an
untrusted file cannot expand entities; the small workbook.xml and its relations go through
defusedxml. Dates typed as Excel dates arrive as serial numbers; callers convert them.
"""

from __future__ import annotations

import codecs
import html
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


_P = r"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix (x:c from some writers)
SI_RE = re.compile(rf"<{_P}si\b[^>]*?(?:/>|>(.*?)</{_P}si>)", re.S)
T_RE = re.compile(rf"<{_P}t(?:\s[^>]*)?(?:/>|>(.*?)</{_P}t>)", re.S)
ROW_RE = re.compile(rf"<{_P}row\b([^>]*?)(?:/>|>(.*?)</{_P}row>)", re.S)
CELL_RE = re.compile(rf"<{_P}c\b([^>]*?)(?:/>|>(.*?)</{_P}c>)", re.S)
V_RE = re.compile(rf"<{_P}v(?:\s[^>]*)?>(.*?)</{_P}v>", re.S)
ATTR_R_RE = re.compile(r'\br="([^"]*)"')
ATTR_T_RE = re.compile(r'\bt="([^"]*)"')
DIMENSION_RE = re.compile(rf'<{_P}dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d+)"')
CHUNK = 1 << 20


def _text(fragment: str) -> str:
    # Markup is matched, never interpreted: no entity declaration can expand (XML bombs are inert).
    return html.unescape("".join(T_RE.findall(fragment))) if "<" in fragment else html.unescape(fragment)


def _chunks(handle, pattern: re.Pattern) -> Iterator[re.Match]:
    """Matches of ``pattern`` over a stream read in 1 MB chunks; a match cut by a chunk waits for the next."""
    buffer = ""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")  # a character cut by a chunk waits
    while True:
        data = handle.read(CHUNK)
        if not data:
            break
        buffer += decoder.decode(data)
        last = 0
        for match in pattern.finditer(buffer):
            if match.end() == len(buffer):
                break  # may be incomplete
            yield match
            last = match.end()
        buffer = buffer[last:]
    yield from pattern.finditer(buffer)


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    with archive.open("xl/sharedStrings.xml") as handle:
        return [_text(m.group(1) or "") for m in _chunks(handle, SI_RE)]


class SheetReader:
    """``rows()`` yields ``(row number, values)`` for each row, values being str, int, float, bool or None."""

    def __init__(self, file) -> None:
        self.archive = zipfile.ZipFile(file)
        self.sheet_path = _first_sheet_path(self.archive)
        self.strings = _shared_strings(self.archive)
        self.dimension_rows = 0

    def rows(self) -> Iterator[tuple[int, tuple]]:
        counter = 0
        with self.archive.open(self.sheet_path) as handle:
            head = handle.read(4096)
            dimension = DIMENSION_RE.search(head.decode("utf-8", errors="replace"))
            self.dimension_rows = int(dimension.group(1)) if dimension else 0
        with self.archive.open(self.sheet_path) as handle:
            for row in _chunks(handle, ROW_RE):
                attrs, body = row.group(1), row.group(2) or ""
                number_attr = ATTR_R_RE.search(attrs)
                counter = int(number_attr.group(1)) if number_attr else counter + 1
                values: list = []
                for cell in CELL_RE.finditer(body):
                    cell_attrs, inner = cell.group(1), cell.group(2) or ""
                    ref = ATTR_R_RE.search(cell_attrs)
                    index = _column_index(ref.group(1)) if ref else len(values)
                    kind_attr = ATTR_T_RE.search(cell_attrs)
                    kind = kind_attr.group(1) if kind_attr else "n"
                    if kind == "inlineStr":
                        value = _text(inner)
                    else:
                        raw = V_RE.search(inner)
                        raw = raw.group(1) if raw else None
                        if raw is None:
                            value = None
                        elif kind == "s":
                            value = self.strings[int(raw)]
                        elif kind in ("str", "e"):
                            value = html.unescape(raw)
                        elif kind == "b":
                            value = raw == "1"
                        else:
                            numeric = float(raw)
                            plain = numeric.is_integer() and "." not in raw and "E" not in raw
                            value = int(numeric) if plain else numeric
                    if index >= len(values):
                        values.extend([None] * (index - len(values) + 1))
                    values[index] = value
                yield counter, tuple(values)

    def close(self) -> None:
        self.archive.close()

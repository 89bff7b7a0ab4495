"""The xlsx implementation list: export, round trip, and all-or-nothing import with located errors."""

import io

import pytest
from openpyxl import load_workbook

from hall.catalog.models import Material, Matter, MatterVersion
from hall.catalog.services import CatalogImportRejected, catalog_import_xlsx
from hall.catalog.spreadsheet import MATERIAL_SHEET, MATTER_SHEET, catalog_workbook, export_versions
from hall.models import AuditLog

pytestmark = pytest.mark.django_db


def _state():
    versions = MatterVersion.objects.order_by("pk").values()
    materials = Material.objects.order_by("pk").values()
    return list(versions), list(materials), Matter.objects.count()


def _edit(content: bytes, edits) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    for sheet, cell, value in edits:
        workbook[sheet][cell] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header_letter(content: bytes, sheet: str, header: str) -> str:
    workbook = load_workbook(io.BytesIO(content))
    for cell in workbook[sheet][1]:
        if str(cell.value).rstrip("*") == header:
            return cell.column_letter
    raise KeyError(header)


def test_exported_template_round_trips_without_changes(demo_people):
    content = catalog_workbook(export_versions())
    before = _state()
    summary = catalog_import_xlsx(content=content, by=demo_people["admin"])
    assert summary.created == [] and summary.updated == []
    assert len(summary.unchanged) == Matter.objects.count() >= 40
    assert _state() == before
    # and exporting again yields the same rows
    again = load_workbook(io.BytesIO(catalog_workbook(export_versions())))
    first = load_workbook(io.BytesIO(content))
    for sheet in (MATTER_SHEET, MATERIAL_SHEET):
        assert list(again[sheet].values) == list(first[sheet].values)


def test_import_changes_create_drafts_and_leave_published_versions_alone(demo_people):
    content = catalog_workbook(export_versions())
    name_col = _header_letter(content, MATTER_SHEET, "事项名称")
    code = load_workbook(io.BytesIO(content))[MATTER_SHEET]["A2"].value
    published = MatterVersion.objects.get(matter__code=code, status="published")
    edited = _edit(content, [(MATTER_SHEET, f"{name_col}2", "新名称（修订）")])
    summary = catalog_import_xlsx(content=edited, by=demo_people["admin"])
    assert summary.updated == [code]
    draft = MatterVersion.objects.get(matter__code=code, status="draft")
    assert draft.name == "新名称（修订）"
    assert draft.materials.count() == published.materials.count()
    published.refresh_from_db()
    assert published.status == "published" and published.name != "新名称（修订）"
    assert AuditLog.objects.filter(action="catalog.import_xlsx").exists()


def test_template_with_errors_changes_nothing_and_lists_every_error(demo_people):
    content = catalog_workbook(export_versions())
    letters = {h: _header_letter(content, MATTER_SHEET, h) for h in ("事项类型", "法定办结时限（工作日）", "实施主体")}
    copies = _header_letter(content, MATERIAL_SHEET, "复印件份数")
    name_col = _header_letter(content, MATTER_SHEET, "事项名称")
    broken = _edit(
        content,
        [
            (MATTER_SHEET, f"{name_col}2", "这一行的修改不应生效"),
            (MATTER_SHEET, f"{letters['事项类型']}3", "行政许可证"),
            (MATTER_SHEET, f"{letters['法定办结时限（工作日）']}4", "二十"),
            (MATTER_SHEET, f"{letters['实施主体']}5", "不存在的局"),
            (MATERIAL_SHEET, f"{copies}6", -1),
            (MATERIAL_SHEET, "A7", "NO-SUCH-CODE"),
        ],
    )
    before = _state()
    with pytest.raises(CatalogImportRejected) as caught:
        catalog_import_xlsx(content=broken, by=demo_people["admin"])
    problems = {(p.sheet, p.row, p.column.split("（")[0]) for p in caught.value.problems}
    assert problems == {
        (MATTER_SHEET, 3, letters["事项类型"]),
        (MATTER_SHEET, 4, letters["法定办结时限（工作日）"]),
        (MATTER_SHEET, 5, letters["实施主体"]),
        (MATERIAL_SHEET, 6, copies),
        (MATERIAL_SHEET, 7, "A"),
    }
    assert all(p.message for p in caught.value.problems)
    assert _state() == before


def test_new_matter_from_a_filled_template_is_created_as_draft(demo_people):
    content = catalog_workbook(export_versions())
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook[MATTER_SHEET]
    row = [c.value for c in sheet[2]]
    row[0] = "NEW-CODE-0001"
    sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    summary = catalog_import_xlsx(content=buffer.getvalue(), by=demo_people["admin"])
    assert summary.created == ["NEW-CODE-0001"]
    version = MatterVersion.objects.get(matter__code="NEW-CODE-0001")
    assert version.status == "draft" and version.materials.count() == 0


def test_a_file_that_is_not_xlsx_is_reported_not_raised(db):
    with pytest.raises(CatalogImportRejected) as caught:
        catalog_import_xlsx(content=b"not a spreadsheet", by=None)
    assert "xlsx" in caught.value.problems[0].message


def _validated_columns(sheet) -> dict[str, object]:
    """Column letter → the data validation covering its rows below the header."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            if cell_range.min_row == 2:
                found[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation
    return found


def test_exported_workbook_prints_landscape_and_guides_the_person_filling_it(demo_people):
    from hall.catalog.spreadsheet import HELP_SHEET, MATERIAL_COLUMNS, MATTER_COLUMNS

    workbook = load_workbook(io.BytesIO(catalog_workbook(export_versions())))
    for name, columns in ((MATTER_SHEET, MATTER_COLUMNS), (MATERIAL_SHEET, MATERIAL_COLUMNS)):
        sheet = workbook[name]
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(columns)).column_letter}{sheet.max_row}"
        validations = _validated_columns(sheet)
        for index, column in enumerate(columns, start=1):
            letter = sheet.cell(1, index).column_letter
            if column.kind in ("choice", "bool", "multichoice", "department", "departments", "edition"):
                assert letter in validations, f"{name} {column.header} has no drop-down list"
                assert validations[letter].type == "list"
            if column.kind == "int":
                assert validations[letter].type == "whole"
        # Single choices and 是/否 are strict; the labels offered are the ones the help sheet lists.
        for index, column in enumerate(columns, start=1):
            if column.kind in ("choice", "bool"):
                validation = validations[sheet.cell(1, index).column_letter]
                assert validation.errorStyle in (None, "stop")
                if column.kind == "choice":
                    listed = validation.formula1
                    if "!" in listed:  # a long list lives on the hidden sheet of values
                        listed = "".join(
                            str(r[0].value)
                            for r in workbook[listed.split("!")[0].strip("'")][listed.split("!")[1].replace("$", "")]
                        )
                    assert all(c.label in listed for c in column.choices if c.value != "")
    assert int(workbook[HELP_SHEET].page_setup.paperSize) == 9  # A4

"""The xlsx template of the implementation list (实施清单模板): its columns, reading and writing.

Sheet 事项 has one row per matter, sheet 申请材料 one row per material. Reading turns every cell
into the value a version holds (codes, ids, dates) and collects each problem as sheet, row,
column and message; writing does the reverse, so an exported file imports without changes.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, TextChoices
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from hall.catalog.models import (
    BodyNature,
    CatalogEdition,
    CrossAreaScope,
    ExerciseLevel,
    HandlingForm,
    HandlingType,
    LicenceReformMeasure,
    Material,
    MatterType,
    MatterVersion,
    OnlineDepth,
    ServiceObject,
)
from hall.models import Department
from hall.spreadsheets import add_list_validation, add_number_validation, apply_print_setup

MATTER_SHEET = "事项"
MATERIAL_SHEET = "申请材料"
HELP_SHEET = "填写说明"
LIST_SEPARATOR = "；"
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    header: str
    attr: str
    kind: str  # text | int | bool | choice | multichoice | department | departments | date | edition
    choices: type[TextChoices] | None = None
    required: bool = False
    max_length: int | None = None


def _mv_max(name: str) -> int | None:
    return MatterVersion._meta.get_field(name).max_length


def _text(header, attr, required=False):
    return Column(header, attr, "text", required=required, max_length=_mv_max(attr))


MATTER_COLUMNS: tuple[Column, ...] = (
    Column("实施编码", "code", "text", required=True, max_length=64),
    _text("事项名称", "name", required=True),
    _text("基本编码", "basic_code"),
    Column("事项类型", "matter_type", "choice", MatterType, required=True),
    _text("设定依据", "legal_basis"),
    Column("行使层级", "exercise_level", "choice", ExerciseLevel, required=True),
    _text("关键词", "keywords"),
    Column("实施主体", "department", "department", required=True),
    Column("实施主体性质", "body_nature", "choice", BodyNature, required=True),
    Column("联办部门", "co_departments", "departments"),
    Column("法定办结时限（工作日）", "legal_limit_days", "int", required=True),
    _text("法定时限说明", "legal_limit_note"),
    Column("承诺办结时限（工作日）", "promised_limit_days", "int", required=True),
    _text("承诺时限说明", "promised_limit_note"),
    Column("办件类型", "handling_type", "choice", HandlingType, required=True),
    _text("受理条件", "acceptance_conditions"),
    _text("特别程序", "special_procedures"),
    _text("中介服务", "intermediary_services"),
    _text("数量限制", "quantity_limit"),
    _text("审批结果名称", "result_name"),
    Column("结果为证照", "result_is_licence", "bool"),
    _text("审批结果样本", "result_sample"),
    Column("是否收费", "is_charged", "bool"),
    _text("收费依据", "fee_basis"),
    _text("收费标准", "fee_standard"),
    Column("服务对象", "service_objects", "multichoice", ServiceObject),
    _text("服务主题", "service_theme"),
    Column("办理形式", "handling_forms", "multichoice", HandlingForm),
    Column("通办范围", "cross_area_scope", "choice", CrossAreaScope, required=True),
    Column("支持预约办理", "supports_appointment", "bool"),
    Column("支持网上支付", "supports_online_payment", "bool"),
    Column("支持物流快递", "supports_postal_delivery", "bool"),
    Column("支持网上办理", "supports_online_handling", "bool"),
    _text("网上办理地址", "online_handling_url"),
    Column("进驻政务大厅", "in_hall", "bool"),
    Column("网上办理深度", "online_depth", "choice", OnlineDepth, required=True),
    Column("到办事现场次数", "site_visits", "int", required=True),
    _text("必须现场办理原因", "site_visit_reason"),
    _text("办理地点", "place"),
    _text("办理时间", "hours"),
    _text("咨询电话", "consultation_phone"),
    _text("监督投诉电话", "supervision_phone"),
    Column("证照分离改革方式", "licence_reform_measure", "choice", LicenceReformMeasure),
    Column("实行告知承诺", "commitment_allowed", "bool"),
    Column("计划生效日期", "valid_from", "date"),
    Column("计划取消日期", "valid_to", "date"),
    Column("所属清单版本", "edition", "edition"),
)


def _mat_max(name: str) -> int | None:
    return Material._meta.get_field(name).max_length


MATERIAL_COLUMNS: tuple[Column, ...] = (
    Column("实施编码", "code", "text", required=True, max_length=64),
    Column("序号", "sort_order", "int", required=True),
    Column("材料名称", "name", "text", required=True, max_length=_mat_max("name")),
    Column("适用办理项编码", "sub_item_code", "text", max_length=80),
    Column("出具单位", "issuing_body", "text", max_length=_mat_max("issuing_body")),
    Column("原件份数", "originals", "int", required=True),
    Column("复印件份数", "copies", "int", required=True),
    Column("必要材料", "is_required", "bool"),
    Column("材料形式", "material_form", "choice", Material.Form, required=True),
    Column("来源渠道", "source_channel", "choice", Material.Source, required=True),
    Column("空白表格", "blank_form", "text", max_length=_mat_max("blank_form")),
    Column("示例样表", "sample", "text", max_length=_mat_max("sample")),
    Column("填报须知", "filling_notes", "text"),
    Column("受理标准", "acceptance_standard", "text"),
    Column("可容缺受理", "may_be_missing", "bool"),
)

# Upper bounds of the integer columns (PositiveSmallIntegerField and the site-visit rule).
INT_LIMITS = {"site_visits": 2, "originals": 99, "copies": 99, "sort_order": 100000}


@dataclass(frozen=True)
class ImportProblem:
    """One problem of an uploaded file (导入错误): where it is, and what is wrong."""

    sheet: str
    row: int
    column: str  # e.g. "D（事项类型）", or "" for a whole row or sheet
    message: str

    def __str__(self) -> str:
        place = f"工作表“{self.sheet}”第 {self.row} 行" if self.row else f"工作表“{self.sheet}”"
        return f"{place}{(' ' + self.column + '列') if self.column else ''}：{self.message}"


@dataclass
class ParsedCatalog:
    matters: dict[str, dict[str, Any]] = field(default_factory=dict)  # code → values
    materials: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # code → rows
    problems: list[ImportProblem] = field(default_factory=list)


# --- Writing --------------------------------------------------------------------------------------


def version_row(version: MatterVersion) -> dict[str, Any]:
    """A version's values as the import reads them back (codes, ids, sorted lists)."""
    row: dict[str, Any] = {"code": version.matter.code}
    for column in MATTER_COLUMNS[1:]:
        if column.kind == "departments":
            row[column.attr] = sorted(d.pk for d in version.co_departments.all())
        elif column.kind in {"department", "edition"}:
            row[column.attr] = getattr(version, f"{column.attr}_id")
        elif column.kind == "multichoice":
            row[column.attr] = _ordered_codes(getattr(version, column.attr) or [], column.choices)
        else:
            row[column.attr] = getattr(version, column.attr)
    return row


def material_rows(version: MatterVersion) -> list[dict[str, Any]]:
    rows = []
    for material in version.materials.all():
        row = {c.attr: getattr(material, c.attr) for c in MATERIAL_COLUMNS if c.attr not in {"code", "sub_item_code"}}
        row["sub_item_code"] = material.sub_item.code if material.sub_item_id else ""
        rows.append(row)
    return rows


def _ordered_codes(codes, choices) -> list[str]:
    order = {value: index for index, value in enumerate(choices.values)}
    return sorted(set(codes), key=lambda c: order.get(c, 999))


def _cell_value(column: Column, value: Any, names: dict[str, dict[int, str]]) -> Any:
    if column.kind == "bool":
        return YES if value else NO
    if column.kind == "choice":
        return column.choices(value).label if value is not None else ""
    if column.kind == "multichoice":
        return LIST_SEPARATOR.join(column.choices(v).label for v in value)
    if column.kind == "department":
        return names["department"].get(value, "")
    if column.kind == "departments":
        return LIST_SEPARATOR.join(names["department"].get(v, "") for v in value)
    if column.kind == "edition":
        return names["edition"].get(value, "") if value else ""
    return value


def export_versions():
    """The version of each matter a bureau maintains: its draft if it has one, else the published."""
    from hall.catalog.selectors import maintained_versions

    return maintained_versions().prefetch_related(
        "co_departments",
        Prefetch("materials", queryset=Material.objects.select_related("sub_item").order_by("sort_order", "id")),
    )


def catalog_workbook(versions=None) -> bytes:
    """Write the template (导出实施清单); with no versions, an empty template to fill in."""
    names = {
        "department": dict(Department.objects.values_list("pk", "name")),
        "edition": dict(CatalogEdition.objects.values_list("pk", "name")),
    }
    workbook = Workbook()
    matters = workbook.active
    matters.title = MATTER_SHEET
    materials = workbook.create_sheet(MATERIAL_SHEET)
    for sheet, columns in ((matters, MATTER_COLUMNS), (materials, MATERIAL_COLUMNS)):
        sheet.append([c.header + ("*" if c.required else "") for c in columns])
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE7F3")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            sheet.column_dimensions[get_column_letter(index)].width = 28 if column.kind == "text" else 16
        sheet.freeze_panes = "B2"
    for version in versions or []:
        row = version_row(version)
        matters.append([_cell_value(c, row[c.attr], names) for c in MATTER_COLUMNS])
        for material in material_rows(version):
            material["code"] = row["code"]
            materials.append([_cell_value(c, material[c.attr], names) for c in MATERIAL_COLUMNS])
    help_sheet = workbook.create_sheet(HELP_SHEET)
    help_sheet.append(["列", "可填写的值"])
    for column in MATTER_COLUMNS + MATERIAL_COLUMNS:
        if column.choices is not None:
            values = "、".join(c.label for c in column.choices if c.value != "")
            separator = f"（多个值用“{LIST_SEPARATOR}”分隔）" if column.kind == "multichoice" else ""
            help_sheet.append([column.header, values + separator])
    help_sheet.append(["是/否列", "是、否"])
    help_sheet.append(["实施主体、联办部门", "部门全称或简称；联办部门多个用“；”分隔"])
    help_sheet.append(["带 * 的列", "必须填写"])
    help_sheet.column_dimensions["A"].width = 24
    help_sheet.column_dimensions["B"].width = 100
    help_sheet["B1"].alignment = Alignment(wrap_text=True)
    for sheet, columns in ((matters, MATTER_COLUMNS), (materials, MATERIAL_COLUMNS)):
        _add_validations(sheet, columns, names)
        apply_print_setup(sheet, title=f"实施清单 · {sheet.title}")
    apply_print_setup(help_sheet, landscape=False, autofilter=False, title="实施清单 · 填写说明")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_validations(sheet, columns: tuple[Column, ...], names: dict[str, dict[int, str]]) -> None:
    """Turn what 填写说明 lists into drop-down lists and number checks on each column below the header."""
    last_row = max(2000, sheet.max_row + 1000)
    several = f"可选多个，用“{LIST_SEPARATOR}”分隔。"
    department_names = sorted(set(names["department"].values()))
    for index, column in enumerate(columns, start=1):
        common = {"column": index, "header": column.header, "last_row": last_row}
        if column.kind == "choice":
            labels = [c.label for c in column.choices if c.value != ""]
            add_list_validation(sheet, values=labels, **common)
        elif column.kind == "bool":
            add_list_validation(sheet, values=[YES, NO], **common)
        elif column.kind == "multichoice":
            labels = [c.label for c in column.choices if c.value != ""]
            add_list_validation(sheet, values=labels, strict=False, prompt=several, **common)
        elif column.kind in ("department", "departments") and department_names:
            prompt = "部门全称或简称。" + (several if column.kind == "departments" else "")
            add_list_validation(sheet, values=department_names, strict=False, prompt=prompt, **common)
        elif column.kind == "edition" and names["edition"]:
            add_list_validation(sheet, values=sorted(names["edition"].values()), **common)
        elif column.kind == "int":
            add_number_validation(sheet, maximum=INT_LIMITS.get(column.attr), **common)


# --- Reading --------------------------------------------------------------------------------------


class _CellError(Exception):
    pass


def _parse_cell(column: Column, raw: Any, lookups: dict[str, dict[str, int]]) -> Any:
    text = "" if raw is None else str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    if column.required and text == "":
        raise _CellError("必须填写。")
    if column.kind == "text":
        if column.max_length and len(text) > column.max_length:
            raise _CellError(f"不能超过 {column.max_length} 个字符（现为 {len(text)} 个）。")
        return text
    if column.kind == "int":
        if text == "":
            return None
        try:
            value = int(text)
        except ValueError:
            raise _CellError(f"应为整数，而不是“{text}”。") from None
        limit = INT_LIMITS.get(column.attr, 3650)
        if value < 0 or value > limit:
            raise _CellError(f"应在 0 到 {limit} 之间。")
        return value
    if column.kind == "bool":
        if text in {YES, "Y", "y", "1", "TRUE", "True", "true"}:
            return True
        if text in {NO, "", "N", "n", "0", "FALSE", "False", "false"}:
            return False
        raise _CellError(f"应填写“是”或“否”，而不是“{text}”。")
    if column.kind == "choice":
        return _parse_choice(column.choices, text)
    if column.kind == "multichoice":
        normalised = text.replace(";", LIST_SEPARATOR).replace("、", LIST_SEPARATOR)
        parts = [p.strip() for p in normalised.split(LIST_SEPARATOR)]
        return _ordered_codes([_parse_choice(column.choices, p) for p in parts if p], column.choices)
    if column.kind == "department":
        if text not in lookups["department"]:
            raise _CellError(f"部门“{text}”不存在，请填写系统中已有部门的全称或简称。")
        return lookups["department"][text]
    if column.kind == "departments":
        ids = []
        for part in (p.strip() for p in text.replace(";", LIST_SEPARATOR).split(LIST_SEPARATOR)):
            if not part:
                continue
            if part not in lookups["department"]:
                raise _CellError(f"部门“{part}”不存在。")
            ids.append(lookups["department"][part])
        return sorted(set(ids))
    if column.kind == "date":
        if raw in (None, ""):
            return None
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        try:
            return datetime.date.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise _CellError(f"应为日期（如 2026-01-01），而不是“{text}”。") from None
    if column.kind == "edition":
        if text == "":
            return None
        if text not in lookups["edition"]:
            raise _CellError(f"清单版本“{text}”不存在，请先在后台建立。")
        return lookups["edition"][text]
    raise AssertionError(column.kind)


def _parse_choice(choices, text: str) -> str:
    for choice in choices:
        if text in {choice.value, choice.label} and (text or choice.value == ""):
            return choice.value
    if text == "" and "" in choices.values:
        return ""
    allowed = "、".join(c.label for c in choices if c.value != "")
    raise _CellError(f"“{text}”不是有效值，应为：{allowed}。")


def _read_sheet(workbook, name: str, columns: tuple[Column, ...], lookups, problems, rejected_codes=None):
    """The rows that parsed, as (row number, values); codes of rows with problems go to ``rejected_codes``."""
    if name not in workbook.sheetnames:
        problems.append(ImportProblem(name, 0, "", "缺少该工作表，请使用系统导出的模板。"))
        return []
    sheet = workbook[name]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip().rstrip("*") for h in next(rows, [])]
    positions = {}
    for column in columns:
        if column.header not in header:
            problems.append(ImportProblem(name, 1, "", f"缺少列“{column.header}”，请使用系统导出的模板。"))
        else:
            positions[column.attr] = header.index(column.header)
    if len(positions) < len(columns):
        return []
    parsed = []
    for row_number, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        data, ok = {}, True
        for column in columns:
            index = positions[column.attr]
            raw = values[index] if index < len(values) else None
            try:
                data[column.attr] = _parse_cell(column, raw, lookups)
            except _CellError as exc:
                ok = False
                letter = get_column_letter(index + 1)
                problems.append(ImportProblem(name, row_number, f"{letter}（{column.header}）", str(exc)))
        if ok:
            parsed.append((row_number, data))
        elif rejected_codes is not None:
            rejected_codes.add(str(values[positions["code"]] or "").strip())
    return parsed


def read_catalog_workbook(content: bytes) -> ParsedCatalog:
    """Parse an uploaded template; ``problems`` lists everything wrong, nothing is written."""
    result = ParsedCatalog()
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not xlsx
        result.problems.append(ImportProblem("文件", 0, "", "无法读取文件，请上传 .xlsx 格式的实施清单模板。"))
        return result
    lookups = {"department": {}, "edition": dict(CatalogEdition.objects.values_list("name", "pk"))}
    for pk, name, short in Department.objects.values_list("pk", "name", "short_name"):
        lookups["department"][name] = pk
        if short:
            lookups["department"].setdefault(short, pk)

    code_column = get_column_letter(1) + "（实施编码）"
    rejected: set[str] = set()
    for row_number, data in _read_sheet(workbook, MATTER_SHEET, MATTER_COLUMNS, lookups, result.problems, rejected):
        code = data.pop("code")
        if code in result.matters:
            result.problems.append(ImportProblem(MATTER_SHEET, row_number, code_column, f"实施编码“{code}”重复。"))
            continue
        data["_row"] = row_number
        result.matters[code] = data
    for row_number, data in _read_sheet(workbook, MATERIAL_SHEET, MATERIAL_COLUMNS, lookups, result.problems):
        code = data.pop("code")
        if code in rejected:
            continue  # its matter row is already reported
        if code not in result.matters:
            result.problems.append(
                ImportProblem(MATERIAL_SHEET, row_number, code_column, f"实施编码“{code}”不在“事项”工作表中。")
            )
            continue
        data["_row"] = row_number
        result.materials.setdefault(code, []).append(data)
    workbook.close()
    return result

"""Writes of the matter catalog (事项清单): drafting, publishing, retiring and importing versions.

Every function is keyword-only, validates with Chinese messages per field, writes and audits in
one transaction. A version's life cycle is the table ``TRANSITIONS``; a published version never
changes (已发布版本不可修改) — a revision is a new draft copied from it.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from hall.catalog.models import (
    CatalogEdition,
    HandlingForm,
    HandlingType,
    Material,
    Matter,
    MatterVersion,
    OnlineDepth,
    ProcessStep,
    ServiceObject,
    SubItem,
)
from hall.services.audit import audit_record, changed_fields, model_snapshot

S = MatterVersion.Status

# (from status, action) → to status. The only place a version's status may move.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, "publish"): S.PUBLISHED,
    (S.PUBLISHED, "retire"): S.RETIRED,
}

# Content fields of a version: what a draft may set, what "new version" copies and what the
# spreadsheet carries. Bookkeeping (status, version number, publication) is the services' own.
CONTENT_FIELDS: tuple[str, ...] = (
    "name",
    "basic_code",
    "matter_type",
    "legal_basis",
    "exercise_level",
    "keywords",
    "department",
    "body_nature",
    "legal_limit_days",
    "legal_limit_note",
    "promised_limit_days",
    "promised_limit_note",
    "handling_type",
    "acceptance_conditions",
    "special_procedures",
    "intermediary_services",
    "quantity_limit",
    "result_name",
    "result_is_licence",
    "result_sample",
    "is_charged",
    "fee_basis",
    "fee_standard",
    "service_objects",
    "service_theme",
    "handling_forms",
    "cross_area_scope",
    "supports_appointment",
    "supports_online_payment",
    "supports_postal_delivery",
    "supports_online_handling",
    "online_handling_url",
    "in_hall",
    "online_depth",
    "site_visits",
    "site_visit_reason",
    "place",
    "hours",
    "consultation_phone",
    "supervision_phone",
    "licence_reform_measure",
    "commitment_allowed",
    "valid_from",
    "valid_to",
    "edition",
)
# The same fields as the spreadsheet and API hand them over (foreign keys by id).
CONTENT_FIELD_ATTNAMES = frozenset(
    {name + "_id" if name in {"department", "edition"} else name for name in CONTENT_FIELDS}
)

# Filled in before a version may be published (发布前必填).
REQUIRED_FOR_PUBLISH: tuple[str, ...] = (
    "name",
    "matter_type",
    "legal_basis",
    "acceptance_conditions",
    "result_name",
    "service_objects",
    "handling_forms",
    "place",
    "hours",
    "consultation_phone",
    "supervision_phone",
)

SUB_ITEM_FIELDS = ("code", "name", "online_depth", "promised_limit_days", "sort_order")
MATERIAL_FIELDS = (
    "name",
    "issuing_body",
    "originals",
    "copies",
    "is_required",
    "material_form",
    "source_channel",
    "blank_form",
    "sample",
    "filling_notes",
    "acceptance_standard",
    "may_be_missing",
    "sort_order",
)
STEP_FIELDS = ("order", "name", "actor", "limit_days", "description")


def _label(field: str) -> str:
    return str(MatterVersion._meta.get_field(field).verbose_name)


def _check_transition(version: MatterVersion, action: str) -> str:
    target = TRANSITIONS.get((version.status, action))
    if target is None:
        verb = {"publish": "发布", "retire": "废止"}.get(action, action)
        raise ValidationError({"status": [f"{version.get_status_display()}的版本不能{verb}。"]})
    return target


def _ensure_draft(version: MatterVersion) -> None:
    if version.status != S.DRAFT:
        raise ValidationError(
            {"status": [f"{version.get_status_display()}的版本不能修改，请先生成新版本（草稿）再修改。"]}
        )


def _snapshot(version: MatterVersion) -> dict[str, Any]:
    data = model_snapshot(version)
    data["service_objects"] = list(version.service_objects or [])
    data["handling_forms"] = list(version.handling_forms or [])
    return data


def _check_code_lists(version: MatterVersion) -> dict[str, list[str]]:
    """The JSON list fields hold national codes; JSONField cannot check them itself."""
    errors: dict[str, list[str]] = {}
    for field, choices in (("service_objects", ServiceObject), ("handling_forms", HandlingForm)):
        value = getattr(version, field)
        if not isinstance(value, list) or any(v not in choices.values for v in value):
            allowed = "、".join(f"{c.value} {c.label}" for c in choices)
            errors[field] = [f"{_label(field)}只能取以下代码：{allowed}。"]
    return errors


def _validate_and_save(version: MatterVersion) -> None:
    """Field validation and database constraints first, so bad input never becomes a 500."""
    errors = _check_code_lists(version)
    try:
        version.full_clean(exclude=["matter"] if version.matter_id is None else None)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    version.save()


def _apply_fields(version: MatterVersion, fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(CONTENT_FIELDS) - CONTENT_FIELD_ATTNAMES)
    if unknown:
        raise ValidationError({name: ["该字段不能通过此操作修改。"] for name in unknown})
    for name, value in fields.items():
        setattr(version, name, value)


# --- Drafts ---------------------------------------------------------------------------------------


@transaction.atomic
def matter_version_create_draft(
    *, code: str, by, ip: str | None = None, co_departments=None, **fields: Any
) -> MatterVersion:
    """Draft a matter (起草事项): a new matter's first version, or the next version of a known code."""
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": ["请填写实施编码。"]})
    if len(code) > Matter._meta.get_field("code").max_length:
        raise ValidationError({"code": ["实施编码不能超过 64 个字符。"]})
    matter, created = Matter.objects.get_or_create(code=code)
    if not created:
        Matter.objects.select_for_update().get(pk=matter.pk)
        if matter.versions.filter(status=S.DRAFT).exists():
            raise ValidationError({"code": ["该事项已有草稿，请直接修改草稿。"]})
    next_number = (matter.versions.aggregate(n=Max("version"))["n"] or 0) + 1
    version = MatterVersion(matter=matter, version=next_number, status=S.DRAFT)
    _apply_fields(version, fields)
    _validate_and_save(version)
    if co_departments is not None:
        version.co_departments.set(co_departments)
    if created:
        audit_record(actor=by, action="matter.create", obj=matter, after={"code": code}, ip=ip)
    audit_record(actor=by, action="matterversion.create_draft", obj=version, after=_snapshot(version), ip=ip)
    return version


@transaction.atomic
def matter_version_update_draft(
    *, version: MatterVersion, by, ip: str | None = None, co_departments=None, **fields: Any
) -> MatterVersion:
    """Change a draft (修改草稿). Published and retired versions are refused."""
    version = MatterVersion.objects.select_for_update().select_related("matter").get(pk=version.pk)
    _ensure_draft(version)
    before = _snapshot(version)
    _apply_fields(version, fields)
    _validate_and_save(version)
    if co_departments is not None:
        version.co_departments.set(co_departments)
    before, after = changed_fields(before, _snapshot(version))
    if after or co_departments is not None:
        audit_record(actor=by, action="matterversion.update_draft", obj=version, before=before, after=after, ip=ip)
    return version


def _copy_children(source: MatterVersion, target: MatterVersion) -> None:
    sub_item_map: dict[int, SubItem] = {}
    for sub_item in source.sub_items.all():
        sub_item_map[sub_item.pk] = SubItem.objects.create(
            version=target, **{f: getattr(sub_item, f) for f in SUB_ITEM_FIELDS}
        )
    Material.objects.bulk_create(
        Material(
            version=target,
            sub_item=sub_item_map.get(material.sub_item_id),
            **{f: getattr(material, f) for f in MATERIAL_FIELDS},
        )
        for material in source.materials.all()
    )
    ProcessStep.objects.bulk_create(
        ProcessStep(version=target, **{f: getattr(step, f) for f in STEP_FIELDS}) for step in source.steps.all()
    )
    target.co_departments.set(source.co_departments.all())


@transaction.atomic
def matter_version_new_draft(
    *, matter: Matter, by, ip: str | None = None, edition: CatalogEdition | None = None
) -> MatterVersion:
    """New version (生成新版本): copy the published (or else the latest) version into a draft.

    The source version is left untouched, so applications made under it keep their rules.
    """
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    versions = list(matter.versions.order_by("-version"))
    draft = next((v for v in versions if v.status == S.DRAFT), None)
    if draft is not None:
        raise ValidationError({"matter": [f"该事项已有草稿（第 {draft.version} 版），请直接修改草稿。"]})
    if not versions:
        raise ValidationError({"matter": ["该事项还没有任何版本，请先起草。"]})
    source = next((v for v in versions if v.status == S.PUBLISHED), versions[0])
    draft = MatterVersion(matter=matter, version=versions[0].version + 1, status=S.DRAFT)
    for name in CONTENT_FIELDS:
        setattr(draft, name, getattr(source, name))
    if edition is not None:
        draft.edition = edition
    draft.save()
    _copy_children(source, draft)
    audit_record(
        actor=by,
        action="matterversion.new_draft",
        obj=draft,
        after={"copied_from_version": source.version, **_snapshot(draft)},
        ip=ip,
    )
    return draft


# --- Publishing -----------------------------------------------------------------------------------


def matter_version_problems(version: MatterVersion) -> dict[str, list[str]]:
    """The consistency rules checked before publishing (发布校验), every problem at once, per field."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    for field in REQUIRED_FOR_PUBLISH:
        if getattr(version, field) in (None, "", []):
            add(field, f"发布前必须填写{_label(field)}。")
    for field, messages in _check_code_lists(version).items():
        for message in messages:
            add(field, message)

    legal, promised = version.legal_limit_days, version.promised_limit_days
    if legal is not None and promised is not None and promised > legal:
        add("promised_limit_days", f"承诺办结时限（{promised} 个工作日）不得超过法定办结时限（{legal} 个工作日）。")
    if version.handling_type == HandlingType.IMMEDIATE and promised != 0:
        add("promised_limit_days", "即办件的承诺办结时限应为 0 个工作日（当场办结）。")
    if version.handling_type != HandlingType.IMMEDIATE and promised == 0:
        add("handling_type", "承诺办结时限为 0 个工作日的事项应为即办件。")
    if version.online_depth == OnlineDepth.IV and version.site_visits != 0:
        add("site_visits", "网上办理深度为Ⅳ级（全程网办）的事项，到办事现场次数应为 0 次。")
    if version.site_visits and not version.site_visit_reason.strip():
        add("site_visit_reason", "到办事现场次数不为 0 时，必须填写必须现场办理原因。")
    if not version.is_charged and version.supports_online_payment:
        add("supports_online_payment", "不收费的事项不能支持网上支付。")
    if version.is_charged:
        for field in ("fee_basis", "fee_standard"):
            if not getattr(version, field).strip():
                add(field, f"收费事项必须填写{_label(field)}。")
    consultation = version.consultation_phone.replace(" ", "")
    if consultation and consultation == version.supervision_phone.replace(" ", ""):
        add("supervision_phone", "监督投诉电话不能与咨询电话相同。")
    if version.supports_online_handling and version.online_depth == OnlineDepth.I:
        add("online_depth", "支持网上办理的事项，网上办理深度至少应为Ⅱ级。")
    if version.valid_from and version.valid_to and version.valid_to < version.valid_from:
        add("valid_to", "计划取消日期不能早于计划生效日期。")

    sub_items = list(version.sub_items.all())
    for sub_item in sub_items:
        if legal is not None and sub_item.promised_limit_days is not None and sub_item.promised_limit_days > legal:
            add("sub_items", f"业务办理项“{sub_item.name}”的承诺时限不得超过法定办结时限（{legal} 个工作日）。")
    if not list(version.materials.all()):
        add("materials", "发布前至少应列出一项申请材料。")
    if not list(version.steps.all()):
        add("steps", "发布前至少应列出一个办理环节。")
    return problems


@transaction.atomic
def matter_version_publish(
    *, version: MatterVersion, by, ip: str | None = None, today: datetime.date | None = None
) -> MatterVersion:
    """Publish a draft (发布). Runs every consistency rule first and refuses with all problems listed.

    The matter's previously published version is retired in the same transaction, so exactly one
    version of a code is published at any time (a partial unique constraint is the backstop).
    """
    Matter.objects.select_for_update().get(pk=version.matter_id)
    version = MatterVersion.objects.select_for_update().select_related("matter").get(pk=version.pk)
    target = _check_transition(version, "publish")
    problems = matter_version_problems(version)
    if problems:
        raise ValidationError(problems)
    today = today or timezone.localdate()
    now = timezone.now()
    previous = MatterVersion.objects.select_for_update().filter(matter_id=version.matter_id, status=S.PUBLISHED).first()
    if previous is not None:
        _retire(previous, by=by, ip=ip, today=today, now=now, note=f"由第 {version.version} 版取代")
    before = {"status": version.status}
    version.status = target
    version.published_at = now
    version.published_by = by if getattr(by, "pk", None) else None
    version.valid_from = version.valid_from or today
    version.save(update_fields=["status", "published_at", "published_by", "valid_from", "updated_at"])
    audit_record(
        actor=by,
        action="matterversion.publish",
        obj=version,
        before=before,
        after={"status": version.status, "valid_from": str(version.valid_from)},
        ip=ip,
    )
    return version


def _retire(version: MatterVersion, *, by, ip, today, now, note: str = "") -> None:
    before = {"status": version.status, "valid_to": str(version.valid_to) if version.valid_to else None}
    version.status = _check_transition(version, "retire")
    version.retired_at = now
    if version.valid_to is None or version.valid_to > today:
        version.valid_to = today
    version.save(update_fields=["status", "retired_at", "valid_to", "updated_at"])
    audit_record(
        actor=by,
        action="matterversion.retire",
        obj=version,
        before=before,
        after={"status": version.status, "valid_to": str(version.valid_to)},
        note=note,
        ip=ip,
    )


@transaction.atomic
def matter_version_retire(
    *, version: MatterVersion, by, ip: str | None = None, today: datetime.date | None = None
) -> MatterVersion:
    """Retire a published version (废止) without a successor: the matter leaves the public catalog."""
    Matter.objects.select_for_update().get(pk=version.matter_id)
    version = MatterVersion.objects.select_for_update().select_related("matter").get(pk=version.pk)
    _retire(version, by=by, ip=ip, today=today or timezone.localdate(), now=timezone.now())
    return version


# --- Children of a draft --------------------------------------------------------------------------


@transaction.atomic
def matter_version_replace_materials(
    *, version: MatterVersion, materials: list[dict[str, Any]], by, ip: str | None = None
) -> MatterVersion:
    """Replace a draft's materials list (申请材料). Each dict holds MATERIAL_FIELDS and ``sub_item_code``."""
    version = MatterVersion.objects.select_for_update().get(pk=version.pk)
    _ensure_draft(version)
    sub_items = {s.code: s for s in version.sub_items.all()}
    errors: dict[str, list[str]] = {}
    rows = []
    for index, data in enumerate(materials, start=1):
        data = dict(data)
        sub_item_code = data.pop("sub_item_code", "") or ""
        if sub_item_code and sub_item_code not in sub_items:
            errors.setdefault("materials", []).append(f"第 {index} 项材料的适用办理项编码“{sub_item_code}”不存在。")
            continue
        material = Material(version=version, sub_item=sub_items.get(sub_item_code), **data)
        try:
            material.full_clean(exclude=["version", "sub_item"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault("materials", []).extend(f"第 {index} 项材料：{field} {m}" for m in messages)
        rows.append(material)
    if errors:
        raise ValidationError(errors)
    before = [m.name for m in version.materials.all()]
    version.materials.all().delete()
    Material.objects.bulk_create(rows)
    audit_record(
        actor=by,
        action="matterversion.replace_materials",
        obj=version,
        before={"materials": before},
        after={"materials": [m.name for m in rows]},
        ip=ip,
    )
    return version


# --- Spreadsheet import ---------------------------------------------------------------------------


class CatalogImportRejected(ValidationError):
    """An uploaded template with problems (导入失败): nothing was changed; ``problems`` says where."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__({"file": [str(p) for p in self.problems]})


@dataclass
class CatalogImportSummary:
    """What an import did (导入结果)."""

    created: list[str] = dataclasses.field(default_factory=list)  # codes of new matters
    updated: list[str] = dataclasses.field(default_factory=list)  # codes whose draft was created or changed
    unchanged: list[str] = dataclasses.field(default_factory=list)


@transaction.atomic
def catalog_import_xlsx(*, content: bytes, by, ip: str | None = None) -> CatalogImportSummary:
    """Import the implementation-list template (导入实施清单): all rows or nothing.

    Every row is checked first; any problem refuses the whole file with every problem listed by
    sheet, row and column. Otherwise each matter gets a draft: a new matter's first version, its
    existing draft updated, or a new draft copied from the published version. Rows equal to what
    the bureau already maintains change nothing, so re-importing an export is a no-op.
    """
    from hall.catalog.selectors import maintained_versions
    from hall.catalog.spreadsheet import (
        MATERIAL_COLUMNS,
        MATERIAL_SHEET,
        ImportProblem,
        material_rows,
        read_catalog_workbook,
        version_row,
    )

    parsed = read_catalog_workbook(content)
    problems = list(parsed.problems)
    existing = {
        v.matter.code: v
        for v in maintained_versions()
        .filter(matter__code__in=list(parsed.matters))
        .prefetch_related("co_departments", "sub_items", "materials__sub_item")
    }
    sub_item_letter = next(i for i, c in enumerate(MATERIAL_COLUMNS, start=1) if c.attr == "sub_item_code")
    for code, rows in parsed.materials.items():
        known = {s.code for s in existing[code].sub_items.all()} if code in existing else set()
        for row in rows:
            if row["sub_item_code"] and row["sub_item_code"] not in known:
                problems.append(
                    ImportProblem(
                        MATERIAL_SHEET,
                        row["_row"],
                        f"{chr(64 + sub_item_letter)}（适用办理项编码）",
                        f"事项“{code}”没有编码为“{row['sub_item_code']}”的业务办理项。",
                    )
                )
    if problems:
        raise CatalogImportRejected(problems)

    summary = CatalogImportSummary()
    for code, row in parsed.matters.items():
        fields = {k: v for k, v in row.items() if not k.startswith("_")}
        co_departments = fields.pop("co_departments")
        materials = [{k: v for k, v in m.items() if not k.startswith("_")} for m in parsed.materials.get(code, [])]
        current = existing.get(code)
        if current is not None:
            known_row = {k: v for k, v in version_row(current).items() if k != "code"}
            if known_row == {**fields, "co_departments": co_departments} and material_rows(current) == materials:
                summary.unchanged.append(code)
                continue
        try:
            if current is None:
                version = matter_version_create_draft(
                    code=code, by=by, ip=ip, co_departments=co_departments, **_model_values(fields)
                )
                summary.created.append(code)
            else:
                draft = current
                if current.status != S.DRAFT:
                    draft = matter_version_new_draft(matter=current.matter, by=by, ip=ip)
                version = matter_version_update_draft(
                    version=draft, by=by, ip=ip, co_departments=co_departments, **_model_values(fields)
                )
                summary.updated.append(code)
            matter_version_replace_materials(version=version, materials=materials, by=by, ip=ip)
        except ValidationError as exc:
            # Rules the cells alone cannot show (e.g. a limit the model refuses): still row-precise.
            raise CatalogImportRejected(
                [ImportProblem("事项", row["_row"], "", message) for message in exc.messages]
            ) from exc
    audit_record(
        actor=by,
        action="catalog.import_xlsx",
        after={"created": summary.created, "updated": summary.updated, "unchanged": len(summary.unchanged)},
        ip=ip,
    )
    return summary


def _model_values(fields: dict[str, Any]) -> dict[str, Any]:
    values = dict(fields)
    values["department_id"] = values.pop("department")
    values["edition_id"] = values.pop("edition")
    return values

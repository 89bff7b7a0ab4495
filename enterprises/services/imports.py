"""Import of existing market entities from a spreadsheet (存量市场主体导入): streamed, all or nothing.

The workbook is read row by row (``hall.spreadsheets.FirstSheet``, one pass) and written in batches inside one
transaction; the first bad row stops the writing but the reading goes on, so the answer lists
every bad row, and the transaction is rolled back: nothing or everything is imported. Progress is
kept in the cache (outside the transaction) so the page can show it while the import runs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from enterprises.models import (
    ActKind,
    EntityImport,
    EntityStatus,
    EntityType,
    Industry,
    MarketEntity,
    RegistrationAct,
)
from enterprises.rollup import flows_record
from hall.services.audit import audit_record
from hall.spreadsheets import FirstSheet, SpreadsheetUnreadable
from hall.validators import CREDIT_CODE_CHARSET, credit_code_check_char, resident_id_check_char

# (header, attribute, required)
COLUMNS = (
    ("统一社会信用代码", "credit_code", True),
    ("名称", "name", True),
    ("主体类型", "entity_type", True),
    ("法定代表人（经营者）", "legal_representative", True),
    ("法定代表人身份证号码", "legal_representative_id_number", False),
    ("注册资本（万元）", "registered_capital", False),
    ("住所（经营场所）", "address", True),
    ("行业门类", "industry", True),
    ("成立日期", "registered_on", True),
    ("登记状态", "status", False),
    ("注销日期", "deregistered_on", False),
    ("联系电话", "contact_phone", False),
)
HEADERS = [c[0] for c in COLUMNS]
BATCH = 2000
MAX_LISTED_ERRORS = 500
TYPE_BY_LABEL = {label: value for value, label in EntityType.choices} | {v: v for v in EntityType.values}
STATUS_BY_LABEL = {label: value for value, label in EntityStatus.choices} | {v: v for v in EntityStatus.values}
INDUSTRY_BY_KEY = {v: v for v in Industry.values} | {label: value for value, label in Industry.choices}


def progress_key(import_id: int) -> str:
    return f"enterprises:import:{import_id}:progress"


class _Rollback(Exception):
    pass


@dataclass
class _Reader:
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0

    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append({"row": row, "column": column, "message": message})


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


EXCEL_EPOCH = date(1899, 12, 30)


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return EXCEL_EPOCH + timedelta(days=int(value))  # a cell typed as a date (Excel serial)
    text = _text(value).replace("/", "-").replace(".", "-")
    if not text:
        return None
    return date.fromisoformat(text)


def _check_code(code: str) -> str | None:
    if len(code) != 18 or any(c not in CREDIT_CODE_CHARSET for c in code):
        return "统一社会信用代码应为 18 位，且不含 I、O、S、V、Z。"
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确。"
    return None


def _check_id(value: str) -> str | None:
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "身份证号码应为 18 位。"
    if resident_id_check_char(value[:17]) != value[17]:
        return "身份证号码校验位不正确。"
    return None


def _parse_row(number: int, values: tuple, reader: _Reader, today: date) -> dict | None:
    row = {attr: values[i] if i < len(values) else None for i, (_, attr, _) in enumerate(COLUMNS)}
    ok = True

    def bad(column: str, message: str) -> None:
        nonlocal ok
        ok = False
        reader.error(number, column, message)

    clean: dict = {}
    for header, attr, required in COLUMNS:
        if required and row[attr] in (None, ""):
            bad(header, f"“{header}”不能为空。")
    if not ok:
        return None
    code = _text(row["credit_code"]).upper()
    if message := _check_code(code):
        bad("统一社会信用代码", message)
    clean["credit_code"] = code
    clean["name"] = _text(row["name"])[:200]
    entity_type = TYPE_BY_LABEL.get(_text(row["entity_type"]))
    if entity_type is None:
        bad("主体类型", f"主体类型“{_text(row['entity_type'])}”无效，应为：{'、'.join(EntityType.labels)}。")
    clean["entity_type"] = entity_type
    clean["legal_representative"] = _text(row["legal_representative"])[:50]
    id_number = _text(row["legal_representative_id_number"]).upper()
    if id_number and (message := _check_id(id_number)):
        bad("法定代表人身份证号码", message)
    clean["legal_representative_id_number"] = id_number
    try:
        capital = Decimal(_text(row["registered_capital"]) or "0")
        if capital < 0 or capital >= Decimal("1e12"):
            raise InvalidOperation
        clean["registered_capital"] = capital.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        bad("注册资本（万元）", "注册资本应为不小于 0 的数字（万元）。")
    clean["address"] = _text(row["address"])[:200]
    industry = INDUSTRY_BY_KEY.get(_text(row["industry"]).upper()) or INDUSTRY_BY_KEY.get(_text(row["industry"]))
    if industry is None:
        bad("行业门类", "行业门类应为 GB/T 4754 门类字母 A–T。")
    clean["industry"] = industry
    try:
        registered_on = _date(row["registered_on"])
        if registered_on is None or registered_on > today or registered_on.year < 1949:
            raise ValueError
        clean["registered_on"] = registered_on
    except (ValueError, TypeError):
        bad("成立日期", "成立日期无效（格式 2024-01-31，不能晚于今天）。")
        registered_on = None
    status = STATUS_BY_LABEL.get(_text(row["status"]) or "存续")
    if status is None:
        bad("登记状态", f"登记状态应为：{'、'.join(EntityStatus.labels)}。")
    clean["status"] = status
    try:
        deregistered_on = _date(row["deregistered_on"])
    except (ValueError, TypeError):
        bad("注销日期", "注销日期无效（格式 2024-01-31）。")
        deregistered_on = None
    if status in (EntityStatus.DEREGISTERED, EntityStatus.REVOKED) and deregistered_on is None:
        bad("注销日期", "已注销或吊销的市场主体须填写注销（吊销）日期。")
    if deregistered_on and registered_on and deregistered_on < registered_on:
        bad("注销日期", "注销日期不能早于成立日期。")
    clean["deregistered_on"] = deregistered_on
    phone = _text(row["contact_phone"])
    if phone and not (len(phone) == 11 and phone.isdigit() and phone[0] == "1"):
        bad("联系电话", "联系电话应为 11 位手机号码。")
    clean["contact_phone"] = phone
    return clean if ok else None


COPY_COLUMNS = (
    "credit_code",
    "name",
    "entity_type",
    "legal_representative",
    "legal_representative_id_number",
    "registered_capital",
    "address",
    "industry",
    "contact_phone",
    "site_id",
    "division_id",
    "status",
    "registered_on",
    "deregistered_on",
    "is_load_data",
    "created_at",
    "updated_at",
)


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _insert_batch(rows: list[dict], *, site, note: str) -> list[dict]:
    """Write one batch of entities and their 存量导入 history rows.

    PostgreSQL: ``COPY`` for the entities and one ``INSERT … SELECT`` for the history (Django's
    ``bulk_create`` spends most of its time building SQL); other databases: ``bulk_create``.
    """
    if connection.vendor != "postgresql":
        entities = MarketEntity.objects.bulk_create(
            MarketEntity(**row, site=site, division_id=site.division_id) for row in rows
        )
        RegistrationAct.objects.bulk_create(
            RegistrationAct(entity_id=e.pk, kind=ActKind.IMPORT, occurred_on=e.registered_on, note=note)
            for e in entities
        )
        return rows
    now = timezone.now()
    buffer = io.StringIO()
    for row in rows:
        values = {**row, "site_id": site.pk, "division_id": site.division_id, "is_load_data": False}
        values["created_at"] = values["updated_at"] = now
        buffer.write("\t".join(_copy_value(values[c]) for c in COPY_COLUMNS))
        buffer.write("\n")
    buffer.seek(0)
    entity_table = connection.ops.quote_name(MarketEntity._meta.db_table)
    act_table = connection.ops.quote_name(RegistrationAct._meta.db_table)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {entity_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN", buffer)
        cursor.execute(
            f"INSERT INTO {act_table} (entity_id, kind, occurred_on, changes, note, created_at) "  # noqa: S608
            f"SELECT id, %s, registered_on, '{{}}'::jsonb, %s, %s FROM {entity_table} WHERE credit_code = ANY(%s)",
            [ActKind.IMPORT.value, note, now, [row["credit_code"] for row in rows]],
        )
    return rows


def entity_import_run(*, entity_import: EntityImport, site, by=None, today: date | None = None) -> EntityImport:
    """Run one import: every row valid, or nothing written (errors listed by row and column)."""
    today = today or timezone.localdate()
    record = EntityImport.objects.get(pk=entity_import.pk)
    if record.state not in (EntityImport.State.PENDING, EntityImport.State.RUNNING):
        return record  # idempotent: a finished import is not run twice
    EntityImport.objects.filter(pk=record.pk).update(state=EntityImport.State.RUNNING)
    reader = _Reader()
    key = progress_key(record.pk)
    processed = 0
    imported = 0
    try:
        with record.file.open("rb") as handle:
            try:
                workbook = FirstSheet(handle)
            except SpreadsheetUnreadable as exc:
                raise ValidationError({"file": str(exc)}) from exc
            rows = workbook.rows()
            header = [_text(v) for v in next(rows, (0, ()))[1]]
            if header[: len(HEADERS)] != HEADERS:
                raise ValidationError({"file": f"表头应为：{'、'.join(HEADERS)}。请使用导入模板。"})
            total = max(workbook.total - 1, 0)
            cache.set(key, {"processed": 0, "total": total}, 3600)
            seen: dict[str, int] = {}
            with transaction.atomic():
                batch: list[tuple[int, dict]] = []

                def flush() -> None:
                    nonlocal imported
                    codes = [c["credit_code"] for _, c in batch]
                    existing = set(
                        MarketEntity.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True)
                    )
                    for number, clean in batch:
                        if clean["credit_code"] in existing:
                            reader.error(number, "统一社会信用代码", f"{clean['credit_code']} 已在登记名录中。")
                    if reader.error_count:
                        batch.clear()
                        return
                    entities = _insert_batch(
                        [clean for _, clean in batch], site=site, note=f"存量导入（{record.original_name}）"
                    )
                    flows_record(
                        registered=[(e["registered_on"], e["entity_type"], site.pk) for e in entities],
                        deregistered=[
                            (e["deregistered_on"], e["entity_type"], site.pk) for e in entities if e["deregistered_on"]
                        ],
                    )
                    imported += len(entities)
                    batch.clear()

                for number, values in rows:
                    if not any(v not in (None, "") for v in values):
                        continue
                    processed += 1
                    clean = _parse_row(number, values, reader, today)
                    if clean is not None:
                        first = seen.setdefault(clean["credit_code"], number)
                        if first != number:
                            reader.error(number, "统一社会信用代码", f"与第 {first} 行重复。")
                        elif not reader.error_count:
                            batch.append((number, clean))
                    if len(batch) >= BATCH:
                        flush()
                    if processed % BATCH == 0:
                        cache.set(key, {"processed": processed, "total": total}, 3600)
                if batch:
                    flush()
                if reader.error_count:
                    raise _Rollback
                if processed == 0:
                    raise ValidationError({"file": "文件中没有数据行。"})
                EntityImport.objects.filter(pk=record.pk).update(
                    state=EntityImport.State.DONE,
                    total_rows=processed,
                    imported_rows=imported,
                    errors=[],
                    finished_at=timezone.now(),
                )
                audit_record(actor=by, action="entity.import", obj=record, after={"rows": imported})
    except _Rollback:
        EntityImport.objects.filter(pk=record.pk).update(
            state=EntityImport.State.REJECTED,
            total_rows=processed,
            imported_rows=0,
            errors=[
                *reader.errors,
                *(
                    [{"row": 0, "column": "", "message": f"共 {reader.error_count} 处错误"}]
                    if reader.error_count > len(reader.errors)
                    else []
                ),
            ],
            finished_at=timezone.now(),
        )
    except ValidationError as exc:
        EntityImport.objects.filter(pk=record.pk).update(
            state=EntityImport.State.REJECTED,
            errors=[{"row": 0, "column": "", "message": m} for m in exc.messages],
            finished_at=timezone.now(),
        )
    except Exception as exc:  # a broken file: say so on the page instead of failing silently
        EntityImport.objects.filter(pk=record.pk).update(
            state=EntityImport.State.FAILED,
            errors=[{"row": 0, "column": "", "message": f"无法读取文件：{type(exc).__name__}"}],
            finished_at=timezone.now(),
        )
    cache.set(key, {"processed": processed, "total": processed}, 3600)
    return EntityImport.objects.get(pk=record.pk)


def entity_import_create(*, upload, by, ip: str | None = None) -> EntityImport:
    """Accept an uploaded workbook and queue its import (the work runs in Celery after commit)."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise ValidationError({"file": "请上传 .xlsx 格式的导入文件。"})
    if upload.size > 100 * 1024 * 1024:
        raise ValidationError({"file": "文件不能超过 100 MB。"})
    if by.site_id is None:
        raise ValidationError({"file": "您的账号未设置工作场所，不能导入。"})
    from enterprises.tasks import run_entity_import

    with transaction.atomic():
        record = EntityImport.objects.create(file=upload, original_name=name[:200], uploaded_by=by)
        audit_record(actor=by, action="entity.import_upload", obj=record, ip=ip)
        transaction.on_commit(lambda: run_entity_import.delay(record.pk))
    return record

"""Import of the 12345 hotline platform's export (热线工单导入): xlsx or CSV, streamed, all or nothing.

Columns (header row, in any order; see docs/hotline-import.md): 工单编号*, 来电时间*, 诉求类型*,
紧急程度, 诉求标题*, 诉求内容*, 来电人, 联系电话, 承办部门, 是否市场主体, 市场主体名称,
统一社会信用代码 (* required). The file is read twice, row by row (``hall.spreadsheets.FirstSheet`` / csv):
the first pass checks every row and lists the errors by row and column; only if there are none,
the second pass inserts in batches inside one transaction. Idempotent by 工单编号: rows whose
number is already in the system are skipped, so importing the same file again adds nothing.
Progress is published in the cache for the progress bar.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from evaluations.workorders import clock
from evaluations.workorders.models import (
    HotlineImport,
    Kind,
    LimitUnit,
    Source,
    Status,
    TimeLimit,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
)
from evaluations.workorders.rollups import rollup_touch
from evaluations.workorders.services import DEFAULT_LIMITS, URGENT_LIMIT, issue_numbers
from evaluations.workorders.transitions import Action
from hall.models import Department
from hall.services.audit import audit_record
from hall.spreadsheets import FirstSheet
from hall.validators import validate_credit_code
from hall.workdays import current_calendar

logger = logging.getLogger(__name__)

COLUMNS = {
    "工单编号": "hotline_number",
    "来电时间": "received_at",
    "诉求类型": "kind",
    "紧急程度": "urgency",
    "诉求标题": "title",
    "诉求内容": "content",
    "来电人": "requester_name",
    "联系电话": "requester_phone",
    "承办部门": "department",
    "是否市场主体": "is_market_entity",
    "市场主体名称": "entity_name",
    "统一社会信用代码": "entity_credit_code",
}
REQUIRED = ("工单编号", "来电时间", "诉求类型", "诉求标题", "诉求内容")
KIND_BY_LABEL = {label: value for value, label in Kind.choices}
URGENCY_BY_LABEL = {label: value for value, label in Urgency.choices}
YES, NO = {"是", "Y", "y", "1", "TRUE", "true"}, {"否", "N", "n", "0", "FALSE", "false", ""}
MAX_LISTED_ERRORS = 200
BATCH = 5000
# Files up to this size are imported within the request; larger ones by a Celery task.
SYNC_MAX_BYTES = 512 * 1024
MAX_BYTES = 100 * 1024 * 1024


class RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def progress_key(import_id: int) -> str:
    return f"workorders:import:{import_id}"


def progress_of(job: HotlineImport) -> dict:
    data = cache.get(progress_key(job.pk)) or {}
    return {
        "id": job.pk,
        "state": job.state,
        "state_display": job.get_state_display(),
        "phase": data.get("phase", ""),
        "done": data.get("done", 0),
        "total": job.total_rows or data.get("total", 0),
        "created": job.created_count,
        "skipped": job.skipped_count,
        "errors": job.errors[:MAX_LISTED_ERRORS],
    }


def _publish(job: HotlineImport, phase: str, done: int, total: int) -> None:
    cache.set(progress_key(job.pk), {"phase": phase, "done": done, "total": total}, 3600)


# --- Reading -------------------------------------------------------------------------------------------


def _cell(value) -> str | datetime | date:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def iter_rows(path: str) -> Iterator[list]:
    """Yield the rows of the file (header first) one at a time, as text, dates or times."""
    if path.lower().endswith(".xlsx"):
        for _, values in FirstSheet(path).rows():
            yield [_cell(v) for v in values]
        return
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            yield [_cell(v) for v in row]


def _header(row: list) -> dict[str, int]:
    positions = {}
    for index, name in enumerate(row):
        name = str(name).strip().rstrip("*")
        if name in COLUMNS:
            positions[name] = index
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        raise ValidationError({"file": f"表头缺少必填列：{'、'.join(missing)}（第 1 行）。"})
    return positions


def _parse_time(value) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    else:
        text = str(value).strip().replace("/", "-")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d") if moment is None else ():
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            raise RowError("来电时间", f"时间格式不正确（“{text}”），应为 2026-03-05 09:30。")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone())
    if moment > _latest_allowed():
        raise RowError("来电时间", "来电时间不能晚于现在。")
    return moment


@lru_cache(maxsize=1)
def _zone() -> ZoneInfo:
    """The hall's time zone: times in the export are local times (一个文件只用一个时区)."""
    return ZoneInfo(settings.TIME_ZONE)


def _latest_allowed() -> datetime:
    return timezone.now() + timedelta(minutes=5)


def parse_row(row: list, positions: dict[str, int], departments: dict[str, int]) -> dict:
    """One row as the fields of a work order; raises ``RowError`` naming the column."""

    def get(name: str):
        index = positions.get(name)
        return row[index] if index is not None and index < len(row) else ""

    values = {}
    for name in REQUIRED:
        if get(name) in ("", None):
            raise RowError(name, "不能为空。")
    values["hotline_number"] = str(get("工单编号"))
    if len(values["hotline_number"]) > 40:
        raise RowError("工单编号", "不能超过 40 个字符。")
    values["received_at"] = _parse_time(get("来电时间"))
    kind = str(get("诉求类型"))
    if kind not in KIND_BY_LABEL:
        raise RowError("诉求类型", f"未知的诉求类型“{kind}”，应为：{'、'.join(KIND_BY_LABEL)}。")
    values["kind"] = KIND_BY_LABEL[kind]
    urgency = str(get("紧急程度")) or "一般"
    if urgency not in URGENCY_BY_LABEL:
        raise RowError("紧急程度", f"未知的紧急程度“{urgency}”，应为：一般、紧急。")
    values["urgency"] = URGENCY_BY_LABEL[urgency]
    values["title"] = str(get("诉求标题"))[:200]
    values["content"] = str(get("诉求内容"))
    values["requester_name"] = str(get("来电人"))
    if len(values["requester_name"]) > 50:
        raise RowError("来电人", "不能超过 50 个字符。")
    phone = str(get("联系电话"))
    if phone and (len(phone) > 20 or not phone.replace("-", "").isdigit()):
        raise RowError("联系电话", f"“{phone}”不是有效的电话号码。")
    values["requester_phone"] = phone
    department = str(get("承办部门"))
    values["department_id"] = None
    if department:
        if department not in departments:
            raise RowError("承办部门", f"没有名为“{department}”的部门。")
        values["department_id"] = departments[department]
    flag = str(get("是否市场主体"))
    if flag not in YES | NO:
        raise RowError("是否市场主体", "应填写“是”或“否”。")
    values["is_market_entity"] = flag in YES
    values["entity_name"], values["entity_credit_code"] = "", ""
    if values["is_market_entity"]:
        values["entity_name"] = str(get("市场主体名称"))[:200]
        code = str(get("统一社会信用代码")).upper()
        try:
            validate_credit_code(code)
        except ValidationError as exc:
            raise RowError("统一社会信用代码", "；".join(exc.messages)) from None
        values["entity_credit_code"] = code
    return values


def _department_names() -> dict[str, int]:
    names = {}
    for pk, name, short in Department.objects.filter(kind=Department.Kind.DEPARTMENT, is_active=True).values_list(
        "pk", "name", "short_name"
    ):
        names[name] = pk
        if short:
            names.setdefault(short, pk)
    return names


# --- The import ----------------------------------------------------------------------------------------


def hotline_import_create(*, upload, by, ip: str | None = None) -> HotlineImport:
    """Store an uploaded export privately and register the import job (排队中)."""
    name = (getattr(upload, "name", "") or "").strip()
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError({"file": "仅支持 .xlsx 或 .csv 格式的热线导出文件。"})
    size = getattr(upload, "size", 0) or 0
    if size == 0:
        raise ValidationError({"file": "文件为空，请重新选择。"})
    if size > MAX_BYTES:
        raise ValidationError({"file": "文件不能超过 100 MB。"})
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if suffix == ".xlsx" and head != b"PK\x03\x04":
        raise ValidationError({"file": "文件内容不是有效的 xlsx 表格。"})
    folder = Path(settings.MEDIA_ROOT) / "hotline-imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with open(path, "wb") as out:
        for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b""):
            out.write(chunk)
    with transaction.atomic():
        job = HotlineImport.objects.create(original_name=name[-200:], path=str(path), created_by=by)
        audit_record(actor=by, action="workorder.import_upload", obj=job, after={"size": size}, ip=ip)
    return job


def _validate(job: HotlineImport, departments: dict[str, int]) -> tuple[int, list[dict]]:
    errors: list[dict] = []
    seen: set[str] = set()
    total = 0
    rows = iter_rows(job.path)
    try:
        positions = _header(next(rows))
    except StopIteration:
        raise ValidationError({"file": "文件中没有数据。"}) from None
    for line, row in enumerate(rows, start=2):
        if not any(v not in ("", None) for v in row):
            continue
        total += 1
        try:
            values = parse_row(row, positions, departments)
            if values["hotline_number"] in seen:
                raise RowError("工单编号", f"“{values['hotline_number']}”在文件中重复出现。")
            seen.add(values["hotline_number"])
        except RowError as exc:
            errors.append({"row": line, "column": exc.column, "message": exc.message})
        if total % 5000 == 0:
            _publish(job, "校验", total, 0)
    if total == 0:
        raise ValidationError({"file": "文件中没有数据行。"})
    return total, errors


def _limits() -> dict[tuple[str, str], tuple[int, str]]:
    table = {(k, Urgency.NORMAL): v for k, v in DEFAULT_LIMITS.items()}
    table.update({(k, Urgency.URGENT): URGENT_LIMIT for k in Kind.values})
    for kind, urgency, amount, unit in TimeLimit.objects.values_list("kind", "urgency", "amount", "unit"):
        table[(kind, urgency)] = (amount, unit)
    return table


# Columns written by COPY, in order (every NOT NULL column of the table; the rest stay NULL).
COPY_COLUMNS = (
    "number", "source", "kind", "urgency", "status", "hotline_number", "title", "content", "requester_name",
    "requester_phone", "is_market_entity", "entity_name", "entity_credit_code", "department_id", "received_at",
    "received_on", "clock_started_at", "limit_amount", "limit_unit", "deadline_at", "extended_amount",
    "pending_extension_reason", "warning_level", "warned_level", "is_supervised", "return_count", "reply_text",
    "callback_result", "callback_note", "reopen_count", "is_load_data", "created_at", "updated_at",
)  # fmt: skip


def _copy_text(value) -> str:
    """One field in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _insert(job: HotlineImport, departments: dict[str, int], total: int, by) -> tuple[int, int]:
    """Second pass: COPY each batch of new orders, then one INSERT … SELECT for their history rows.

    The ORM's ``bulk_create`` spends most of its time preparing values field by field; COPY keeps
    a 100,000-row export well within a minute. Rows whose hotline number exists are skipped.
    """
    calendar = current_calendar()
    limits = _limits()
    now = timezone.now()
    day_deadlines: dict[tuple, datetime] = {}
    created = skipped = done = 0
    rows = iter_rows(job.path)
    positions = _header(next(rows))
    batch: list[dict] = []
    order_table, event_table = WorkOrder._meta.db_table, WorkOrderEvent._meta.db_table
    zone = _zone()
    actor_id = by.pk if by is not None else None
    actor = str(by) if by is not None else "系统"
    note_prefix = f"12345热线导入（{job.original_name}）："

    def deadline_of(v: dict, amount: int, unit: str) -> datetime:
        if unit != LimitUnit.WORKING_DAYS:
            return clock.deadline_for(v["received_at"], amount, unit, calendar=calendar)
        key = (v["received_at"].astimezone(zone).date(), amount)
        if key not in day_deadlines:
            day_deadlines[key] = clock.deadline_for(v["received_at"], amount, unit, calendar=calendar)
        return day_deadlines[key]

    def flush():
        nonlocal created, skipped
        numbers = [v["hotline_number"] for v in batch]
        existing = set(
            WorkOrder.objects.exclude(hotline_number="")  # lets PostgreSQL use the partial unique index
            .filter(hotline_number__in=numbers)
            .values_list("hotline_number", flat=True)
        )
        fresh = [v for v in batch if v["hotline_number"] not in existing]
        skipped += len(batch) - len(fresh)
        by_year: dict[int, list[dict]] = {}
        for v in fresh:
            v["received_on"] = v["received_at"].astimezone(zone).date()
            by_year.setdefault(v["received_on"].year, []).append(v)
        buffer = io.StringIO()
        issued = []
        for year, values in by_year.items():
            for number, v in zip(issue_numbers(year=year, count=len(values)), values, strict=True):
                amount, unit = limits[(v["kind"], v["urgency"])]
                deadline = deadline_of(v, amount, unit)
                record = (
                    number, Source.HOTLINE, v["kind"], v["urgency"], Status.RECEIVED, v["hotline_number"],
                    v["title"], v["content"], v["requester_name"], v["requester_phone"], v["is_market_entity"],
                    v["entity_name"], v["entity_credit_code"], v["department_id"], v["received_at"],
                    v["received_on"], v["received_at"], amount, unit, deadline, 0, "",
                    "red" if deadline < now else "none", "none", False, 0, "", "", "", 0, False, now, now,
                )  # fmt: skip
                buffer.write("\t".join(_copy_text(x) for x in record) + "\n")
                issued.append(number)
        if issued:
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.copy_expert(
                    f"COPY {order_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN",
                    buffer,
                )
                cursor.execute(
                    f"INSERT INTO {event_table} (order_id, action, from_status, to_status, department_id, "  # noqa: S608
                    "actor_id, actor_repr, note, created_at) "
                    f"SELECT id, %s, '', %s, NULL, %s, %s, %s || title, %s FROM {order_table} WHERE number = ANY(%s)",
                    [Action.RECEIVE, Status.RECEIVED, actor_id, actor, note_prefix, now, issued],
                )
            # COPY sends no signals: the new orders' days of receipt go to the rollups on commit.
            rollup_touch(v["received_on"] for v in fresh)
        created += len(issued)
        batch.clear()

    for row in rows:
        if not any(v not in ("", None) for v in row):
            continue
        batch.append(parse_row(row, positions, departments))
        done += 1
        if len(batch) >= BATCH:
            flush()
            _publish(job, "导入", done, total)
    if batch:
        flush()
    _publish(job, "导入", done, total)
    return created, skipped


def hotline_import_run(*, import_id: int) -> str:
    """Run one import: check every row, then insert all or nothing. Idempotent: a finished job is
    not run again, and rows already imported are skipped by their hotline number."""
    with transaction.atomic():
        job = HotlineImport.objects.select_for_update().filter(pk=import_id).first()
        if job is None or job.state in (HotlineImport.State.DONE, HotlineImport.State.FAILED):
            return "skipped"
        job.state = HotlineImport.State.RUNNING
        job.save(update_fields=["state"])
    departments = _department_names()
    by = job.created_by
    try:
        total, errors = _validate(job, departments)
    except (ValidationError, OSError, ValueError, KeyError) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [f"无法读取文件：{exc}"]
        errors, total = [{"row": 1, "column": "", "message": m} for m in messages], 0
    job.total_rows = total
    if errors:
        job.state, job.errors, job.finished_at = HotlineImport.State.FAILED, errors, timezone.now()
        job.save(update_fields=["state", "errors", "total_rows", "finished_at"])
        return "failed"
    try:
        with transaction.atomic():
            created, skipped = _insert(job, departments, total, by)
            _finish(job, created, skipped, total, by)
    except Exception as exc:  # nothing was imported (the transaction rolled back): say why
        job.state, job.finished_at = HotlineImport.State.FAILED, timezone.now()
        job.errors = [{"row": 0, "column": "", "message": f"导入失败，未导入任何数据：{exc}"}]
        job.save(update_fields=["state", "errors", "total_rows", "finished_at"])
        logger.exception("hotline import %s failed", job.pk)
        return "failed"
    return "done"


def _finish(job: HotlineImport, created: int, skipped: int, total: int, by) -> None:
    job.state, job.created_count, job.skipped_count = HotlineImport.State.DONE, created, skipped
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "created_count", "skipped_count", "total_rows", "finished_at"])
    audit_record(
        actor=by,
        action="workorder.import",
        obj=job,
        after={"rows": total, "created": created, "skipped": skipped},
    )


def csv_text(rows: list[list[str]]) -> bytes:
    """A CSV file in the export's layout (used by tests, the benchmark and the sample download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(COLUMNS))
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")

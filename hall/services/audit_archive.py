"""Archiving of expired audit records (审计记录归档): export first, then remove, audited.

等保2.0 asks that security audit records be kept at least six months. Records younger than
``AUDIT_RETENTION_DAYS`` can never be removed (the database trigger refuses it whatever the
session says); older ones leave the table only through :func:`auditlog_archive`, which writes
them to a gzip JSON-lines file, checks the file, deletes exactly the exported rows and records
the archive itself in the audit log — all in one transaction.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from hall.models import AuditLog
from hall.services.audit import audit_record

# The floor of retention: the trigger in hall/migrations/0006 hard-codes the same 180 days.
AUDIT_RETENTION_DAYS = 180
EXPORT_FIELDS = [
    "id",
    "created_at",
    "actor_id",
    "actor_repr",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "note",
    "ip_address",
]


@dataclass(frozen=True)
class ArchiveResult:
    count: int
    path: Path
    sha256: str
    cutoff: datetime


def latest_archivable_date(today: date | None = None) -> date:
    """The latest ``before`` date the retention rule allows (records older than 180 days)."""
    return (today or timezone.localdate()) - timedelta(days=AUDIT_RETENTION_DAYS)


def auditlog_archive(*, before: date, output: Path, by=None) -> ArchiveResult:
    """Export every audit record created before ``before`` (local midnight) to ``output``, then
    delete them; refuses a ``before`` within the retention period or an existing ``output``."""
    if before > latest_archivable_date():
        raise ValidationError(
            {"before": f"审计记录至少保存 {AUDIT_RETENTION_DAYS} 天：只能归档 {latest_archivable_date()} 之前的记录。"}
        )
    output = Path(output)
    if output.exists():
        raise ValidationError({"output": f"归档文件 {output} 已存在，不会覆盖。"})
    cutoff = timezone.make_aware(datetime.combine(before, time.min))
    digest = hashlib.sha256()
    with transaction.atomic():
        # Locks the rows against a concurrent archive; nothing else ever touches old rows.
        rows = AuditLog.objects.filter(created_at__lt=cutoff).order_by("id").select_for_update()
        ids: list[int] = []
        partial = output.with_name(output.name + ".partial")
        with partial.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as archive:
            for row in rows.values(*EXPORT_FIELDS).iterator(chunk_size=2000):
                line = (json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n").encode()
                archive.write(line)
                digest.update(line)
                ids.append(row["id"])
            archive.flush()
        with partial.open("rb+") as raw:
            os.fsync(raw.fileno())
        _verify(partial, len(ids))
        partial.rename(output)
        deleted = 0
        if ids:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL hall.audit_archive = 'on'")
                cursor.execute("DELETE FROM hall_auditlog WHERE created_at < %s AND id <= %s", [cutoff, ids[-1]])
                deleted = cursor.rowcount
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL hall.audit_archive = 'off'")
        if deleted != len(ids):
            raise RuntimeError(f"exported {len(ids)} audit records but {deleted} matched the delete; rolled back")
        result = ArchiveResult(count=len(ids), path=output, sha256=digest.hexdigest(), cutoff=cutoff)
        audit_record(
            actor=by,
            action="audit.archive",
            after={"count": result.count, "before": before.isoformat(), "file": str(output), "sha256": result.sha256},
            note=f"归档并清理 {before} 之前的审计记录 {result.count} 条",
        )
    return result


def _verify(path: Path, expected: int) -> None:
    """Read the archive back: the deletion happens only if the file holds every exported row."""
    with gzip.open(path, "rt", encoding="utf-8") as archive:
        count = sum(1 for line in archive if json.loads(line))
    if count != expected:
        raise RuntimeError(f"archive {path} holds {count} records, expected {expected}")

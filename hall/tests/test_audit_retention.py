"""The audit table on PostgreSQL: no UPDATE, no DELETE, no TRUNCATE; 180 days' retention; the
archive command exports before it removes (issue 16)."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from hall.models import AuditLog
from hall.services.audit import audit_record
from hall.services.audit_archive import latest_archivable_date

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _backdate(days: int) -> AuditLog:
    """An audit row as if written ``days`` ago (inserted directly: the trigger refuses UPDATE)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO hall_auditlog (actor_repr, action, object_type, object_id, object_repr, note, created_at)"
            " VALUES ('系统', 'test.old', '', '', '', '', %s) RETURNING id",
            [timezone.now() - timedelta(days=days)],
        )
        return AuditLog.objects.get(pk=cursor.fetchone()[0])


def _refused(sql: str, params=None) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(caught.value)


def test_update_delete_and_truncate_are_refused():
    entry = audit_record(actor=None, action="test.entry", note="原始记录")
    assert "append-only" in _refused("UPDATE hall_auditlog SET note = 'x' WHERE id = %s", [entry.pk])
    assert "append-only" in _refused("DELETE FROM hall_auditlog WHERE id = %s", [entry.pk])
    with connection.cursor() as cursor:
        # Even the test suite's own permission does not hold on a session that does not ask.
        cursor.execute("SET hall.allow_audit_truncate = 'off'")
    try:
        assert "TRUNCATE" in _refused("TRUNCATE hall_auditlog")
        assert "TRUNCATE" in _refused("TRUNCATE hall_auditlog CASCADE")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET hall.allow_audit_truncate = 'on'")
    assert AuditLog.objects.get(pk=entry.pk).note == "原始记录"


def test_young_records_cannot_be_deleted_even_with_the_archive_switch():
    young = _backdate(179)
    with connection.cursor() as cursor:
        cursor.execute("SET hall.audit_archive = 'on'")
    try:
        assert "append-only" in _refused("DELETE FROM hall_auditlog WHERE id = %s", [young.pk])
        # Old rows are deletable only under the switch the archive command sets.
        old = _backdate(181)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM hall_auditlog WHERE id = %s", [old.pk])
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET hall.audit_archive")
    assert not AuditLog.objects.filter(pk=old.pk).exists()
    assert "append-only" in _refused("DELETE FROM hall_auditlog WHERE id = %s", [_backdate(400).pk])


def test_archive_exports_then_removes_only_expired_records(tmp_path):
    old = [_backdate(200), _backdate(365)]
    young = _backdate(30)
    output = tmp_path / "audit-archive.jsonl.gz"
    call_command("audit_archive", before=latest_archivable_date().isoformat(), output=str(output))
    with gzip.open(output, "rt", encoding="utf-8") as archive:
        exported = [json.loads(line) for line in archive]
    assert sorted(row["id"] for row in exported) == sorted(o.pk for o in old)
    assert {row["action"] for row in exported} == {"test.old"}
    assert not AuditLog.objects.filter(pk__in=[o.pk for o in old]).exists()
    assert AuditLog.objects.filter(pk=young.pk).exists()
    record = AuditLog.objects.get(action="audit.archive")
    assert record.after["count"] == 2 and len(record.after["sha256"]) == 64


def test_archive_refuses_the_retention_period_and_an_existing_file(tmp_path):
    young = _backdate(100)
    too_recent = (latest_archivable_date() + timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="至少保存 180 天"):
        call_command("audit_archive", before=too_recent, output=str(tmp_path / "a.jsonl.gz"))
    existing = tmp_path / "b.jsonl.gz"
    existing.write_bytes(b"")
    with pytest.raises(CommandError, match="已存在"):
        call_command("audit_archive", before=latest_archivable_date().isoformat(), output=str(existing))
    assert AuditLog.objects.filter(pk=young.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_are_still_flushed():
    """A transactional test writes audit rows; the flush after it (TRUNCATE) must succeed, which
    the next test checks by finding an empty table."""
    audit_record(actor=None, action="test.flush-me")
    assert AuditLog.objects.filter(action="test.flush-me").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_table_was_flushed_after_the_previous_test():
    assert not AuditLog.objects.filter(action="test.flush-me").exists()

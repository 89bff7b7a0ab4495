"""The audit table refuses TRUNCATE too, and keeps every record at least 180 days (等保2.0).

PostgreSQL only (SQLite is a development convenience without triggers of this kind):

- UPDATE: always refused.
- DELETE: refused, except rows older than 180 days inside a transaction that set
  ``hall.audit_archive = 'on'`` — which only ``manage.py audit_archive`` does, after it has
  exported the rows it deletes. A row younger than 180 days is refused whatever is set.
- TRUNCATE (a statement-level trigger): refused, except in a test database (its name starts
  with ``test_``, as pytest-django names them) on a session that set
  ``hall.allow_audit_truncate = 'on'`` — which only the test suite's conftest does, so that
  transactional tests can still be flushed between tests. See docs/production.md.
"""

from django.db import migrations

RETENTION_SQL = """
CREATE OR REPLACE FUNCTION hall_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND OLD.created_at < now() - interval '180 days'
       AND coalesce(current_setting('hall.audit_archive', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '审计记录只能追加，不能修改或删除（保存期不少于 180 天，过期记录须经归档命令导出后清理） (audit log is append-only)';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION hall_auditlog_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_database() LIKE 'test\\_%'
       AND coalesce(current_setting('hall.allow_audit_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '审计记录不能被清空 (TRUNCATE of the audit log is refused)';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS hall_auditlog_append_only ON hall_auditlog;
CREATE TRIGGER hall_auditlog_append_only BEFORE UPDATE OR DELETE ON hall_auditlog
    FOR EACH ROW EXECUTE FUNCTION hall_auditlog_append_only();
DROP TRIGGER IF EXISTS hall_auditlog_no_truncate ON hall_auditlog;
CREATE TRIGGER hall_auditlog_no_truncate BEFORE TRUNCATE ON hall_auditlog
    FOR EACH STATEMENT EXECUTE FUNCTION hall_auditlog_no_truncate();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS hall_auditlog_no_truncate ON hall_auditlog;
DROP FUNCTION IF EXISTS hall_auditlog_no_truncate();
CREATE OR REPLACE FUNCTION hall_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '审计记录只能追加，不能修改或删除 (audit log is append-only)';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RETENTION_SQL, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("hall", "0005_auditlog_append_only"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

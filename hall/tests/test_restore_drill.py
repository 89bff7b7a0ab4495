"""The restore drill (scripts/restore_drill.py) on the test database: dump, restore into a
scratch database, equal row counts in every table, check and /healthz on the copy (issue 16)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings

from hall.models import AuditLog
from hall.services.audit import audit_record

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "restore_drill.py"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _drill():
    spec = importlib.util.spec_from_file_location("restore_drill", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_drill_passes_on_a_populated_database(demo_people, capsys):
    audit_record(actor=None, action="test.drill", note="恢复演练")
    db = settings.DATABASES["default"]
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    source = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{host}/{db['NAME']}"
    drill = _drill()
    assert drill.main(["--source", source]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "0 differences" in out and "恢复演练通过" in out
    assert AuditLog.objects.filter(action="test.drill").exists()

"""A sweep whose worker is killed mid-run is redelivered within the visibility timeout and ends
in the state of one clean run (issue 16). Real PostgreSQL, real Redis, real worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import transaction

from approvals.load import generate_applications
from approvals.models import Application, ApplicationMaterial, SmsMessage
from approvals.services.sweep import applications_sweep_warnings
from approvals.tasks import sweep_warnings
from hall.models import AuditLog, Notification

BASE_DIR = Path(__file__).resolve().parents[2]
TODAY = date(2026, 10, 12)
VISIBILITY_TIMEOUT = 6  # seconds, for this test's workers only (production: 600, hall/settings.py)
RESTORE_INTERVAL = 1

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


class _Rollback(Exception):
    pass


def _state() -> dict:
    """Everything the sweep writes, comparable between runs."""
    return {
        "levels": list(
            Application.objects.order_by("id").values_list("id", "warning_level", "warned_level", "deemed_accepted")
        ),
        "notifications": sorted(Notification.objects.values_list("recipient_id", "dedupe_key")),
        "sms": sorted(SmsMessage.objects.values_list("phone", "body")),
        "reminded": ApplicationMaterial.objects.filter(reminded_at__isnull=False).count(),
        "sweep_audits": AuditLog.objects.filter(action="application.sweep_warnings").count(),
    }


def _dsn() -> dict:
    db = settings.DATABASES["default"]
    return {
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db.get("PASSWORD") or "",
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
    }


def _worker(queue: str, name: str, tmp_path: Path, log: Path) -> subprocess.Popen:
    dsn = _dsn()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{dsn['user']}:{dsn['password']}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}",
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "hall.settings",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_UNACKED_RESTORE_INTERVAL": str(RESTORE_INTERVAL),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hall",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            "--hostname",
            f"{name}-{queue}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _wait(predicate, seconds: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}" + (f"; worker log:\n{log.read_text()}" if log else ""))


def test_a_killed_sweep_is_redelivered_and_ends_like_one_clean_run(demo_people, tmp_path):
    generate_applications(count=300, today=TODAY, open_only=True, seed=16)
    before = _state()
    try:  # the expected end state: one clean run, rolled back again
        with transaction.atomic():
            applications_sweep_warnings(today=TODAY)
            expected = _state()
            raise _Rollback
    except _Rollback:
        pass
    assert _state() == before
    assert expected["levels"] != before["levels"], "the data set must give the sweep something to change"

    queue = f"test-redeliver-{uuid.uuid4().hex[:8]}"
    # Hold the 容缺-materials table: the sweep blocks there after it has already inserted the
    # notifications and updated the levels, so the kill lands in the middle of its transaction.
    blocker = psycopg2.connect(**_dsn())
    # pg_stat_activity is a snapshot per transaction: watch from a second, autocommit session.
    watcher = psycopg2.connect(**_dsn())
    watcher.autocommit = True
    first_log, second_log = tmp_path / "worker1.log", tmp_path / "worker2.log"
    first = _worker(queue, "first", tmp_path, first_log)
    second = None
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE approvals_applicationmaterial IN ACCESS EXCLUSIVE MODE")
        sweep_warnings.apply_async(kwargs={"today": TODAY.isoformat()}, queue=queue)

        def sweep_is_blocked() -> bool:
            assert first.poll() is None, first_log.read_text()
            with watcher.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query ILIKE %s",
                    ["%approvals_applicationmaterial%"],
                )
                return cursor.fetchone()[0] > 0

        # Generous: a worker starts in seconds, but this machine is shared and often loaded.
        _wait(sweep_is_blocked, 240, "the first worker to reach the middle of the sweep", first_log)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = time.monotonic()
        blocker.rollback()  # release the table: the dead worker's transaction now aborts
        assert _state() == before, "the killed run must leave nothing behind"

        second = _worker(queue, "second", tmp_path, second_log)
        _wait(
            lambda: AuditLog.objects.filter(action="application.sweep_warnings").exists(),
            VISIBILITY_TIMEOUT + RESTORE_INTERVAL + 120,  # + worker start-up on a loaded machine
            "the redelivered sweep",
            second_log,
        )
        redelivered_after = time.monotonic() - killed_at
    finally:
        blocker.close()
        watcher.close()
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)
    assert "approvals.sweep_warnings" in second_log.read_text()
    assert _state() == expected
    # Idempotent: a further run changes nothing.
    again = applications_sweep_warnings(today=TODAY)
    assert again.changed == 0 and again.notifications == 0 and again.promise_reminders == 0
    print(f"redelivered {redelivered_after:.1f}s after the kill (visibility timeout {VISIBILITY_TIMEOUT}s)")

"""The calendar check task: its rules, its schedule in the database, and a real worker."""

import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from hall.models import CalendarYear, Notification, User
from hall.services.calendar import calendar_check_next_year
from hall.tasks import check_next_year_calendar

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_daily_check_is_scheduled_in_the_database():
    task = PeriodicTask.objects.get(task="hall.check_next_year_calendar")
    assert task.enabled
    assert task.crontab.hour == "8"
    assert str(task.crontab.timezone) == "Asia/Shanghai"


@pytest.mark.django_db
def test_before_november_a_missing_year_warns_nobody(demo_people):
    assert calendar_check_next_year(today=date(2026, 10, 31)) == "2027 missing, not yet due"
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_from_november_administrators_are_warned_once(demo_people):
    admins = set(User.objects.filter(role=User.Role.ADMIN).values_list("pk", flat=True))
    assert len(admins) == 2  # the demo county's and the fixture's
    assert calendar_check_next_year(today=date(2026, 11, 1)) == "2027 missing, warned 2 administrators"
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == admins
    notice = Notification.objects.first()
    assert notice.title == "2027 年工作日历尚未载入"
    # Running it again (beat fires daily) notifies nobody twice.
    assert calendar_check_next_year(today=date(2026, 11, 2)) == "2027 missing, warned 0 administrators"
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_once_next_year_is_loaded_the_check_is_quiet(demo_people):
    CalendarYear.objects.create(year=2027, source=CalendarYear.Source.IMPORT)
    assert calendar_check_next_year(today=date(2026, 12, 1)) == "2027 loaded"
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_year_the_package_knows_is_loaded_instead_of_warned(demo_people):
    CalendarYear.objects.filter(year=2026).delete()
    assert calendar_check_next_year(today=date(2025, 11, 20)) == "2026 loaded from chinesecalendar"
    assert CalendarYear.objects.filter(year=2026, source="chinesecalendar").exists()
    assert not Notification.objects.exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_check_through_redis(demo_people, tmp_path):
    """End to end: the task goes through Redis to a separate worker process, which writes to
    the test database."""
    database = settings.DATABASES["default"]
    database_url = (
        f"postgres://{database['USER']}:{database.get('PASSWORD') or ''}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    queue = f"test-{uuid.uuid4().hex[:8]}"  # our own queue: no other worker can take the task
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "hall.settings",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as log_file:
        worker = subprocess.Popen(
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
                "--loglevel=INFO",
                "--hostname",
                f"{queue}@%h",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            check_next_year_calendar.apply_async(kwargs={"today": "2026-11-21"}, queue=queue)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not Notification.objects.exists():
                assert worker.poll() is None, log.read_text()
                time.sleep(0.3)
        finally:
            worker.terminate()
            worker.wait(timeout=20)
    notices = list(Notification.objects.all())
    assert notices, f"the worker did not run the task; its log:\n{log.read_text()}"
    assert {n.recipient.role for n in notices} == {"admin"}
    assert "hall.check_next_year_calendar" in log.read_text()

"""Benchmark of the deadline sweep (时限预警扫描) over 200,000 open applications, on PostgreSQL.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_warning_sweep.py [--applications 200000]
        [--overdue 2000]

Generates open applications with ``approvals.load`` (bulk), runs the sweep, prints the elapsed
seconds and the number of SQL queries, then runs it again to show idempotence (0 notifications).
With ``--overdue N``, N of them are first turned back into online submissions left unanswered past
their 5-working-day answer deadline (art. 32), so the first run also deems N accepted (视为受理)
and the second deems none. Load rows are removed at the end unless ``--keep``; the SMS delivery
tasks the run enqueued are purged from the broker (use a scratch broker database).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from approvals.load import delete_load_data, ensure_load_catalog, generate_applications  # noqa: E402
from approvals.models import Application, DepartmentHead, SmsMessage  # noqa: E402
from approvals.services.prereview import answer_deadline_for  # noqa: E402
from approvals.services.sweep import applications_sweep_warnings  # noqa: E402
from hall.celery import app as celery_app  # noqa: E402
from hall.demo import seed_demo  # noqa: E402
from hall.models import Notification, User  # noqa: E402
from hall.workdays import current_calendar  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the load rows afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse kept load rows (levels are reset first)")
    parser.add_argument("--verbose", action="store_true", help="print each query with its time")
    parser.add_argument("--overdue", type=int, default=0, help="unanswered submissions past their answer deadline")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2

    seed_demo()
    ctx = ensure_load_catalog()
    # Every department of the load matters gets a head, so the sweep has someone to notify.
    approver = User.objects.filter(role=User.Role.APPROVER).first()
    for department_id in {v.department_id for v in ctx.versions}:
        DepartmentHead.objects.get_or_create(department_id=department_id, user=approver)

    if args.reuse and Application.objects.filter(is_load_data=True).exists():
        Notification.objects.filter(dedupe_key__startswith="warn-").delete()
        Application.objects.filter(is_load_data=True).update(warning_level="none", warned_level="none")
        print(f"reusing {Application.objects.filter(is_load_data=True).count()} load rows, levels reset")
    else:
        removed = delete_load_data()
        if removed:
            print(f"removed {removed} old load rows")
        started = time.perf_counter()
        generate_applications(count=args.applications, open_only=True, seed=2026)
        print(f"generated {args.applications} open applications in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        # As a table looks after routine autovacuum: pages keep the migration's fillfactor free.
        cursor.execute("VACUUM (FULL, ANALYZE) approvals_application")

    today = timezone.localdate()
    calendar = current_calendar()
    if args.overdue:
        received = today - timedelta(days=30)
        ids = list(
            Application.objects.filter(is_load_data=True, status__in=["accepted", "under_review"])
            .order_by("pk")
            .values_list("pk", flat=True)[: args.overdue]
        )
        Application.objects.filter(pk__in=ids).update(
            status="submitted",
            clock_state="not_started",
            accepted_on=None,
            accepted_at=None,
            promised_deadline=None,
            legal_deadline=None,
            warning_level="none",
            warned_level="none",
            received_on=received,
            answer_deadline=answer_deadline_for(received, calendar=calendar),
        )
        print(f"{len(ids)} applications made unanswered since {received} (answer deadline passed)")
    running = Application.objects.filter(clock_state="running").count()
    notifications_before = Notification.objects.count()
    last_notification_id = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0

    for label in ("first run", "second run"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = applications_sweep_warnings(today=today, calendar=calendar)
            elapsed = time.perf_counter() - started
        print(f"{label}: {elapsed:.2f} s, {len(queries)} queries, running clocks {running}: {result}")
        if args.verbose:
            for query in queries.captured_queries:
                print(f"    {float(query['time']):7.3f} s  {query['sql'][:110]}")

    levels = dict(
        Application.objects.filter(clock_state="running")
        .order_by()
        .values_list("warning_level")
        .annotate(n=Count("id"))
    )
    print(
        f"levels now: {levels}; notifications created in total: {Notification.objects.count() - notifications_before}"
    )

    if not args.keep:
        delete_load_data()
        Notification.objects.filter(id__gt=last_notification_id, dedupe_key__startswith="warn-").delete()
    SmsMessage.objects.filter(application__isnull=True, dedupe_key__startswith="deemed-accepted-").delete()
    print(f"purged {celery_app.control.purge()} queued SMS delivery tasks from the broker")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark of evaluations (好差评) on PostgreSQL: rollup rebuild over a large year, the supervisor
page for that year, and the 差评 sweep over the open cases.

    DATABASE_URL=postgres://…/scratch CELERY_BROKER_URL=redis://…/N \
        .venv/bin/python bench/bench_evaluations.py [--evaluations 2500000] [--open-cases 50000] [--keep] [--reuse]

Generates, with a few INSERT … SELECT generate_series statements, ``--evaluations`` completed
applications (cloned from one load application, spread over the year, the load matters and
departments) and one evaluation each (一事一评; realistic levels, channels, windows and staff,
about 3 % 差评), and a 差评 case for every 差评: ``--open-cases`` of them open and overdue or due
today (核实中 / 整改中), the rest closed. Then prints:

1. ``rebuild_evaluation_rollups`` for the whole year, twice (seconds, rows; the table is identical);
2. the supervisor's 好差评 page for the whole year: p50/p95 over 30 requests and its query count;
3. the 差评 sweep: seconds and queries, then a second run (0 notifications).

Rows carry the number prefix ``BE`` / ``is_load_data`` and are removed at the end unless ``--keep``.
Use a scratch database: the run writes millions of rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from approvals.load import ensure_load_catalog, generate_applications  # noqa: E402
from approvals.models import Application  # noqa: E402
from evaluations.rollups import rollups_rebuild  # noqa: E402
from evaluations.sweep import cases_sweep  # noqa: E402
from hall.demo import seed_demo  # noqa: E402
from hall.models import User, Window  # noqa: E402

PREFIX = "BE"


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - started:.2f} s  (load {loadavg()})")
    return result


def cleanup() -> None:
    with connection.cursor() as c:
        c.execute(
            "DELETE FROM evaluations_badreviewcase WHERE evaluation_id IN "
            "(SELECT e.id FROM evaluations_evaluation e JOIN approvals_application a ON a.id = e.application_id "
            "WHERE a.number LIKE %s)",
            [PREFIX + "%"],
        )
        c.execute(
            "DELETE FROM evaluations_evaluation WHERE application_id IN "
            "(SELECT id FROM approvals_application WHERE number LIKE %s)",
            [PREFIX + "%"],
        )
        c.execute("DELETE FROM approvals_application WHERE number LIKE %s", [PREFIX + "%"])
        c.execute("DELETE FROM hall_notification WHERE dedupe_key LIKE 'evalcase-%%'")


def generate(count: int, open_cases: int, year: int, today: date) -> None:
    ctx = ensure_load_catalog()
    if not Application.objects.filter(is_load_data=True, completed_at__isnull=False).exists():
        generate_applications(count=50, seed=1)
    template = Application.objects.filter(is_load_data=True, completed_at__isnull=False).first()
    versions = [(v.pk, v.department_id) for v in ctx.versions]
    windows = list(Window.objects.order_by("pk").values_list("pk", flat=True))
    staff = list(User.objects.filter(role__in=["clerk", "approver"]).order_by("pk").values_list("pk", flat=True))
    fields = [f for f in Application._meta.concrete_fields if f.attname != "id"]
    days = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    overrides = {
        "number": f"'{PREFIX}' || lpad(g::text, 12, '0')",
        "matter_version_id": f"(ARRAY{[v for v, _ in versions]})[1 + g %% {len(versions)}]",
        "department_id": f"(ARRAY{[d for _, d in versions]})[1 + g %% {len(versions)}]",
        "completed_on": f"DATE '{year}-01-01' + (g %% {days})",
        "completed_at": f"TIMESTAMPTZ '{year}-01-01 10:00:00+08' + ((g %% {days}) || ' days')::interval",
        "applicant_user_id": "NULL",
        "is_load_data": "TRUE",
    }
    columns = ", ".join(f'"{f.column}"' for f in fields)
    select = ", ".join(overrides.get(f.attname, f't."{f.column}"') for f in fields)
    bad_share = max(0.03, min(0.5, open_cases * 1.3 / max(count, 1)))
    good_cut = 0.74 * (1 - bad_share) / 0.97
    satisfied_cut = good_cut + 0.18 * (1 - bad_share) / 0.97
    basic_cut = 1 - bad_share
    with connection.cursor() as c:
        c.execute("SELECT setseed(0.2026)")
        c.execute(
            f"INSERT INTO approvals_application ({columns}) "  # noqa: S608 (constant SQL built from model metadata)
            f"SELECT {select} FROM approvals_application t, generate_series(1, %s) g WHERE t.id = %s",
            [count, template.pk],
        )
        c.execute(
            f"""
            INSERT INTO evaluations_evaluation (subject, application_id, site_id, department_id, window_id, staff_id,
                matter_id, matter_name, channel, evaluator_type, evaluator_name, evaluator_phone, level, scores, text,
                is_public, is_follow_up, external_id, rated_at, rated_on, is_load_data)
            SELECT 'application', a.id, a.site_id, a.department_id,
                   (ARRAY{windows})[1 + (a.id %% {len(staff)}) %% {len(windows)}],
                   (ARRAY{staff})[1 + a.id %% {len(staff)}],
                   v.matter_id, '',
                   (ARRAY['evaluator', 'evaluator', 'evaluator', 'qr', 'sms', 'sms', 'mobile', 'pc', 'phone'])
                       [1 + (a.id / 3) %% 9],
                   CASE WHEN r < 0.4 THEN 'natural' ELSE 'anonymous' END, '',
                   CASE WHEN r < 0.55 THEN '13900000000' ELSE '' END,
                   CASE WHEN r2 < {good_cut} THEN 'very_satisfied' WHEN r2 < {satisfied_cut} THEN 'satisfied'
                        WHEN r2 < {basic_cut} THEN 'basically_satisfied'
                        WHEN r2 < {basic_cut} + {bad_share} * 0.66 THEN 'dissatisfied' ELSE 'very_dissatisfied' END,
                   '{{}}', '', TRUE, FALSE, '', a.completed_at, a.completed_on, TRUE
            FROM (SELECT a.*, random() AS r, random() AS r2 FROM approvals_application a WHERE a.number LIKE %s) a
            JOIN catalog_matterversion v ON v.id = a.matter_version_id
            """,  # noqa: S608
            [PREFIX + "%"],
        )
        # One case per 差评: the first ``open_cases`` open (half 核实中 overdue, half 整改中 due today).
        c.execute(
            """
            INSERT INTO evaluations_badreviewcase (evaluation_id, department_id, site_id, status, due_on,
                warning_level, warned_level, verification, verification_note, called_back_at, callback_note,
                rectification_note, rectified_at, appeal_note, closed_at, created_at, updated_at)
            SELECT e.id, e.department_id, e.site_id,
                   CASE WHEN n <= %(open)s AND n %% 2 = 0 THEN 'verifying'
                        WHEN n <= %(open)s THEN 'rectifying' ELSE 'closed' END,
                   CASE WHEN n <= %(open)s AND n %% 2 = 0 THEN %(today)s::date - 1
                        WHEN n <= %(open)s THEN %(today)s::date ELSE NULL END,
                   'none', 'none',
                   CASE WHEN n <= %(open)s AND n %% 2 = 0 THEN '' ELSE 'true' END, '',
                   CASE WHEN n > %(open)s AND (e.evaluator_type <> 'anonymous' OR e.evaluator_phone <> '')
                        THEN e.rated_at + interval '3 hours' END, '',
                   '', CASE WHEN n > %(open)s THEN e.rated_at + interval '5 days' END, '',
                   CASE WHEN n > %(open)s THEN e.rated_at + interval '6 days' END, e.rated_at, now()
            FROM (SELECT e.*, row_number() OVER (ORDER BY e.id) AS n FROM evaluations_evaluation e
                  JOIN approvals_application a ON a.id = e.application_id
                  WHERE a.number LIKE %(prefix)s AND e.level IN ('dissatisfied', 'very_dissatisfied')) e
            """,
            {"open": open_cases, "today": today, "prefix": PREFIX + "%"},
        )
    vacuum()


def vacuum() -> None:
    """VACUUM (ANALYZE) the bench's tables, as autovacuum would after such a bulk write (it is off on
    the dev server). Without it the dead index entries left by earlier runs' DELETE/UPDATE make the
    planner's index-endpoint probes (get_actual_variable_range) cost 20-40 ms per joined query."""
    with connection.cursor() as c:
        for table in (
            "approvals_application",
            "evaluations_evaluation",
            "evaluations_badreviewcase",
            "hall_notification",
        ):
            c.execute(f"VACUUM (ANALYZE) {table}")


def rollup_checksum() -> tuple:
    with connection.cursor() as c:
        c.execute(
            "SELECT count(*), sum(total), sum(bad), sum(confirmed), sum(rectified), sum(called_back), "
            "md5(string_agg(concat_ws(',', day, site_id, department_id, window_id, staff_id, matter_id, channel, "
            "total, bad, rectified), ';' "
            "ORDER BY day, site_id, department_id, window_id, staff_id, matter_id, channel)) "
            "FROM evaluations_evaluationrollup"
        )
        return tuple(c.fetchone())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--evaluations", type=int, default=2_500_000)
    parser.add_argument("--open-cases", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated rows afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse kept rows (case levels are reset first)")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    settings.ALLOWED_HOSTS = ["*"]
    today = timezone.localdate()
    year = today.year
    seed_demo()
    print(f"load average at start: {loadavg()}")
    existing = Application.objects.filter(number__startswith=PREFIX).count()
    if args.reuse and existing:
        print(f"reusing {existing} generated applications")
        with connection.cursor() as c:
            c.execute("UPDATE evaluations_badreviewcase SET warning_level = 'none', warned_level = 'none'")
            c.execute("DELETE FROM hall_notification WHERE dedupe_key LIKE 'evalcase-%%'")
        timed("vacuum (analyze) of the reused tables", vacuum)
    else:
        cleanup()
        timed(
            f"generated {args.evaluations} applications + evaluations",
            lambda: generate(args.evaluations, args.open_cases, year, today),
        )
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM evaluations_evaluation")
        evaluations = c.fetchone()[0]
        c.execute("SELECT count(*) FROM evaluations_badreviewcase WHERE status <> 'closed'")
        open_cases = c.fetchone()[0]
    print(f"rows: {evaluations} evaluations, {open_cases} open 差评 cases")

    start, end = date(year, 1, 1), date(year, 12, 31)
    first = timed("rollup rebuild (whole year) #1", lambda: rollups_rebuild(start=start, end=end))
    check = rollup_checksum()
    second = timed("rollup rebuild (whole year) #2", lambda: rollups_rebuild(start=start, end=end))
    print(
        f"  rollup rows: {first.evaluation_rows} then {second.evaluation_rows}; "
        f"completion rows {second.completion_rows}"
    )
    print(f"  same table after the second rebuild: {check == rollup_checksum()} {check}")

    client = Client()
    client.force_login(User.objects.filter(role=User.Role.SUPERVISOR).first())
    url = f"/evaluations/?start={start}&end={end}"
    for _ in range(3):
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    samples.sort()
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(
        f"supervisor page, whole year: p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, "
        f"{len(queries)} queries  (load {loadavg()})"
    )

    with CaptureQueriesContext(connection) as queries:
        result = timed("差评 sweep #1", lambda: cases_sweep(today=today + timedelta(days=0)))
    print(f"  {result}; {len(queries)} queries")
    with CaptureQueriesContext(connection) as queries:
        again = timed("差评 sweep #2", lambda: cases_sweep(today=today))
    print(f"  {again}; {len(queries)} queries")

    if not args.keep:
        timed("cleanup", cleanup)
        rollups_rebuild(start=start, end=end)
    print(f"load average at end: {loadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

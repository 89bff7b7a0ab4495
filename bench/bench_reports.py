"""Benchmark of reports (统计报表): rollup rebuild, annual export from rollups, dashboards p95.

    createdb -h 127.0.0.1 -U postgres hall_bench_reports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hall_bench_reports CELERY_BROKER_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python bench/bench_reports.py [--applications 1300000] [--tickets 1000000] \\
        [--history-years 9] [--history-applications 300000] [--requests 40] [--reuse]

Use a scratch database: it migrates it, loads the demo bureau, generates one year (the current year)
of applications and tickets with ``approvals.load`` / ``reports.load`` (bulk) plus ``--history-years``
earlier years of applications for the dashboards' ten-year county, then prints:
- the time to rebuild the current year's rollups from the raw rows (target ≤ 60 s at 1.3 M);
- the time and peak memory (RSS of a child process) of ``manage.py export_annual`` (≤ 10 s, ≤ 300 MB);
- p50/p95 and SQL query count of /dashboard/ and /leader/ (≤ 100 ms, constant queries), measured
  with the whole cache cleared before every request after the warming task wrote the dashboards'
  snapshots (what a screen opened after a rollup run costs: the live hall and one snapshot row),
  then with the cache warm (what the one-minute auto-refresh mostly costs), then with no snapshot
  (every figure computed from the rollups: the first screen after a rollup run the warming task has
  not reached yet), and of /api/v1/reports/metrics/ (every figure of the year, no cache);
- beside each, the p95 of /healthz (one query, no template) measured in the same round, and the
  load average: the machine is shared, so compare a page with its reference, not across runs.

Against a database that already holds a year (e.g. a copy of the county or district data):

    .venv/bin/python bench/bench_reports.py --reuse --skip-rebuild --rounds 2 [--year 2026]

``--reuse`` keeps the rows already there (generates only into an empty database), ``--skip-rebuild``
measures the current rollups as they are, ``--rounds`` repeats the export and the pages.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
os.environ.setdefault("DEBUG", "false")  # no query log eating memory and time

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from approvals.load import generate_applications  # noqa: E402
from approvals.models import Application  # noqa: E402
from hall.demo import seed_demo  # noqa: E402
from hall.models import User  # noqa: E402
from hall.queue.models import Ticket  # noqa: E402
from reports.load import generate_tickets  # noqa: E402
from reports.models import ApplicationDailyRollup, DashboardSnapshot, QueueDailyRollup  # noqa: E402
from reports.rollups import rollups_rebuild  # noqa: E402
from reports.selectors import dashboards_warm  # noqa: E402


def _load() -> str:
    return Path("/proc/loadavg").read_text().strip()


def _measure(
    client: Client, url: str, requests: int, *, cold: bool = True, no_snapshot: bool = False
) -> tuple[float, float, int]:
    times, queries = [], set()
    for _ in range(requests):
        if no_snapshot:
            DashboardSnapshot.objects.all().delete()
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, secure=True)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(captured.captured_queries))
    times = sorted(times[1:] if len(times) > 1 else times)  # the first warm request fills the cache
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    return statistics.median(times), p95, max(queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=1_300_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--history-years", type=int, default=9)
    parser.add_argument("--history-applications", type=int, default=300_000, help="per earlier year")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="keep the rows already generated")
    parser.add_argument("--dashboards-only", action="store_true", help="skip the rebuild and the export")
    parser.add_argument("--skip-rebuild", action="store_true", help="measure the current rollups as they are")
    parser.add_argument("--rounds", type=int, default=2, help="how many times to measure the export and pages")
    parser.add_argument("--year", type=int, default=None, help="the year exported (default: the current year)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)
    seed_demo()
    today = timezone.localdate()
    year = args.year or today.year
    print(f"load average at start: {_load()}")
    if not args.reuse or not Application.objects.exists():
        started = time.perf_counter()
        for offset in range(args.history_years, 0, -1):
            generate_applications(count=args.history_applications, today=date(year - offset, 12, 31), seed=offset)
        generate_applications(count=args.applications, today=today, seed=2026)
        generate_tickets(count=args.tickets, year=year, today=today, seed=2026)
        print(f"generated in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE approvals_application")
            cursor.execute("VACUUM ANALYZE queue_ticket")
    this_year = Application.objects.filter(received_on__year=year).count()
    total = Application.objects.count()
    tickets = Ticket.objects.filter(service_date__year=year).count()
    print(f"data: {total} applications ({this_year} in {year}), {tickets} tickets in {year}")

    # The test client's host and unhashed static files, whatever DEBUG says.
    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if args.dashboards_only or args.skip_rebuild:
        return _rounds(args, year, export=not args.dashboards_only)
    if args.history_years:
        started = time.perf_counter()
        rollups_rebuild(first_day=date(year - args.history_years, 1, 1), last_day=date(year - 1, 12, 31))
        print(f"history rollups rebuilt in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    run = rollups_rebuild(first_day=date(year, 1, 1), last_day=date(year, 12, 31))
    rebuild = time.perf_counter() - started
    print(
        f"rollup rebuild of {year}: {rebuild:.1f} s ({run.application_rows} application rows, "
        f"{run.queue_rows} queue rows; rollup tables now {ApplicationDailyRollup.objects.count()} / "
        f"{QueueDailyRollup.objects.count()} rows)  load {_load()}"
    )
    return _rounds(args, year, export=True)


def _export(year: int) -> tuple[float, float, int]:
    """Seconds, peak RSS (MB) of the ``export_annual`` child process alone, and the file's size."""
    out = Path(tempfile.gettempdir()) / f"bench-annual-{os.getpid()}.xlsx"
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "export_annual", "--year", str(year), "--out", str(out)],
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"export_annual failed ({child.returncode})")
    size = out.stat().st_size
    out.unlink()
    return elapsed, usage.ru_maxrss / 1024, size


def _rounds(args, year: int, *, export: bool) -> int:
    for round_number in range(1, args.rounds + 1):
        print(f"--- round {round_number} of {args.rounds}  load {_load()}")
        if export:
            elapsed, peak_mb, size = _export(year)
            print(
                f"annual export {year}: {elapsed:.1f} s (target ≤ 10 s), peak RSS {peak_mb:.0f} MB "
                f"(target ≤ 300 MB), {size // 1024} KB  load {_load()}"
            )
        _dashboards(args, year)
    return 0


def _line(label: str, measured: tuple[float, float, int], reference: tuple[float, float, int]) -> str:
    median, p95, queries = measured
    return (
        f"{label:<38} p50 {median:6.1f} ms  p95 {p95:6.1f} ms  {queries:3d} queries   "
        f"| /healthz p95 {reference[1]:5.1f} ms  load {_load()}"
    )


def _dashboards(args, year: int) -> int:
    client = Client()
    client.force_login(User.objects.filter(role=User.Role.SUPERVISOR).first())
    reference = _measure(client, "/healthz", args.requests, cold=False)
    print(_line("/healthz (reference)", reference, reference))
    for url in ("/dashboard/", "/leader/"):
        if url == "/leader/":
            client.force_login(User.objects.filter(role=User.Role.LEADER).first())
        started = time.perf_counter()
        written = dashboards_warm()
        print(f"snapshots of both dashboards written: {written} in {(time.perf_counter() - started) * 1000:.0f} ms")
        print(_line(f"{url} (cache cleared)", _measure(client, url, args.requests), reference))
        print(_line(f"{url} (cache warm)", _measure(client, url, args.requests, cold=False), reference))
        no_snapshot = _measure(client, url, max(args.requests // 2, 5), no_snapshot=True)
        print(_line(f"{url} (no snapshot: computed)", no_snapshot, reference))
    api = f"/api/v1/reports/metrics/?period=year&year={year}"
    print(_line("/api/v1/reports/metrics/ (year)", _measure(client, api, args.requests), reference))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

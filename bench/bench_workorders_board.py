"""Benchmark of the dispatch board (派单台) and the figures (工单统计) over up to 1,000,000 work orders.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/bench_workorders_board.py [--orders 1000000] [--reuse]

Generates load work orders and front-desk records with ``evaluations.workorders.load`` (bulk,
a year of rows in realistic shares), rebuilds the daily rollups (工单日汇总) the figures read,
then times ``selectors.board`` and ``metrics.figures_for``
(a year, and one month) ``--runs`` times each, printing p50/p95 in milliseconds and the number of
SQL queries per call. Use a scratch database; ``--reuse`` keeps rows from an earlier run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from evaluations.workorders import selectors  # noqa: E402
from evaluations.workorders.load import delete_load_data, generate_workorders  # noqa: E402
from evaluations.workorders.metrics import figures_for  # noqa: E402
from evaluations.workorders.models import WorkOrder  # noqa: E402
from evaluations.workorders.rollups import rollup_rebuild  # noqa: E402
from hall.demo import seed_demo  # noqa: E402
from hall.metrics import Scope  # noqa: E402
from hall.models import User  # noqa: E402


def timed(label: str, call, runs: int) -> None:
    samples = []
    with CaptureQueriesContext(connection) as queries:
        call()
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    print(f"{label}: p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, {len(queries)} queries")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    seed_demo()
    existing = WorkOrder.objects.filter(is_load_data=True).count()
    if not args.reuse or existing < args.orders:
        if not args.reuse:
            delete_load_data()
            existing = 0
        started = time.perf_counter()
        generate_workorders(count=args.orders - existing, seed=2026, batch_size=10_000)
        print(f"generated {args.orders - existing} orders in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE workorders_workorder")
            cursor.execute("VACUUM ANALYZE workorders_frontdeskrecord")
    started = time.perf_counter()
    written = rollup_rebuild()
    print(f"rebuilt the daily rollups: {written} rows in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE workorders_workorderdayrollup")
        cursor.execute("VACUUM ANALYZE workorders_frontdeskdayrollup")
    total = WorkOrder.objects.count()
    active = WorkOrder.objects.exclude(status="closed").count()
    print(f"work orders: {total} ({active} not closed)")
    supervisor = User.objects.filter(role=User.Role.SUPERVISOR).first()
    if supervisor is None:
        print("no supervisor in the database (seed_demo creates the demo people)", file=sys.stderr)
        return 2
    today = timezone.localdate()
    year = Scope(start=today - timedelta(days=364), end=today)
    month = Scope(start=today - timedelta(days=30), end=today)
    timed("dispatch board", lambda: selectors.board(supervisor), args.runs)
    timed("figures, one year", lambda: figures_for(year), args.runs)
    timed("figures, one month", lambda: figures_for(month), args.runs)
    with open("/proc/loadavg") as handle:
        print("loadavg:", handle.read().strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark of the full-year rollup rebuild (汇总重建): every rollup, timed per part, against a reference.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a copy of a loaded database> \\
        .venv/bin/python bench/bench_rollups.py [--year 2026] [--runs 2]

Run it on a database that already holds a year of raw rows (``manage.py generate_load``, or a copy
made with ``createdb -T``); it writes only the rollup tables. Each run rebuilds the whole year of
the reports' rollups (办件/排队日汇总, 办件月汇总), the evaluations' (好差评/办结日汇总, 好差评月汇总)
and the work orders' (工单/前台登记日汇总), exactly as ``manage.py rebuild_rollups --year Y --all``,
and prints each part's time, the total, /proc/loadavg, and the ratio of the total to a reference
measured in the same run: ``SELECT count(*)`` over the applications, evaluations and tickets (one
sequential pass each), so that runs on a busy machine can be compared. Before the runs it analyses
the raw tables, and before each run it vacuums the rollup tables (untimed; ``--no-vacuum`` skips it).
Target (issue 13): ≤ 60 s for 1.3 M applications, 2.5 M evaluations and 1 M tickets.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
os.environ.setdefault("DEBUG", "false")  # no query log eating memory and time
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django  # noqa: E402

django.setup()

from datetime import date  # noqa: E402

from django.db import connection  # noqa: E402

from evaluations.rollups import rollups_rebuild as evaluation_rollups_rebuild  # noqa: E402
from evaluations.workorders.rollups import rollup_rebuild as workorder_rollups_rebuild  # noqa: E402
from reports.rollups import rollups_rebuild  # noqa: E402

RAW_TABLES = ("approvals_application", "evaluations_evaluation", "queue_ticket")
OTHER_TABLES = (
    "approvals_clockpause",
    "approvals_clockextension",
    "queue_calllog",
    "evaluations_badreviewcase",
    "workorders_workorder",
    "workorders_workorderevent",
    "workorders_frontdeskrecord",
)
ROLLUP_TABLES = (
    "reports_applicationdailyrollup",
    "reports_applicationmonthlyrollup",
    "reports_queuedailyrollup",
    "reports_queuemonthlyrollup",
    "evaluations_evaluationrollup",
    "evaluations_evaluationmonthlyrollup",
    "evaluations_completionrollup",
    "workorders_workorderdayrollup",
    "workorders_frontdeskdayrollup",
)


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _counts(tables) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (constant table names)
            counts[table] = cursor.fetchone()[0]
    return counts


def _vacuum(tables, *, analyze: bool) -> None:
    """Untimed house-keeping: a fresh copy of a database has no planner statistics, and a previous
    rebuild leaves its deleted rows behind when autovacuum is off (as on the bench machine)."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {'ANALYZE' if analyze else ''} {', '.join(tables)}")


def _busiest_year() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXTRACT(YEAR FROM received_on) AS y FROM approvals_application GROUP BY 1 ORDER BY count(*) DESC"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else date.today().year


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--year", type=int, default=None, help="default: the year with the most applications")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-vacuum", action="store_true", help="skip the untimed VACUUM (ANALYZE) before each run")
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        print("needs PostgreSQL: set DATABASE_URL=postgres://…")
        return 2
    year = options.year or _busiest_year()
    first, last = date(year, 1, 1), date(year, 12, 31)
    print(f"database {connection.settings_dict['NAME']}, year {year}")
    print("rows:", ", ".join(f"{t}={n:,}" for t, n in _counts(RAW_TABLES + OTHER_TABLES).items()))
    if not options.no_vacuum:
        _vacuum(RAW_TABLES + OTHER_TABLES, analyze=True)
    for run in range(1, options.runs + 1):
        if not options.no_vacuum:
            _vacuum(ROLLUP_TABLES, analyze=False)
        load_before = _load()
        reference, _ = _timed(lambda: _counts(RAW_TABLES))
        reports, report_run = _timed(lambda: rollups_rebuild(first_day=first, last_day=last, trigger="bench"))
        evaluations, evaluation_result = _timed(lambda: evaluation_rollups_rebuild(start=first, end=last))
        workorders, workorder_rows = _timed(lambda: workorder_rollups_rebuild(start=first, end=last))
        total = reports + evaluations + workorders
        print(
            f"run {run}: reports {reports:.2f}s ({report_run.application_rows:,} application + "
            f"{report_run.queue_rows:,} queue rows), evaluations {evaluations:.2f}s ({evaluation_result}), "
            f"work orders {workorders:.2f}s ({workorder_rows:,} rows)"
        )
        print(
            f"run {run}: total {total:.2f}s, reference count(*) {reference:.3f}s, ratio {total / reference:.1f}x, "
            f"loadavg before {load_before}, after {_load()}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

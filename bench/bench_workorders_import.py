"""Benchmark of the 12345 hotline import (热线工单导入): a 100,000-row CSV (or xlsx), on PostgreSQL.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/bench_workorders_import.py [--rows 100000] [--xlsx]

Writes a sample export of ``--rows`` rows to a temporary file, runs the import (both passes:
checking every row, then inserting all in one transaction), prints the elapsed seconds, the
rows per second and the peak memory (RSS high-water mark, and Python allocations through
tracemalloc) and runs the same file again to show idempotence (0 created). Use a scratch
database: the imported rows are removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402

from evaluations.workorders.importer import COLUMNS, hotline_import_create, hotline_import_run  # noqa: E402
from evaluations.workorders.models import HotlineImport, WorkOrder  # noqa: E402
from hall.demo import seed_demo  # noqa: E402
from hall.models import User  # noqa: E402

KINDS = ["咨询", "求助", "投诉", "举报", "建议", "表扬"]


def _row(n: int) -> list[str]:
    entity = n % 4 == 0
    return [
        f"BENCH{n:09d}",
        f"2026-{1 + n % 10:02d}-{1 + n % 27:02d} {9 + n % 8:02d}:{n % 60:02d}",
        KINDS[n % 6],
        "紧急" if n % 20 == 0 else "一般",
        f"诉求标题 {n}",
        "来电反映办事过程中遇到的问题，请相关部门核实处理。" * 2,
        "王先生",
        f"139{n % 100_000_000:08d}",
        "市场监管" if n % 3 == 0 else "",
        "是" if entity else "否",
        "清源县某某商贸有限公司" if entity else "",
        "91440300708461136T" if entity else "",
    ]


def write_sample(path: Path, rows: int, xlsx: bool) -> None:
    if xlsx:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(list(COLUMNS))
        for n in range(rows):
            sheet.append(_row(n))
        book.save(path)
        return
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(COLUMNS))
        for n in range(rows):
            writer.writerow(_row(n))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--trace", action="store_true", help="also trace Python allocations (slows the run ~2×)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    seed_demo()
    by = User.objects.filter(role=User.Role.SUPERVISOR).first() or User.objects.first()
    WorkOrder.objects.filter(hotline_number__startswith="BENCH").delete()
    suffix = ".xlsx" if args.xlsx else ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"bench{suffix}"
        started = time.perf_counter()
        write_sample(path, args.rows, args.xlsx)
        size = path.stat().st_size
        print(
            f"sample: {args.rows} rows, {size / 1024 / 1024:.1f} MB, written in {time.perf_counter() - started:.1f} s"
        )
        for label in ("first import", "same file again"):
            with open(path, "rb") as handle:
                upload = SimpleUploadedFile(path.name, handle.read())
            job = hotline_import_create(upload=upload, by=by)
            del upload
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            if args.trace:
                tracemalloc.start()
            started = time.perf_counter()
            outcome = hotline_import_run(import_id=job.pk)
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] if args.trace else 0
            tracemalloc.stop()
            job = HotlineImport.objects.get(pk=job.pk)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(
                f"{label}: {outcome} in {elapsed:.1f} s ({args.rows / elapsed:,.0f} rows/s); "
                f"created {job.created_count}, skipped {job.skipped_count}; "
                + (f"python peak {peak / 1024 / 1024:.1f} MB; " if args.trace else "")
                + f"RSS high-water {rss_before / 1024:.0f} → {rss / 1024:.0f} MB"
            )
    with open("/proc/loadavg") as handle:
        print("loadavg:", handle.read().strip())
    if not args.keep:
        WorkOrder.objects.filter(hotline_number__startswith="BENCH").delete()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

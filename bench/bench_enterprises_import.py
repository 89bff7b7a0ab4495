"""Benchmark of the 存量市场主体 xlsx import (streamed, all or nothing) on PostgreSQL.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/bench_enterprises_import.py [--rows 100000]

Writes a workbook of ``--rows`` valid entities (openpyxl write_only), imports it with
``entity_import_run`` and prints the seconds, rows per second and the peak RSS before and after
(memory stays flat: rows are read and written in batches of 2,000). Imported rows are removed
at the end unless ``--keep``. Run it on a scratch database.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

import django

django.setup()

from django.core.files import File  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from enterprises.load import _id_number  # noqa: E402
from enterprises.models import EntityImport, MarketEntity, RegistrationAct  # noqa: E402
from enterprises.rollup import rollup_rebuild  # noqa: E402
from enterprises.services import HEADERS, credit_code_build, entity_import_run  # noqa: E402
from hall.demo import seed_demo  # noqa: E402
from hall.models import Site, User  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_workbook(path: Path, rows: int, rng) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADERS)
    for i in range(rows):
        individual = i % 3 != 0
        ws.append(
            [
                credit_code_build(
                    entity_type="individual" if individual else "llc", division_code="139998", serial=i + 1
                ),
                f"清源县测试{i}{'商店' if individual else '有限公司'}",
                "个体工商户" if individual else "有限责任公司",
                "张三",
                _id_number(rng),
                0 if individual else 100,
                f"清源县人民路 {i % 300} 号",
                "F",
                f"{2015 + i % 11}-0{1 + i % 9}-1{i % 9}",
                "存续",
                None,
                "13800000000",
            ]
        )
    wb.save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--workbook", type=Path, default=None, help="reuse a workbook written by an earlier run")
    args = parser.parse_args()
    import random

    rng = random.Random(1)
    seed_demo()
    site = Site.objects.select_related("division").get(level=Site.Level.COUNTY)
    by = User.objects.get(username="supervisor01")
    path = args.workbook or Path(tempfile.mkdtemp()) / "entities.xlsx"
    started = time.perf_counter()
    if args.workbook is None:
        write_workbook(path, args.rows, rng)
    size = path.stat().st_size / 1e6
    print(f"workbook: {path} {size:.1f} MB, ready in {time.perf_counter() - started:.1f} s")
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")
    before = rss_mb()
    with path.open("rb") as handle:
        record = EntityImport.objects.create(
            file=File(handle, name="bench.xlsx"), original_name="bench.xlsx", uploaded_by=by
        )
    started = time.perf_counter()
    record = entity_import_run(entity_import=record, site=site, by=by)
    elapsed = time.perf_counter() - started
    print(
        f"import: state={record.state} rows={record.imported_rows} in {elapsed:.1f} s "
        f"({record.imported_rows / elapsed:,.0f} rows/s); peak RSS {before:.0f} MB → {rss_mb():.0f} MB"
    )
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")
    if not args.keep:
        ids = MarketEntity.objects.filter(credit_code__contains="139998")
        RegistrationAct.objects.filter(entity__in=ids).delete()
        ids.delete()
        rollup_rebuild()
    return 0 if record.state == "done" else 1


if __name__ == "__main__":
    sys.exit(main())

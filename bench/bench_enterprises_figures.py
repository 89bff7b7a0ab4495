"""Benchmark of the 市场主体 figures (stock by type, new registrations, year-on-year growth) on PostgreSQL.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/bench_enterprises_figures.py [--entities 300000 --years 10]

Generates ``--entities`` load entities over ``--years`` years with ``enterprises.load`` (bulk),
rebuilds the daily rollup the figures read (``EntityFlow``), then computes the figures for each
year's scope ``--repeat`` times and prints p50/p95 in ms.
Load rows are removed at the end unless ``--keep``. Run it on a scratch database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from enterprises import metrics  # noqa: E402
from enterprises.load import delete_load_data, generate_entities  # noqa: E402
from enterprises.models import MarketEntity  # noqa: E402
from enterprises.rollup import rollup_rebuild  # noqa: E402
from hall.demo import seed_demo  # noqa: E402
from hall.metrics import Scope  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=300_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    seed_demo()
    today = date(2026, 11, 30)
    have = MarketEntity.objects.filter(is_load_data=True).count()
    if have < args.entities:
        started = time.perf_counter()
        generate_entities(count=args.entities - have, years=args.years, today=today, seed=3, batch_size=10_000)
        print(f"generated {args.entities - have} entities in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    rows = rollup_rebuild()
    print(f"rollup rebuilt: {rows} day×type rows in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE enterprises_marketentity")
        cursor.execute("ANALYZE enterprises_entityflow")
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")
    stock = metrics.METRICS_BY_CODE["entities_stock"]
    new = metrics.METRICS_BY_CODE["entities_new"]
    timings = []
    for _ in range(args.repeat):
        for year in range(today.year - args.years + 2, today.year + 1):
            scope = Scope(start=date(year, 1, 1), end=min(date(year, 12, 31), today))
            started = time.perf_counter()
            stock.value(scope)
            stock.breakdown(scope, "entity_type")
            new.breakdown(scope, "entity_type")
            metrics.growth(scope)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"figures (stock + stock by type + new by type + growth) over {MarketEntity.objects.count()} entities: "
        f"n={len(timings)} p50={statistics.median(timings):.1f} ms p95={p95:.1f} ms max={timings[-1]:.1f} ms"
    )
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")
    if not args.keep:
        delete_load_data()
    return 0


if __name__ == "__main__":
    sys.exit(main())

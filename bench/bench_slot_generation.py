"""Benchmark of appointment-slot generation from the weekly opening rules (预约时段生成), on PostgreSQL.

Usage (the database is migrated first; generated rows belong to sites named 基准测试服务中心NNN and
are removed at the end unless --keep):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hall_bench .venv/bin/python bench/bench_slot_generation.py \
        [--lines 200] [--rules 4] [--days 14]

A county with many lines: ``--lines`` queue lines, each with ``--rules`` Monday–Friday time bands.
It times the hourly run of ``appointment_slots_generate`` the first time (every slot of the
horizon inserted) and again (nothing to do, the steady state of the hourly beat run), and prints
the slots created and the queries each run issued (a set-based run issues the same few queries
whatever the number of lines).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from hall.models import Division, Site, Zone  # noqa: E402
from hall.queue.models import AppointmentSlot, OpeningRule, QueueLine  # noqa: E402
from hall.queue.services import appointment_slots_generate  # noqa: E402

SITE = "基准测试服务中心"
PREFIXES = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def remove_generated() -> None:
    with transaction.atomic():
        lines = QueueLine.objects.filter(site__name__startswith=SITE)
        AppointmentSlot.objects.filter(line__in=lines).delete()
        OpeningRule.objects.filter(line__in=lines).delete()
        lines.delete()
        Zone.objects.filter(site__name__startswith=SITE).delete()
        Site.objects.filter(name__startswith=SITE).delete()


def generate(lines: int, rules: int) -> None:
    division = Division.objects.order_by("code").first() or Division.objects.create(
        code="999999", name="基准测试区划", level=Division.Level.COUNTY
    )
    with transaction.atomic():
        # A line's prefix is one letter, unique per site: 24 lines per generated site.
        zones = []
        for k in range((lines + len(PREFIXES) - 1) // len(PREFIXES)):
            site = Site.objects.create(name=f"{SITE}{k:03d}", level=Site.Level.TOWN, division=division)
            zones.append(Zone.objects.create(site=site, name="基准测试专区"))
        created = QueueLine.objects.bulk_create(
            QueueLine(
                site=zones[i // len(PREFIXES)].site,
                zone=zones[i // len(PREFIXES)],
                prefix=PREFIXES[i % len(PREFIXES)],
                name=f"基准测试队列{i}",
                opens_at=clock(8, 30),
                closes_at=clock(17, 30),
                daily_limit=300,
            )
            for i in range(lines)
        )
        OpeningRule.objects.bulk_create(
            OpeningRule(line=line, weekdays="12345", starts_at=clock(9 + r), ends_at=clock(10 + r), capacity=6)
            for line in created
            for r in range(rules)
        )


def timed_run(days: int) -> tuple[int, float, int]:
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        created = appointment_slots_generate(days=days)
        elapsed = (time.perf_counter() - began) * 1000
    return created, elapsed, len(queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--rules", type=int, default=4)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the generated lines and slots")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("refusing to run: set DATABASE_URL to a PostgreSQL database", file=sys.stderr)
        return 2
    if settings.DATABASES["default"]["NAME"] in {"hall", "postgres"} and not os.environ.get("BENCH_ALLOW_MAIN_DB"):
        print("refusing to write benchmark rows into the main database; use a scratch database", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)
    remove_generated()
    generate(args.lines, args.rules)
    print(f"lines: {args.lines}, rules per line: {args.rules}, horizon: {args.days} days")
    created, ms, queries = timed_run(args.days)
    print(f"first run:  {created} slots created in {ms:.0f} ms, {queries} queries")
    created, ms, queries = timed_run(args.days)
    print(f"second run: {created} slots created in {ms:.0f} ms, {queries} queries (hourly steady state)")
    if not args.keep:
        remove_generated()
    return 0


if __name__ == "__main__":
    sys.exit(main())

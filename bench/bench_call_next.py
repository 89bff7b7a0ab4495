"""Benchmark: call-next latency with 20 windows calling at once on PostgreSQL (target p95 < 30 ms).

Usage:  DATABASE_URL=postgres://user@host:5432/anydb .venv/bin/python bench/bench_call_next.py [--tickets 2000]

It creates a scratch database next to the one named in DATABASE_URL, migrates it, builds a site
with 20 windows serving one line and the waiting tickets (10 % priority, 1 % due appointments),
runs 20 threads that call next (and finish) until the line is empty, prints the latency of each
call-next and checks that no ticket was called twice. The scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))


def _admin_connection(url):
    import psycopg2

    parsed = urlparse(url)
    conn = psycopg2.connect(
        dbname="postgres",
        user=parsed.username,
        password=parsed.password,
        host=parsed.hostname,
        port=parsed.port or 5432,
    )
    conn.autocommit = True
    return conn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("拒绝运行：请用 DATABASE_URL=postgres://… 指向 PostgreSQL（SQLite 的写入是串行的，测不出并发）。")
        return 2
    scratch = f"hall_bench_call_next_{os.getpid()}"
    admin = _admin_connection(url)
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    parsed = urlparse(url)
    os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{scratch}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
    os.environ.setdefault("DB_CONN_MAX_AGE", "60")
    try:
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()


def run(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print("迁移临时数据库…", flush=True)
    call_command("migrate", verbosity=0)

    from hall.queue import services
    from hall.queue.models import CallLog, PriorityCategory, Ticket
    from hall.queue.tests.factories import QueueLineFactory, bulk_waiting_tickets, window_serving

    line = QueueLineFactory(prefix="A", priority_interleave=3, daily_limit=100000)
    windows = [window_serving(line, number=n) for n in range(1, args.windows + 1)]
    clerks = {w.pk: w.clerks.get() for w in windows}
    category = PriorityCategory.objects.get(code="elderly")
    priority = args.tickets // 10
    appointments = max(1, args.tickets // 100)
    bulk_waiting_tickets(
        line,
        normal=args.tickets - priority - appointments,
        priority=priority,
        appointments=appointments,
        category=category,
    )
    connection.close()
    print(f"{args.windows} 个窗口，{args.tickets} 个等候号，开始并发叫号…", flush=True)

    barrier = threading.Barrier(args.windows)
    latencies: list[float] = []
    called: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(window):
        mine, got = [], []
        try:
            barrier.wait()
            while True:
                started = time.perf_counter()
                ticket = services.ticket_call_next(window=window, by=clerks[window.pk])
                elapsed = (time.perf_counter() - started) * 1000
                if ticket is None:
                    break
                mine.append(elapsed)
                got.append(ticket.pk)
                services.ticket_finish(ticket=ticket, window=window, by=clerks[window.pk])
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            with lock:
                latencies.extend(mine)
                called.extend(got)
            from django.db import connection as thread_connection

            thread_connection.close()

    wall = time.perf_counter()
    threads = [threading.Thread(target=work, args=(w,)) for w in windows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - wall

    if errors:
        print(f"出错：{errors[0]!r}")
        return 1
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    duplicates = len(called) - len(set(called))
    logged = CallLog.objects.filter(action=CallLog.Action.CALL).count()
    left = Ticket.objects.filter(status=Ticket.Status.WAITING).count()
    print(f"叫号次数 count={len(called)}  剩余等候={left}  叫号记录={logged}  用时 {wall:.1f} s")
    print(f"call-next 延迟 ms: p50={p50:.1f}  p95={p95:.1f}  max={latencies[-1]:.1f}  (目标 p95 < 30)")
    print(f"重复叫号 duplicates={duplicates}")
    ok = duplicates == 0 and left == 0 and len(called) == args.tickets
    print("结果：通过" if ok and p95 < 30 else ("结果：无重复，但 p95 未达标" if ok else "结果：失败"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: call-next latency with 20 windows calling at once on PostgreSQL (target p95 < 30 ms).

Usage:  DATABASE_URL=postgres://user@host:5432/anydb .venv/bin/python bench/bench_call_next.py
            [--tickets 2000] [--windows 20] [--lines 5] [--threads] [--orm] [--scenario one-line|spread|both]

It creates a scratch database next to the one named in DATABASE_URL, migrates it and drops it at
the end (``--keep`` keeps it). Two scenarios, each starting from a full queue:

* ``one-line`` (worst case): one line, ``--windows`` windows serving it, ``--tickets`` waiting
  tickets (10 % priority, 1 % due appointments); every window calls next and finishes, back to
  back, until the line is empty.
* ``spread``: the same number of windows and tickets spread over ``--lines`` lines of the site
  (each window serves one line, round robin).

By default every window is a separate OS process with its own database connection, the shape of
production (each clerk's request is handled by a gunicorn worker process). ``--threads`` runs the
windows as threads of one process instead (the old benchmark, for comparison: the GIL then
serialises the Python side of all windows). ``--orm`` forces the ORM call-next
(``services._call_next_python``) on PostgreSQL, to compare with the one-statement version.
Django runs with DEBUG=0 as in production (``--debug`` keeps the development default).

For each scenario it prints the number of calls, p50/p95/p99/max call-next latency in ms, calls
per second, and checks: no ticket called twice, none left waiting, one call log and one audit
entry per call.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import os
import secrets
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

TARGET_P95_MS = 30


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
    parser.add_argument("--tickets", type=int, default=2000, help="waiting tickets per scenario")
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--lines", type=int, default=5, help="lines of the site in the spread scenario")
    parser.add_argument("--scenario", choices=["one-line", "spread", "both"], default="both")
    parser.add_argument("--threads", action="store_true", help="windows as threads of one process (old mode)")
    parser.add_argument("--orm", action="store_true", help="use the ORM call-next even on PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--debug", action="store_true", help="keep DEBUG on (Django then records every query); default DEBUG=0"
    )
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
    if not args.debug:  # as in production (docker-compose sets DEBUG=0)
        os.environ["DEBUG"] = "0"
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    try:
        return run(args)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception as exc:  # never leave the scratch database behind
            print(f"关闭连接出错：{exc!r}")
        if args.keep:
            print(f"保留临时数据库 {scratch}")
        else:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()


# --- Data ------------------------------------------------------------------------------------------


def _build_site(*, lines: int, windows: int, tickets: int, prefix_base: int) -> tuple[int, list[tuple[int, int]]]:
    """A site with ``lines`` lines, ``windows`` windows (round robin over the lines, one clerk each)
    and ``tickets`` waiting tickets spread evenly over the lines. Returns the site id and the
    (window id, clerk id) pairs."""
    from hall.queue.models import PriorityCategory
    from hall.queue.tests.factories import QueueLineFactory, bulk_waiting_tickets, window_serving
    from hall.tests.factories import SiteFactory, ZoneFactory

    site = SiteFactory()
    category = PriorityCategory.objects.get(code="elderly")
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    queue_lines = [
        QueueLineFactory(
            site=site,
            zone=ZoneFactory(site=site),
            prefix=letters[(prefix_base + i) % len(letters)],
            priority_interleave=3,
            daily_limit=1_000_000,
        )
        for i in range(lines)
    ]
    pairs = []
    for n in range(1, windows + 1):
        window = window_serving(queue_lines[(n - 1) % lines], number=n)
        pairs.append((window.pk, window.clerks.get().pk))
    for i, line in enumerate(queue_lines):
        share = tickets // lines + (1 if i < tickets % lines else 0)
        priority = share // 10
        appointments = max(1, share // 100)
        bulk_waiting_tickets(
            line,
            normal=share - priority - appointments,
            priority=priority,
            appointments=appointments,
            category=category,
        )
    return site.pk, pairs


# --- Workers ---------------------------------------------------------------------------------------


def _window_loop(window_id: int, clerk_id: int, use_orm: bool, barrier) -> dict:
    """One window: call next and finish, back to back, until nobody waits. Runs in its own process
    (or thread); opens its own database connection."""
    from django.db import connection

    from hall.models import User, Window
    from hall.queue import services

    latencies: list[float] = []
    called: list[int] = []
    error = None
    started = ended = None
    try:
        window = Window.objects.get(pk=window_id)
        clerk = User.objects.get(pk=clerk_id)
        barrier.wait()
        started = time.monotonic()
        while True:
            begin = time.perf_counter()
            if use_orm:
                ticket = services._call_next_python(window=window, by=clerk, ip=None, now=services._now(None))
            else:
                ticket = services.ticket_call_next(window=window, by=clerk)
            latencies.append((time.perf_counter() - begin) * 1000)
            if ticket is None:
                break
            called.append(ticket.pk)
            services.ticket_finish(ticket=ticket, window=window, by=clerk)
        ended = time.monotonic()
    except BaseException as exc:  # reported by the parent
        error = repr(exc)
        with contextlib.suppress(Exception):
            barrier.abort()  # release the other windows waiting at the start line
    finally:
        connection.close()
    # The last call of each window (the one that found the line empty) is not a ticket called,
    # but it is a real call-next: keep its latency.
    return {"latencies": latencies, "called": called, "error": error, "started": started, "ended": ended}


def _process_main(window_id, clerk_id, use_orm, barrier, results):
    results.put(_window_loop(window_id, clerk_id, use_orm, barrier))


def _run_processes(pairs, use_orm: bool) -> list[dict]:
    from django.db import connections

    connections.close_all()  # children must not share the parent's connection
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(len(pairs))
    results = ctx.Queue()
    procs = [ctx.Process(target=_process_main, args=(w, c, use_orm, barrier, results)) for w, c in pairs]
    for proc in procs:
        proc.start()
    out = [results.get() for _ in procs]
    for proc in procs:
        proc.join()
    return out


def _run_threads(pairs, use_orm: bool) -> list[dict]:
    barrier = threading.Barrier(len(pairs))
    out: list[dict] = []
    lock = threading.Lock()

    def work(window_id, clerk_id):
        result = _window_loop(window_id, clerk_id, use_orm, barrier)
        with lock:
            out.append(result)

    threads = [threading.Thread(target=work, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


# --- Report ----------------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    return values[max(0, math.ceil(fraction * len(values)) - 1)]


def _scenario(name: str, args, *, lines: int, prefix_base: int) -> bool:
    from django.db import connection

    from hall.models import AuditLog
    from hall.queue.models import CallLog, Ticket

    site_id, pairs = _build_site(lines=lines, windows=args.windows, tickets=args.tickets, prefix_base=prefix_base)
    mode = "线程" if args.threads else "进程"
    impl = "ORM 多语句" if args.orm else "单语句 SQL"
    print(
        f"\n== 场景 {name}：{args.windows} 个窗口（{mode}）× {lines} 条队列，{args.tickets} 个等候号，{impl} ==",
        flush=True,
    )
    calls_before = CallLog.objects.filter(action=CallLog.Action.CALL).count()
    audits_before = AuditLog.objects.filter(action="ticket.call").count()
    connection.close()

    runner = _run_threads if args.threads else _run_processes
    results = runner(pairs, args.orm)

    errors = [r["error"] for r in results if r["error"]]
    if errors:
        print(f"出错：{errors[0]}")
        return False
    latencies = sorted(ms for r in results for ms in r["latencies"])
    called = [pk for r in results for pk in r["called"]]
    wall = max(r["ended"] for r in results) - min(r["started"] for r in results)
    duplicates = len(called) - len(set(called))
    left = Ticket.objects.filter(site_id=site_id, status=Ticket.Status.WAITING).count()
    logged = CallLog.objects.filter(action=CallLog.Action.CALL).count() - calls_before
    audited = AuditLog.objects.filter(action="ticket.call").count() - audits_before
    windows_used = sum(1 for r in results if r["called"])
    print(
        f"叫号 count={len(called)}（call-next 调用 {len(latencies)} 次，含每窗口最后一次“无人等候”）"
        f"  用时 {wall:.2f} s  吞吐 {len(called) / wall:.0f} 次/秒  参与窗口 {windows_used}"
    )
    print(
        f"call-next 延迟 ms: p50={_percentile(latencies, 0.50):.1f}  p95={_percentile(latencies, 0.95):.1f}  "
        f"p99={_percentile(latencies, 0.99):.1f}  max={latencies[-1]:.1f}  (目标 p95 < {TARGET_P95_MS})"
    )
    print(f"重复叫号 duplicates={duplicates}  剩余等候 left={left}  叫号记录={logged}  审计记录={audited}")
    ok = duplicates == 0 and left == 0 and len(called) == args.tickets == logged == audited
    fast = _percentile(latencies, 0.95) < TARGET_P95_MS
    print("结果：通过" if ok and fast else ("结果：无重复，但 p95 未达标" if ok else "结果：失败"), flush=True)
    return ok


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def run(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    print("迁移临时数据库…", flush=True)
    call_command("migrate", verbosity=0)
    from django.conf import settings

    print(f"负载 load average: {_load()}  CPU 核数: {os.cpu_count()}  DEBUG={int(settings.DEBUG)}")

    ok = True
    if args.scenario in ("one-line", "both"):
        ok &= _scenario("one-line（同一队列，最坏情况）", args, lines=1, prefix_base=0)
    if args.scenario in ("spread", "both"):
        ok &= _scenario(f"spread（分布在 {args.lines} 条队列）", args, lines=args.lines, prefix_base=1)
    print(f"\n负载 load average: {_load()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

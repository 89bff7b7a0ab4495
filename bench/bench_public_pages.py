"""Benchmark of the public pages under gunicorn: guide, guide search, portal, tracking vs /healthz.

Usage (a scratch PostgreSQL database, created when missing; never the main one):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hall_bench_public REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/bench_public_pages.py --matters 5000 --clients 8 --seconds 10

What it does: migrates the scratch database, seeds the demo county (sites, zones, the demo
catalog) and generates ``--matters`` further matters with four materials each (90 % published,
as bench_catalog_search.py does); collects the static files; starts gunicorn with the production
settings (DEBUG off, ManifestStaticFilesStorage, the Redis cache, ``--workers`` sync workers);
then, for each page in turn, ``--clients`` client processes request it back to back for
``--seconds`` (after a one-second warm-up) as visitors without cookies. It prints, per page,
requests per second, p50 / p95 latency in ms, errors, and the page's req/s as a share of
``/healthz``'s (one database query, no template) measured in the same run.

The guide page rotates over 20 published guides (demo and generated); the search is
``/guide/?q=许可``. The load average is printed before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from hall.catalog.models import MatterVersion  # noqa: E402

TARGET_SHARE = 0.5
TARGET_P95_MS = 50.0


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def ensure_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def prepare_data(matters: int) -> list[str]:
    from bench_catalog_search import generate, remove_generated

    from hall.demo import seed_demo

    call_command("migrate", verbosity=0)
    seed_demo()
    remove_generated()
    started = time.perf_counter()
    generate(matters, random.Random(2026))
    print(f"generated {matters} matters in {time.perf_counter() - started:.1f} s")
    published = MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED)
    demo = list(published.exclude(matter__code__startswith="BENCH-").values_list("matter__code", flat=True)[:10])
    generated = list(published.filter(matter__code__startswith="BENCH-").values_list("matter__code", flat=True)[:10])
    return demo + generated


def server_env(var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY="bench-public-pages-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        VAR_DIR=var_dir,
        DJANGO_SETTINGS_MODULE="hall.settings",
    )
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _ = fetch(port, "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready")


def fetch(port: int, path: str) -> tuple[int, int]:
    """One GET without cookies over a fresh connection (as a sync gunicorn worker serves it)."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    status = int(data[9:12]) if data.startswith(b"HTTP/1.") else 0
    return status, len(data)


def client(port: int, paths: list[str], warmup_until: float, until: float, results) -> None:
    latencies, errors, index = [], 0, random.randrange(len(paths))
    while True:
        began = time.perf_counter()
        if began >= until:
            break
        try:
            status, _ = fetch(port, paths[index % len(paths)])
        except OSError:
            status = 0
        index += 1
        finished = time.perf_counter()
        if began >= warmup_until:
            if status == 200:
                latencies.append((finished - began) * 1000)
            else:
                errors += 1
    results.put((latencies, errors))


def drive(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    results = multiprocessing.Queue()
    start = time.perf_counter()
    warmup_until, until = start + 1.0, start + 1.0 + seconds
    workers = [
        multiprocessing.Process(target=client, args=(port, paths, warmup_until, until, results)) for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    latencies, errors = [], 0
    for _ in workers:
        got, failed = results.get()
        latencies.extend(got)
        errors += failed
    for worker in workers:
        worker.join()
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))] if latencies else float("nan")  # noqa: E731
    return {"rps": len(latencies) / seconds, "p50": p(0.50), "p95": p(0.95), "errors": errors, "n": len(latencies)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-data", action="store_true", help="reuse the data of a previous run")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor != "postgresql":
        print("refusing to run: set DATABASE_URL to a scratch PostgreSQL database", file=sys.stderr)
        return 2
    if settings.DATABASES["default"]["NAME"] in {"hall", "postgres"}:
        print("refusing to write benchmark rows into the main database; use a scratch database", file=sys.stderr)
        return 2
    connection.close()
    ensure_database(url)
    print(f"load average before: {loadavg()}")
    if args.skip_data:
        published = MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED)
        codes = list(published.exclude(matter__code__startswith="BENCH-").values_list("matter__code", flat=True)[:10])
        codes += list(published.filter(matter__code__startswith="BENCH-").values_list("matter__code", flat=True)[:10])
    else:
        codes = prepare_data(args.matters)
    total = MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED).count()
    print(f"published versions in the catalog: {total}")
    connections.close_all()

    var_dir = tempfile.mkdtemp(prefix="bench_public_")
    env = server_env(var_dir)
    python = sys.executable
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    gunicorn = Path(python).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "hall.wsgi:application", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(var_dir) / "gunicorn.log", "wb"),  # noqa: SIM115 (lives as long as the server)
    )
    try:
        wait_ready(port)
        pages = [
            ("/healthz", ["/healthz"]),
            ("guide page", [f"/guide/{code}/" for code in codes]),
            ("guide search ?q=许可", ["/guide/?q=" + quote("许可")]),
            ("portal /", ["/"]),
            ("tracking /track/", ["/track/"]),
        ]
        for _, paths in pages:
            for path in paths:
                status, _ = fetch(port, path)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
        print(
            f"gunicorn {args.workers} sync workers, DEBUG off; {args.clients} clients x {args.seconds:.0f} s per page"
        )
        rows = [(name, drive(port, paths, args.clients, args.seconds)) for name, paths in pages]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    health = rows[0][1]["rps"]
    print(f"{'page':<22}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}{'of healthz':>12}")
    ok = True
    for name, row in rows:
        share = row["rps"] / health if health else 0
        print(f"{name:<22}{row['rps']:>9.0f}{row['p50']:>9.1f}{row['p95']:>9.1f}{row['errors']:>8}{share:>11.0%}")
        if name != "/healthz":
            ok = ok and share >= TARGET_SHARE and row["p95"] <= TARGET_P95_MS and row["errors"] == 0
    print(f"load average after: {loadavg()}")
    print(f"target (each page >= 50 % of /healthz req/s, p95 <= 50 ms, no errors): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

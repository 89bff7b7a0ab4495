#!/usr/bin/env python
"""Restore drill (恢复演练): dump the database, restore it into a scratch database, and prove the
copy is whole and serves.

    .venv/bin/python scripts/restore_drill.py [--source postgres://…] [--scratch NAME] [--keep]
    make restore-drill                     # same, on $DATABASE_URL

Steps, each failing the drill (exit status 1) when it does not hold:
1. ``pg_dump -Fc`` of the source (default ``$DATABASE_URL``);
2. ``pg_restore`` into a fresh scratch database (default ``<source>_restore_drill``);
3. exact row counts (``count(*)``) of every table of the public schema, source against copy;
4. the audit table's triggers (append-only, no TRUNCATE) exist in the copy;
5. ``manage.py check`` against the copy, whose applied migrations must equal the source's;
6. a gunicorn server on the copy answers ``GET /healthz`` with 200 ``{"status": "ok"}``.
The scratch database is dropped afterwards unless ``--keep``. Counts are exact only when nothing
writes to the source during the drill (run it on a replica or in a quiet hour; see
docs/production.md).
"""

# ruff: noqa: S603, S607 (an operator tool: runs the PostgreSQL client tools and this project's own commands)
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg2
from psycopg2 import sql

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
AUDIT_TRIGGERS = {"hall_auditlog_append_only", "hall_auditlog_no_truncate"}


def with_database(url: str, name: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def table_counts(url: str) -> dict[str, int]:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cursor.fetchone()[0]
    return counts


def audit_triggers(url: str) -> set[str]:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'hall_auditlog'::regclass AND NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


def recreate(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            if not drop_only:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthz(env: dict, log: Path) -> tuple[int, dict]:
    port = free_port()
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "hall.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                        return response.status, json.loads(response.read())
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the server on the copy did not answer; log:\n{log.read_text()}") from None
                    time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=20)


def _manage(command: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *command], cwd=BASE_DIR, env=env, capture_output=True, text=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=os.environ.get("DATABASE_URL", ""), help="source database URL")
    parser.add_argument("--scratch", default="", help="scratch database name (default <source>_restore_drill)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args(argv)
    if not args.source.startswith(("postgres://", "postgresql://")):
        print("恢复演练需要 PostgreSQL：请设置 DATABASE_URL 或 --source postgres://…", file=sys.stderr)
        return 2
    source = args.source
    scratch = args.scratch or f"{database_name(source)}_restore_drill"
    if scratch == database_name(source):
        print("临时数据库不能与源数据库同名。", file=sys.stderr)
        return 2
    scratch_url = with_database(source, scratch)
    admin_url = with_database(source, "postgres")
    failures: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="restore-drill-") as work:
        dump = Path(work) / "hall.dump"
        print(f"1. pg_dump -Fc {database_name(source)} …")
        subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), f"--dbname={source}"], check=True)
        source_counts = table_counts(source)
        print(f"   {dump.stat().st_size / 1e6:.1f} MB, {len(source_counts)} tables")
        print(f"2. pg_restore into {scratch} …")
        recreate(admin_url, scratch)
        try:
            subprocess.run(
                ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={scratch_url}", str(dump)], check=True
            )
            print("3. row counts of every table …")
            copy_counts = table_counts(scratch_url)
            for table in sorted(set(source_counts) | set(copy_counts)):
                if source_counts.get(table) != copy_counts.get(table):
                    failures.append(f"{table}: source {source_counts.get(table)} ≠ copy {copy_counts.get(table)}")
            total = sum(copy_counts.values())
            print(f"   {len(copy_counts)} tables, {total} rows, {len(failures)} differences")
            print("4. audit triggers in the copy …")
            missing = AUDIT_TRIGGERS - audit_triggers(scratch_url)
            if missing:
                failures.append(f"audit triggers missing in the copy: {sorted(missing)}")
            env = {**os.environ, "DATABASE_URL": scratch_url, "DJANGO_SETTINGS_MODULE": "hall.settings"}
            print("5. manage.py check, and the applied migrations, on the copy …")
            done = _manage(["check"], env)
            if done.returncode != 0:
                failures.append(f"manage.py check: {done.stdout}{done.stderr}")
            # The copy must have exactly the source's migration state (the source may lag the code).
            copy_plan = _manage(["showmigrations", "--plan"], env).stdout
            source_plan = _manage(["showmigrations", "--plan"], {**env, "DATABASE_URL": source}).stdout
            if copy_plan != source_plan or "[X]" not in copy_plan:
                failures.append("the copy's applied migrations differ from the source's")
            pending = copy_plan.count("[ ]")
            if pending:
                print(f"   note: {pending} migrations of the code are not applied (on the source either)")
            print("6. GET /healthz from a server on the copy …")
            status, body = healthz(env, Path(work) / "server.log")
            if status != 200 or body.get("status") != "ok":
                failures.append(f"/healthz answered {status} {body}")
        finally:
            if not args.keep:
                recreate(admin_url, scratch, drop_only=True)
    elapsed = time.monotonic() - started
    if failures:
        print(f"恢复演练失败（{elapsed:.0f} 秒）：", *failures, sep="\n  ")
        return 1
    print(f"恢复演练通过：{len(source_counts)} 张表行数一致，check、迁移与 /healthz 正常（{elapsed:.0f} 秒）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())

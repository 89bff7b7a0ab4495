"""`make run`: the web server, a Celery worker and beat together, stopped cleanly by Ctrl-C.

Each service runs in its own session (process group), so the terminal's Ctrl-C reaches only this
supervisor, which then stops every service in turn (SIGTERM to the whole group, SIGKILL after a
grace period), waits for all of them and exits 0. The supervisor takes the terminal's foreground
for itself while it runs, so `make` (which would otherwise die of the SIGINT and report it) never
sees the Ctrl-C either, and gives the terminal back before leaving.

Environment: HOST, PORT (default 127.0.0.1:8000), VAR_DIR (logs under <VAR_DIR>/log).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = BASE_DIR / ".venv" / "bin"
GRACE_SECONDS = 10

BANNER = """
  政务服务大厅管理系统 — 开发环境
  ------------------------------------------------------------
  办事服务:   http://{host}:{port}/
  工作人员:   http://{host}:{port}/login/
  后台管理:   http://{host}:{port}/admin/
  接口文档:   http://{host}:{port}/api/docs/
  Celery:     worker 与 beat 已启动（日志：{log}/worker.log、{log}/beat.log）

  演示账户（仅供演示，密码均为 Demo@2026）:
    clerk01 窗口人员 · approver01 审批人员 · inspector01 勘验人员
    supervisor01 大厅管理 · leader01 局领导 · admin 系统管理员
    citizen01（或手机号 13800138000）群众

  按 Ctrl-C 停止全部服务。
"""


class Terminal:
    """Hold the terminal's foreground process group while running; give it back afterwards."""

    def __init__(self):
        self.fd = None
        self.previous = None

    def take(self) -> None:
        if not os.isatty(0):
            return
        self.fd = 0
        with contextlib.suppress(OSError):
            self.previous = os.tcgetpgrp(self.fd)
            if os.getpgrp() != os.getpid():
                os.setpgid(0, 0)
            self._set(os.getpgrp())

    def give_back(self) -> None:
        if self.fd is not None and self.previous is not None:
            with contextlib.suppress(OSError):
                self._set(self.previous)

    def _set(self, pgrp: int) -> None:
        # A background group changing the foreground gets SIGTTOU unless it ignores it.
        old = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        try:
            os.tcsetpgrp(self.fd, pgrp)
        finally:
            signal.signal(signal.SIGTTOU, old)


def start(args: list[str], log: Path | None) -> subprocess.Popen:
    output = log.open("ab") if log else None
    return subprocess.Popen(  # noqa: S603 (our own fixed commands)
        args,
        cwd=BASE_DIR,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
        start_new_session=True,  # its own process group: stopped as a whole, untouched by Ctrl-C
    )


def stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
    for child in children:
        # Whatever is left in the group (a reloader's child, a pool process) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    var_dir = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")
    logs = var_dir / "log"
    logs.mkdir(parents=True, exist_ok=True)

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)

    terminal = Terminal()
    terminal.take()
    children = [
        start(
            [str(BIN / "celery"), "-A", "hall", "worker", "--loglevel=INFO", "--pool=solo", "--hostname=worker@%h"],
            logs / "worker.log",
        ),
        start([str(BIN / "celery"), "-A", "hall", "beat", "--loglevel=INFO", "--pidfile="], logs / "beat.log"),
    ]
    print(BANNER.format(host=host, port=port, log=logs), flush=True)
    children.append(start([str(BIN / "python"), "manage.py", "runserver", f"{host}:{port}"], None))

    failed = None
    try:
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    failed = child
                    break
            if failed is not None:
                break
            time.sleep(0.2)
        print("\n  正在停止 Web 服务、Celery worker 与 beat…", flush=True)
        stop(children)
    finally:
        terminal.give_back()
    if failed is not None and not stopping:
        name = " ".join(Path(a).name for a in failed.args[:4])
        print(f"  {name} 意外退出（退出码 {failed.returncode}），请查看 {logs} 下的日志。", file=sys.stderr)
        return 1
    print("  已全部停止。", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

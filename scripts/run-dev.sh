#!/usr/bin/env bash
# Start the web server, a Celery worker and beat together on the embedded defaults
# (SQLite under var/, kombu filesystem broker): no PostgreSQL or Redis needed.
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CELERY=.venv/bin/celery
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
mkdir -p var/log

trap 'trap - EXIT; kill 0 2>/dev/null' EXIT INT TERM

"$CELERY" -A hall worker --loglevel=INFO --pool=solo --hostname="worker@%h" >var/log/worker.log 2>&1 &
"$CELERY" -A hall beat --loglevel=INFO --pidfile= >var/log/beat.log 2>&1 &

cat <<MSG

  政务服务大厅管理系统 — 开发环境
  ------------------------------------------------------------
  访问地址:   http://${HOST}:${PORT}/login/
  后台管理:   http://${HOST}:${PORT}/admin/
  接口文档:   http://${HOST}:${PORT}/api/docs/
  Celery:     worker 与 beat 已启动（日志：var/log/worker.log、var/log/beat.log）

  演示账户（仅供演示，密码均为 Demo@2026）:
    clerk01 窗口人员 · approver01 审批人员 · inspector01 勘验人员
    supervisor01 大厅管理 · leader01 局领导 · admin 系统管理员
    citizen01（或手机号 13800138000）群众

  按 Ctrl-C 停止全部服务。
MSG

"$PY" manage.py runserver "${HOST}:${PORT}"

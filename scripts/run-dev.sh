#!/usr/bin/env bash
# Start the web server, a Celery worker and beat together on the embedded defaults
# (SQLite under var/, kombu filesystem broker): no PostgreSQL or Redis needed.
# Ctrl-C stops all three and exits 0; the supervisor is scripts/run_dev.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/run_dev.py "$@"

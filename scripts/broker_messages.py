"""Count the Celery messages waiting on the configured broker (to check that a test run left none).

    .venv/bin/python scripts/broker_messages.py          # total, then one line per queue

Redis: every list key is a kombu queue (its length is the number of waiting messages), plus the
``unacked`` hash of messages a worker took but did not acknowledge. Filesystem broker: the message
files in ``data_folder_in``. Exit status 0 in both cases; the count is printed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")


def count_redis(url: str) -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(url)
    counts = {}
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        name = key.decode(errors="replace")
        if kind == b"list":
            counts[name] = client.llen(key)
        elif kind == b"hash" and name == "unacked":
            counts[name] = client.hlen(key)
    return counts


def count_filesystem(options: dict) -> dict[str, int]:
    folder = Path(options.get("data_folder_in", "data_in"))
    return {str(folder): sum(1 for p in folder.glob("*.msg"))} if folder.is_dir() else {str(folder): 0}


def main() -> int:
    import django

    django.setup()
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        counts = count_redis(url)
    elif url.startswith("filesystem://"):
        counts = count_filesystem(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}))
    else:
        print(f"unsupported broker: {url}", file=sys.stderr)
        return 2
    print(f"{sum(counts.values())} messages on {url.split('@')[-1]}")
    for name, n in sorted(counts.items()):
        print(f"  {name}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

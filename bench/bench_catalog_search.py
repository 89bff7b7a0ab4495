"""Benchmark of the public catalog search (事项检索) over 5,000 generated matters, on PostgreSQL.

Usage (the database is migrated first; generated rows carry the code prefix BENCH- and are
removed at the end unless --keep):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hall_catalog .venv/bin/python bench/bench_catalog_search.py

Each search goes through the real API view (``GET /api/v1/matters/``: filters, pagination,
serialisation); the script prints p50 / p95 / max latency in ms and the queries per request.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402

from hall.catalog.api import MatterListApi  # noqa: E402
from hall.catalog.models import Material, Matter, MatterType, MatterVersion, OnlineDepth  # noqa: E402
from hall.models import Department  # noqa: E402

PREFIX = "BENCH-"
SUBJECTS = [
    "食品",
    "药品",
    "建筑",
    "道路",
    "教师",
    "取水",
    "公共场所",
    "医疗",
    "燃气",
    "农药",
    "种子",
    "排水",
    "出租汽车",
    "特种设备",
    "人力资源",
    "劳务派遣",
    "民办学校",
    "动物防疫",
    "不动产",
    "社会团体",
]
ACTIONS = [
    "经营许可",
    "生产许可",
    "设立登记",
    "变更登记",
    "注销登记",
    "资格认定",
    "施工许可证核发",
    "卫生许可",
    "执业登记",
    "备案",
    "年度检验",
    "延续",
    "补证",
]
QUALIFIERS = ["", "（新办）", "（变更）", "（延续）", "（县级权限）", "（告知承诺）"]


def generate(count: int, rng: random.Random) -> None:
    departments = list(Department.objects.filter(kind=Department.Kind.DEPARTMENT)[:12])
    if not departments:
        departments = Department.objects.bulk_create(
            Department(name=f"基准测试部门{i}", short_name=f"部门{i}", sort_order=i) for i in range(10)
        )
    with transaction.atomic():
        matters = Matter.objects.bulk_create(Matter(code=f"{PREFIX}{i:06d}") for i in range(count))
        versions = []
        for i, matter in enumerate(matters):
            subject, action = rng.choice(SUBJECTS), rng.choice(ACTIONS)
            legal = rng.choice([1, 5, 10, 15, 20, 30, 45, 60])
            promised = rng.randint(0, legal)
            depth = rng.choice(OnlineDepth.values)
            versions.append(
                MatterVersion(
                    matter=matter,
                    version=1,
                    status=MatterVersion.Status.PUBLISHED if i % 10 else MatterVersion.Status.DRAFT,
                    name=f"{subject}{action}{rng.choice(QUALIFIERS)}",
                    keywords=f"{subject} {action} {rng.choice(SUBJECTS)}",
                    matter_type=rng.choice(MatterType.values),
                    department=rng.choice(departments),
                    legal_limit_days=legal,
                    promised_limit_days=promised,
                    handling_type="1" if promised == 0 else "2",
                    online_depth=depth,
                    site_visits=0 if depth == OnlineDepth.IV else rng.choice([0, 1, 2]),
                    service_objects=rng.sample(["1", "2", "3"], rng.randint(1, 2)),
                    supports_online_handling=depth != OnlineDepth.I,
                )
            )
        MatterVersion.objects.bulk_create(versions, batch_size=1000)
        Material.objects.bulk_create(
            (Material(version=v, name=f"材料{j}", sort_order=j) for v in versions for j in range(4)), batch_size=5000
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_matter; ANALYZE catalog_matterversion; ANALYZE catalog_material")


def remove_generated() -> None:
    with transaction.atomic():
        versions = MatterVersion.objects.filter(matter__code__startswith=PREFIX)
        Material.objects.filter(version__in=versions).delete()
        versions.delete()
        Matter.objects.filter(code__startswith=PREFIX).delete()
        Department.objects.filter(name__startswith="基准测试部门").delete()


def searches(rng: random.Random, total: int) -> list[dict]:
    department_ids = list(Department.objects.filter(kind=Department.Kind.DEPARTMENT).values_list("pk", flat=True))
    plans = []
    for i in range(total):
        kind = i % 8
        if kind in (0, 1):
            params = {"q": rng.choice(SUBJECTS)}
        elif kind == 2:
            params = {"q": rng.choice(SUBJECTS) + rng.choice(ACTIONS)[:2]}
        elif kind == 3:
            params = {"q": f"{PREFIX}{rng.randint(0, 4999):06d}"}
        elif kind == 4:
            params = {"department": rng.choice(department_ids), "online_depth": rng.choice(OnlineDepth.values)}
        elif kind == 5:
            params = {"q": rng.choice(ACTIONS), "immediate": "true"}
        elif kind == 6:
            params = {"service_object": "2", "matter_type": "01", "page": 2}
        else:
            params = {"q": "许可", "department": rng.choice(department_ids)}
        plans.append(params)
    return plans


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=5000)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the generated matters")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("refusing to run: set DATABASE_URL to a PostgreSQL database", file=sys.stderr)
        return 2
    if settings.DATABASES["default"]["NAME"] in {"hall", "postgres"} and not os.environ.get("BENCH_ALLOW_MAIN_DB"):
        print("refusing to write benchmark rows into the main database; use a scratch database", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    remove_generated()
    started = time.perf_counter()
    generate(args.matters, rng)
    print(f"generated {args.matters} matters in {time.perf_counter() - started:.1f} s")

    view = MatterListApi.as_view()
    factory = APIRequestFactory(SERVER_NAME="localhost")
    for params in searches(rng, 20):  # warm-up
        view(factory.get("/api/v1/matters/", params)).render()
    timings, query_counts, hits = [], [], []
    for params in searches(rng, args.searches):
        request = factory.get("/api/v1/matters/", params)
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = view(request)
            response.render()
            timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (params, response.data)
        query_counts.append(len(queries))
        hits.append(response.data["count"])
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"searches: {len(timings)} through GET /api/v1/matters/ (20 per page)")
    print(f"latency ms: p50 {statistics.median(timings):.1f}  p95 {p95:.1f}  max {timings[-1]:.1f}")
    print(f"queries per request: min {min(query_counts)}  max {max(query_counts)}")
    print(f"matches per search: median {statistics.median(hits):.0f}  max {max(hits)}")
    print(f"target p95 < 100 ms: {'met' if p95 < 100 else 'NOT met'}")
    if not args.keep:
        remove_generated()
    return 0


if __name__ == "__main__":
    sys.exit(main())
